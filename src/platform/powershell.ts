import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describeFailure, type ProcessOptions, type ProcessResult, type ProcessRunner } from './process.js';

/** The environment variable that carries a script's input as JSON. Scripts read it; nothing is spliced. */
export const POWERSHELL_INPUT_VAR = 'GO_AV_GUARD_INPUT';
/**
 * In a shared PowerShell (one start for several scripts) the environment is fixed at start, so each
 * script's JSON goes into an owner-only file in a private folder, and this variable names that file.
 */
export const POWERSHELL_INPUT_FILE_VAR = 'GO_AV_GUARD_INPUT_FILE';
/** The script's one line of JSON output starts with this, so stray host output cannot be mistaken for it. */
export const POWERSHELL_RESULT_MARKER = 'GO_AV_GUARD_RESULT:';
/** A script that stopped with an error says so on one line: its message as a JSON string. */
export const POWERSHELL_ERROR_MARKER = 'GO_AV_GUARD_ERROR:';

/**
 * The way an administrator starts PowerShell: no profile, no prompts, the script on standard input.
 * Never -EncodedCommand (an EDR indicator that hides nothing from AMSI), never -ExecutionPolicy (it does
 * nothing for an inline command, and Bypass is itself an indicator).
 */
export const POWERSHELL_ARGS: readonly string[] = [
  '-NoLogo',
  '-NoProfile',
  '-NonInteractive',
  '-Command',
  '-',
];

/**
 * Every script runs inside this frame. `-Command -` runs standard input statement by statement, so the
 * whole frame is one `& { }` statement, ended by a blank line. It is Constrained Language Mode safe (no
 * property set on a .NET type): the result line is made ASCII by escaping every other character as
 * \uXXXX, so the console code page cannot garble it. Errors come back as one line with their message.
 */
const PRELUDE = [
  '& {',
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '$In = $null',
  `if ($env:${POWERSHELL_INPUT_FILE_VAR}) { $In = Get-Content -LiteralPath $env:${POWERSHELL_INPUT_FILE_VAR} -Raw -Encoding UTF8 | ConvertFrom-Json }`,
  `elseif ($env:${POWERSHELL_INPUT_VAR}) { $In = $env:${POWERSHELL_INPUT_VAR} | ConvertFrom-Json }`,
  'try {',
  '$Result = & {',
].join('\n');
const POSTLUDE = [
  '}',
  `$Reply = '${POWERSHELL_RESULT_MARKER}' + (ConvertTo-Json -InputObject $Result -Depth 8 -Compress)`,
  '} catch {',
  `$Reply = '${POWERSHELL_ERROR_MARKER}' + (ConvertTo-Json -InputObject ([string]$_.Exception.Message) -Compress)`,
  '}',
  "foreach ($c in @([regex]::Matches($Reply, '[^\\x20-\\x7E]') | ForEach-Object { $_.Value } | Sort-Object -Unique -CaseSensitive)) {",
  "  $Reply = $Reply.Replace($c, ('\\u{0:x4}' -f [int][char]$c))",
  '}',
  '$Reply',
  '}',
  '',
  '',
].join('\n');

/** The exact text PowerShell reads on standard input for `script`. */
export function framePowerShellScript(script: string): string {
  return `${PRELUDE}\n${script}\n${POSTLUDE}`;
}

export interface PowerShellOptions {
  /** Windows PowerShell 5.1 is on every Windows machine and carries the Defender module. */
  executable?: string;
  timeoutMs?: number;
}

export class PowerShellError extends Error {}

