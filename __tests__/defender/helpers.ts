import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deps } from '../../src/deps.js';
import type { DefenderStatus, DoctorReport, GoEnv } from '../../src/doctor/types.js';
import { POWERSHELL_INPUT_VAR, POWERSHELL_RESULT_MARKER } from '../../src/platform/powershell.js';
import type { ProcessOptions, ProcessResult, ProcessRunner } from '../../src/platform/process.js';
import { memoryState } from '../../src/platform/state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(here, '..', 'fixtures', 'defender');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export interface Call {
  file: string;
  args: readonly string[];
  options: ProcessOptions | undefined;
  /** The JSON the script was given through GO_AV_GUARD_INPUT, parsed. */
  input: unknown;
}

/** stdout shaped like a real runPowerShell start: host noise, then the marker line with compressed JSON. */
export function powerShellStdout(value: unknown): string {
  return `WARNING: some host output\r\n${POWERSHELL_RESULT_MARKER}${JSON.stringify(value)}\r\n`;
}

export type Reply = ProcessResult | ((call: Call) => ProcessResult);

/** A ProcessRunner that records every start and answers each with the next reply. */
export function recordingRunner(...replies: Reply[]): ProcessRunner & { calls: Call[] } {
  const calls: Call[] = [];
  const run = (async (file: string, args: readonly string[], options?: ProcessOptions) => {
    const raw = options?.env?.[POWERSHELL_INPUT_VAR];
    const call: Call = { file, args, options, input: raw === undefined ? undefined : JSON.parse(raw) };
    calls.push(call);
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected process start: ${file} ${args.join(' ')}`);
    return typeof reply === 'function' ? reply(call) : reply;
  }) as ProcessRunner & { calls: Call[] };
  run.calls = calls;
  return run;
}

export function psReply(value: unknown): ProcessResult {
  return { exitCode: 0, stdout: powerShellStdout(value), stderr: '', durationMs: 5 };
}

export function psReplyFromFixture(name: string): ProcessResult {
  return psReply(JSON.parse(fixture(name)));
}

export function windowsDeps(
  run: ProcessRunner,
  overrides: Partial<Deps> = {},
): Deps & { state: ReturnType<typeof memoryState> } {
  return {
    run,
    platform: 'win32',
    arch: 'x64',
    env: { RUNNER_TEMP: 'D:\\a\\_temp' },
    state: memoryState(),
    setSecret: () => undefined,
    now: () => new Date('2025-03-01T12:00:00Z'),
    ...overrides,
  } as Deps & { state: ReturnType<typeof memoryState> };
}

/** `go env` on a windows-latest runner with setup-go. */
export const RUNNER_GO: GoEnv = {
  version: 'go1.24.1',
  goroot: 'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64',
  gopath: 'C:\\Users\\runneradmin\\go',
  gocache: 'C:\\Users\\runneradmin\\AppData\\Local\\go-build',
  gomodcache: 'C:\\Users\\runneradmin\\go\\pkg\\mod',
  gotmpdir: '',
  goos: 'windows',
  goarch: 'amd64',
  gohostos: 'windows',
  gohostarch: 'amd64',
  executable: 'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe',
};

export const CTX = { workspace: 'D:\\a\\repo\\repo', goTmpDir: 'D:\\a\\_temp\\go-av-guard\\gotmp' };

/** A self-hosted machine: real-time protection on, no exclusions, elevated. */
export function defenderOn(overrides: Partial<DefenderStatus> = {}): DefenderStatus {
  return {
    available: true,
    amServiceEnabled: true,
    antivirusEnabled: true,
    realTimeProtectionEnabled: true,
    isTamperProtected: false,
    amRunningMode: 'Normal',
    engineVersion: '1.1.24090.11',
    signatureVersion: '1.421.1140.0',
    cloudProtection: true,
    exclusions: { paths: [], processes: [], extensions: [], hidden: false },
    ...overrides,
  };
}

export function doctorWith(
  defender: DefenderStatus | undefined,
  overrides: Partial<DoctorReport> = {},
): DoctorReport {
  return {
    platform: 'win32',
    arch: 'x64',
    osRelease: '10.0.20348',
    hostedRunner: false,
    elevated: true,
    go: { found: true, env: RUNNER_GO },
    signingTool: { name: 'signtool', found: false, reason: 'not needed here' },
    ...(defender ? { defender } : {}),
    advice: [],
    ...overrides,
  };
}
