import { describeFailure, type ProcessRunner } from './process.js';

/** The environment variable that carries a script's input as JSON. Scripts read it; nothing is spliced. */
export const POWERSHELL_INPUT_VAR = 'GO_AV_GUARD_INPUT';
/** The script's one line of JSON output starts with this, so stray host output cannot be mistaken for it. */
export const POWERSHELL_RESULT_MARKER = 'GO_AV_GUARD_RESULT:';

/**
 * Every script runs inside this frame: UTF-8 out, no progress bars, errors stop the script, the input is
 * parsed from the environment into $In, and the script's value is written as one compressed JSON line.
 */
const PRELUDE = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  `$In = if ($env:${POWERSHELL_INPUT_VAR}) { $env:${POWERSHELL_INPUT_VAR} | ConvertFrom-Json } else { $null }`,
  '$Result = & {',
].join('\n');
const POSTLUDE = [
  '}',
  `'${POWERSHELL_RESULT_MARKER}' + (ConvertTo-Json -InputObject $Result -Depth 8 -Compress)`,
].join('\n');

export interface PowerShellOptions {
  /** Windows PowerShell 5.1 is on every Windows machine and carries the Defender module. */
  executable?: string;
  timeoutMs?: number;
}

export class PowerShellError extends Error {}

/** The exact argv a script runs with: the script travels encoded, never as text a shell could re-read. */
export function powerShellArgs(script: string): string[] {
  const framed = `${PRELUDE}\n${script}\n${POSTLUDE}`;
  return [
    '-NoLogo',
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
    Buffer.from(framed, 'utf16le').toString('base64'),
  ];
}

/** Decodes the -EncodedCommand argument back to script text: used by tests to prove the script is constant. */
export function decodePowerShellScript(args: readonly string[]): string {
  const at = args.indexOf('-EncodedCommand');
  if (at < 0 || at + 1 >= args.length) throw new Error('no -EncodedCommand argument');
  return Buffer.from(args[at + 1] as string, 'base64').toString('utf16le');
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
  const executable = options.executable ?? 'powershell.exe';
  const result = await run(executable, powerShellArgs(script), {
    env: { [POWERSHELL_INPUT_VAR]: JSON.stringify(data ?? null) },
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  return parsePowerShellOutput(executable, result.stdout, () => describeFailure(executable, result));
}

export function parsePowerShellOutput(executable: string, stdout: string, failure: () => string): unknown {
  const line = stdout
    .split(/\r?\n/)
    .reverse()
    .find((l) => l.startsWith(POWERSHELL_RESULT_MARKER));
  if (line === undefined) throw new PowerShellError(`PowerShell gave no result: ${failure()}`);
  const json = line.slice(POWERSHELL_RESULT_MARKER.length).replace(/^\uFEFF/, '');
  try {
    return json.trim() === '' ? null : JSON.parse(json);
  } catch {
    throw new PowerShellError(`${executable} wrote a result that is not JSON: ${json.slice(0, 200)}`);
  }
}