const WINDOWS_ABSOLUTE = /^[a-z]:\\(?:[^\\/:*?"<>|\r\n]+\\?)*$/i;

/**
 * `%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe`, with SystemRoot as the OS gave it to this
 * process. Never a bare name: Windows searches the current folder (the workspace) first.
 */
export function windowsPowerShellPath(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? env.WINDIR;
  // Off Windows (tests that record what would run) there is no SystemRoot: name the default one.
  if (root === undefined) return 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
  if (!WINDOWS_ABSOLUTE.test(root) || root.split('\\').includes('..'))
    throw new PowerShellError(
      `SystemRoot is not an absolute Windows path (${JSON.stringify(root)}), so PowerShell cannot be found safely`,
    );
  return `${root.replace(/\\+$/, '')}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
}

/**
 * Runs a constant PowerShell script with `data` as JSON in the environment and returns its JSON value.
 * `script` must be a constant: never build it from inputs, paths or secrets.
 */
export async function runPowerShell(
  run: ProcessRunner,
  script: string,
  data: unknown,
  options: PowerShellOptions = {},
): Promise<unknown> {
  const executable = options.executable ?? windowsPowerShellPath();
  const result = await run(executable, POWERSHELL_ARGS, {
    env: { [POWERSHELL_INPUT_VAR]: JSON.stringify(data ?? null) },
    input: framePowerShellScript(script),
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  return parsePowerShellOutput(executable, result.stdout, () =>
    describeFailure(executable, { ...result, stderr: decodeClixml(result.stderr) }),
  );
}

export function parsePowerShellOutput(executable: string, stdout: string, failure: () => string): unknown {
  const line = stdout
    .split(/\r?\n/)
    .map((l) => l.replace(/^\uFEFF/, ''))
    .reverse()
    .find((l) => l.startsWith(POWERSHELL_RESULT_MARKER) || l.startsWith(POWERSHELL_ERROR_MARKER));
  if (line === undefined) throw new PowerShellError(`PowerShell gave no result: ${failure()}`);
  if (line.startsWith(POWERSHELL_ERROR_MARKER)) {
    const message = readJson(line.slice(POWERSHELL_ERROR_MARKER.length));
    throw new PowerShellError(`the PowerShell script stopped: ${String(message ?? 'no message')}`);
  }
  const json = line.slice(POWERSHELL_RESULT_MARKER.length).replace(/^\uFEFF/, '');
  try {
    return json.trim() === '' ? null : JSON.parse(json);
  } catch {
    throw new PowerShellError(`${executable} wrote a result that is not JSON: ${json.slice(0, 200)}`);
  }
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * PowerShell started by another program can write its error stream as CLIXML (`#< CLIXML` then
 * `<Objs>` with `<S S="Error">` lines). Returns the messages as plain text; other text as it is.
 */
export function decodeClixml(stderr: string): string {
  const at = stderr.indexOf('#< CLIXML');
  if (at < 0) return stderr;
  const before = stderr.slice(0, at);
  const xml = stderr.slice(at + '#< CLIXML'.length);
  const lines = [...xml.matchAll(/<S S="(?:Error|Warning)">([\s\S]*?)<\/S>/g)].map((m) =>
    unescapeClixml(m[1] ?? ''),
  );
  const text = lines.join('').replace(/\r\n/g, '\n').trim();
  return [before.trim(), text].filter(Boolean).join('\n');
}

function unescapeClixml(text: string): string {
  return text
    .replace(/_x([0-9a-f]{4})_/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
}

/** Is this a call runPowerShell made (the standard argv, the framed script on stdin)? */
export function isPowerShellCall(args: readonly string[], options: ProcessOptions | undefined): boolean {
  return (
    args.length === POWERSHELL_ARGS.length &&
    args.every((a, i) => a === POWERSHELL_ARGS[i]) &&
    typeof options?.input === 'string' &&
    options.input.startsWith(PRELUDE)
  );
}

/** A queue of stdin chunks that a long-lived child reads as they are pushed. */
class StdinQueue implements AsyncIterable<string> {
  private chunks: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const next = this.chunks.shift();
      if (next !== undefined) yield next;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

interface Pending {
  resolve: (result: ProcessResult) => void;
  started: number;
}

export interface SharedPowerShell {
  /** A ProcessRunner that sends runPowerShell's calls into one PowerShell and passes every other start on. */
  run: ProcessRunner;
  /** How many PowerShell processes were started so far. */
  starts: () => number;
  /** Ends the PowerShell (closes its stdin) and removes the input folder. */
  close: () => Promise<void>;
}

/**
 * One PowerShell start for several scripts in a row (doctor, exclusions, detections and the scan in the
 * main step; restore and detections in the post step). Each framed script goes to the same process's
 * stdin and its result line ends that script's answer. If the process ends early, the next script starts
 * a new one. Scripts run one at a time, in the order they were asked for.
 */
export function sharePowerShell(run: ProcessRunner, options: { tempDir?: string } = {}): SharedPowerShell {
  let starts = 0;
  let process:
    { stdin: StdinQueue; exited: Promise<ProcessResult>; ended: boolean; abort: AbortController } | undefined;
  let inputDir: string | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let pending: Pending | undefined;
  let buffered = '';
  const decoder = new StringDecoder('utf8');

  let streamed = false;
  const onStdout = (chunk: Buffer): void => {
    streamed = true;
    buffered += decoder.write(chunk);
    const lines = buffered.split('\n');
    const markerAt = lines.findIndex(
      (l, i) =>
        i < lines.length - 1 &&
        (l.replace(/^\uFEFF/, '').startsWith(POWERSHELL_RESULT_MARKER) ||
          l.replace(/^\uFEFF/, '').startsWith(POWERSHELL_ERROR_MARKER)),
    );
    if (markerAt < 0 || !pending) return;
    const answer = lines.slice(0, markerAt + 1).join('\n');
    buffered = lines.slice(markerAt + 1).join('\n');
    const done = pending;
    pending = undefined;
    done.resolve({ exitCode: 0, stdout: answer, stderr: '', durationMs: Date.now() - done.started });
  };

  const start = async (file: string, timeoutMs: number): Promise<NonNullable<typeof process>> => {
    if (inputDir === undefined) {
      const parent = options.tempDir ?? tmpdir();
      await mkdir(parent, { recursive: true });
      inputDir = await mkdtemp(path.join(parent, 'go-av-guard-ps-'));
    }
    await chmod(inputDir, 0o700);
    const stdin = new StdinQueue();
    starts++;
    buffered = '';
    streamed = false;
    const abort = new AbortController();
    const started: NonNullable<typeof process> = {
      ended: false,
      abort,
      stdin,
      exited: run(file, POWERSHELL_ARGS, {
        env: { [POWERSHELL_INPUT_FILE_VAR]: path.join(inputDir, 'input.json') },
        stdin,
        onStdout,
        signal: abort.signal,
        timeoutMs,
      }),
    };
    void started.exited.then(() => {
      started.ended = true;
    });
    return started;
  };

  const runScript = async (file: string, options: ProcessOptions): Promise<ProcessResult> => {
    const active = process && !process.ended ? process : (process = await start(file, 6 * 60 * 60_000));
    const json = options.env?.[POWERSHELL_INPUT_VAR] ?? 'null';
    await writeFile(path.join(inputDir as string, 'input.json'), json, { mode: 0o600 });
    const answer = new Promise<ProcessResult>((resolve) => {
      pending = { resolve, started: Date.now() };
    });
    active.stdin.push(options.input as string);
    // The process ended before it answered: the script's answer is whatever it left behind. (A runner
    // that does not stream stdout, as in tests that record starts, hands it all over here.)
    const ended = active.exited.then((result) => ({
      ...result,
      stdout: streamed ? buffered + decoder.end() : result.stdout,
    }));
    const limit = options.timeoutMs;
    if (!limit) return Promise.race([answer, ended]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ProcessResult>((resolve) => {
      timer = setTimeout(() => {
        // A script that hangs ends this PowerShell; the next script starts a fresh one.
        active.stdin.end();
        active.abort.abort();
        if (process === active) process = undefined;
        pending = undefined;
        resolve({ exitCode: null, stdout: '', stderr: '', timedOut: true, durationMs: limit });
      }, limit);
    });
    try {
      return await Promise.race([answer, ended, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  const shared: ProcessRunner = (file, args, opts) => {
    if (!isPowerShellCall(args, opts)) return run(file, args, opts);
    const next = chain.then(() => runScript(file, opts ?? {}));
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    run: shared,
    starts: () => starts,
    close: async () => {
      await chain;
      const active = process;
      process = undefined;
      if (active) {
        active.stdin.end();
        await active.exited;
      }
      if (inputDir) await rm(inputDir, { recursive: true, force: true });
    },
  };
}

/** The script text a recorded PowerShell start carried on stdin (tests prove it is the constant). */
export function powerShellScriptOf(options: ProcessOptions | undefined): string {
  const input = options?.input;
  if (typeof input !== 'string' || !input.startsWith(PRELUDE))
    throw new Error('not a framed PowerShell script');
  return input;
}
