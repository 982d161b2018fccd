import type { ProcessRunner } from './platform/process.js';
import type { StateStore } from './platform/state.js';
import type { Progress } from './progress.js';

/**
 * The adapters every capability takes instead of reaching for globals, so tests pass real ones where this
 * machine has the tool and recorded ones where it does not (PowerShell, signtool, Defender).
 */
export interface Deps {
  run: ProcessRunner;
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  /** Carries facts from the main step to the post step (exclusions added, secrets to remove). */
  state: StateStore;
  /** Registers a value with the runner's log masker; must be called before the value could print. */
  setSecret: (value: string) => void;
  now: () => Date;
  /** Per-file progress of long work; the CLI writes it to stderr, the action to the log. */
  progress?: Progress;
}
