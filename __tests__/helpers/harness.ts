import { EXIT, runCli, type CliIo } from '../../src/cli.js';
import type { Deps } from '../../src/deps.js';
import { memoryState } from '../../src/platform/state.js';
import { recordingRunner } from './recorder.js';

export { EXIT };

/** Deps for a test: no process runs unless `run` is given (a recording runner answers ENOENT). */
export function testDeps(overrides: Partial<Deps> = {}): Deps {
  return {
    run: recordingRunner([]).run,
    platform: 'linux',
    arch: 'x64',
    env: { ...process.env, RUNNER_TEMP: '' },
    state: memoryState(),
    setSecret: () => undefined,
    now: () => new Date(),
    ...overrides,
  };
}

/** Runs `work` with process.stdout captured (workflow commands such as ::add-mask:: and ::error::). */
export async function captureStdout(work: () => unknown): Promise<string> {
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (
    written.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
  }
  return written.join('');
}

/** The CLI in this process, as a user would run it in `cwd`; output collected, time measured. */
export async function cliInProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => '',
    env: { ...env, RUNNER_TEMP: '' },
    cwd,
  };
  const started = Date.now();
  const code = await runCli(args, io);
  return { code, out: out.join(''), err: err.join(''), ms: Date.now() - started };
}
