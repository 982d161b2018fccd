import type { CliIo } from '../../src/cli.js';

/** A CLI io that records what the CLI writes. */
export function recordingIo(env: NodeJS.ProcessEnv = process.env, stdin = '', cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => stdin,
    env,
    cwd,
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}
