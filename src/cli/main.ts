import { text } from 'node:stream/consumers';
import { runCli } from '../cli.js';

/** The CLI on the real process: argv, stdio, environment and working folder. */
export async function main(): Promise<number> {
  return runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: () => text(process.stdin),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  });
}
