import * as core from '@actions/core';
import type { Deps } from '../deps.js';
import { runProcess } from '../platform/process.js';
import type { StateStore } from '../platform/state.js';

/** The runner's state store: what main saves with saveState, post reads with getState. */
export const runnerState: StateStore = {
  get: (key) => core.getState(key),
  set: (key, value) => core.saveState(key, value),
};

export function actionDeps(): Deps {
  return {
    run: runProcess,
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    state: runnerState,
    setSecret: (value) => {
      if (value) core.setSecret(value);
    },
    now: () => new Date(),
  };
}
