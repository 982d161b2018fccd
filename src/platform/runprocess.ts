import { spawn, type ChildProcess } from 'node:child_process';
import { childEnvironment } from './childenv.js';
import { startFailure, type ProcessResult, type ProcessRunner } from './process.js';

const MAX_CAPTURE = 16 * 1024 * 1024;

export const runProcess: ProcessRunner = (file, args, options = {}) =>
  new Promise((resolve) => {
    const started = Date.now();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let captured = 0;
    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Omit<ProcessResult, 'durationMs' | 'stdout' | 'stderr'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...result,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: Date.now() - started,
        ...(timedOut ? { timedOut } : {}),
      });
    };
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], {
        cwd: options.cwd,
        env: childEnvironment(process.env, options.env),
        shell: false,
        windowsHide: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      finish({ exitCode: null, ...startFailure(error) });
      return;
    }
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      if (captured >= MAX_CAPTURE) return;
      captured += chunk.length;
      into.push(chunk);
    };
    child.stdout?.on('data', keep(stdout));
    if (options.onStdout) child.stdout?.on('data', options.onStdout);
    child.stderr?.on('data', keep(stderr));
    if (options.timeoutMs)
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs);
    options.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    // A signal aborted before the start (runProcessOnDemand awaits this module first) fires no event.
    if (options.signal?.aborted) child.kill('SIGKILL');
    child.on('error', (error) => finish({ exitCode: null, ...startFailure(error) }));
    child.on('close', (code) => finish({ exitCode: code }));
    // A child that exits before reading stdin raises EPIPE here; its exit code tells the real story.
    child.stdin?.on('error', () => undefined);
    if (options.stdin) void feed(child, options.stdin);
    else child.stdin?.end(options.input ?? '');
  });

async function feed(child: ChildProcess, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) child.stdin?.write(chunk);
  } finally {
    child.stdin?.end();
  }
}
