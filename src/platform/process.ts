/** What a finished process left behind. `exitCode` is null when it was killed or never started. */
export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (ENOENT, EACCES, UNKNOWN, ...). */
  spawnError?: string;
  /** The errno name of a failed start, as Node reports it (`ENOENT`, `EACCES`, `UNKNOWN`, ...). */
  spawnCode?: string;
  /** The errno number of a failed start (libuv's: -4094 is UNKNOWN on Windows, where 225/226 end up). */
  spawnErrno?: number;
  timedOut?: boolean;
  durationMs: number;
}

export interface ProcessOptions {
  cwd?: string;
  /**
   * Added to the allowlisted part of the parent environment (see childenv.ts). A child never sees the
   * parent's INPUT_*, tokens or secrets; what it needs beyond the allowlist is passed here by name.
   */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. Secrets travel this way, never on argv or in env. */
  input?: string | Buffer;
  /**
   * Written to stdin as it arrives, then stdin is closed (a long-lived PowerShell that runs one script
   * after another). Used instead of `input`.
   */
  stdin?: AsyncIterable<string>;
  /** Sees stdout as it arrives, so a caller can answer a long-lived child before it exits. */
  onStdout?: (chunk: Buffer) => void;
  /** Ends the child (SIGKILL) when aborted: a long-lived child whose current work hangs. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Starts a program with an argv array, never through a shell, so no argument is ever parsed as code.
 * Capabilities take this as a parameter so tests can record every spawn or replay fixtures.
 */
export type ProcessRunner = (
  file: string,
  args: readonly string[],
  options?: ProcessOptions,
) => Promise<ProcessResult>;

/**
 * Node's spawn throws synchronously for most start failures (on Windows an antivirus block, 225/226,
 * arrives as UNKNOWN / -4094) and emits 'error' for a few (ENOENT, EACCES, ...): both become a result.
 */
export function startFailure(error: unknown): Pick<ProcessResult, 'spawnError' | 'spawnCode' | 'spawnErrno'> {
  const e = error as NodeJS.ErrnoException;
  return {
    spawnError: e instanceof Error ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { spawnCode: e.code } : {}),
    ...(typeof e?.errno === 'number' ? { spawnErrno: e.errno } : {}),
  };
}

/**
 * `runProcess`, its module loaded on the first start: a run that starts no process (signing with a key
 * file) does not load node:child_process (~6 ms of every start of the CLI).
 */
export const runProcessOnDemand: ProcessRunner = async (file, args, options) =>
  (await import('./runprocess.js')).runProcess(file, args, options);

/** A one-line description of why a process did not succeed, for reports. */
export function describeFailure(file: string, result: ProcessResult): string {
  if (result.spawnError) return `${file} could not be started: ${result.spawnError}`;
  if (result.timedOut) return `${file} did not finish within the time limit and was stopped`;
  const detail = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/).slice(-3).join(' | ');
  return `${file} exited with code ${result.exitCode}${detail ? `: ${detail}` : ''}`;
}
