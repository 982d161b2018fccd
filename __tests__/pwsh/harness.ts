import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type { ExclusionsConfig } from '../../src/config.js';
import { windowsPowerShellPath } from '../../src/platform/powershell.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { resolveProgram } from '../../src/platform/which.js';

/**
 * Runs go-av-guard's real PowerShell scripts under PowerShell 7 on this machine: the runner hands the exact
 * argv and stdin the product sends for `%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe` to
 * pwsh, through a wrapper that first loads the stand-in commands (standins.ps1) and, in `clm` mode, sets
 * `$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'`. The product's own text follows
 * unchanged on the same stdin.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** PowerShell 7: $PWSH, else the dotnet global tool (.ci/run installs it), else pwsh on PATH (CI images). */
export const PWSH =
  process.env.PWSH ??
  [path.join(homedir(), '.dotnet', 'tools', 'pwsh')].find((p) => existsSync(p)) ??
  resolveProgram('pwsh', { env: process.env, platform: process.platform }) ??
  path.join(homedir(), '.dotnet', 'tools', 'pwsh');
export const hasPwsh = (): boolean => existsSync(PWSH);

/** Tests that run PowerShell: skipped locally without pwsh, failing in CI (CI=true) where it must exist. */
export function describePwsh(name: string, body: () => void): void {
  const run = hasPwsh() || process.env.CI === 'true';
  (run ? describe : describe.skip)(hasPwsh() ? name : `${name} (missing: ${PWSH})`, body);
}

/** Exclusions as the action's defaults set them (auto, no extras, restore). */
export const EXCLUSIONS: ExclusionsConfig = {
  mode: 'auto',
  extraPaths: [],
  extraProcesses: [],
  dryRun: false,
  restore: true,
};

export type LanguageMode = 'FullLanguage' | 'ConstrainedLanguage';
export const LANGUAGE_MODES: LanguageMode[] = ['FullLanguage', 'ConstrainedLanguage'];

export interface StandInState {
  elevated: boolean;
  tamper: boolean;
  status: Record<string, unknown>;
  preference: {
    ExclusionPath: string[];
    ExclusionProcess: string[];
    ExclusionExtension: string[];
    HideExclusionsFromLocalAdmins: boolean;
    DisableRealtimeMonitoring: boolean;
    MAPSReporting: number;
  };
  detections: Array<Record<string, unknown>>;
  threats: Array<Record<string, unknown>>;
  events: Array<{ log: string; id: number; time: string; xml: string }>;
  failures: Record<string, { message: string; hresult: number }>;
  mpcmdrunBroken?: boolean;
  calls: Array<{ name: string; parameters: Record<string, unknown> }>;
}

export function defaultState(): StandInState {
  return {
    elevated: true,
    tamper: false,
    status: {
      AMServiceEnabled: true,
      AntivirusEnabled: true,
      RealTimeProtectionEnabled: true,
      BehaviorMonitorEnabled: true,
      IoavProtectionEnabled: true,
      IsTamperProtected: false,
      AMRunningMode: 'Normal',
      AMProductVersion: '4.18.25110.6',
      AMEngineVersion: '1.1.25110.1',
      AntivirusSignatureVersion: '1.441.12.0',
      AntivirusSignatureLastUpdated: '2026-06-01T03:12:44Z',
    },
    preference: {
      ExclusionPath: [],
      ExclusionProcess: [],
      ExclusionExtension: [],
      HideExclusionsFromLocalAdmins: false,
      DisableRealtimeMonitoring: false,
      MAPSReporting: 2,
    },
    detections: [],
    threats: [],
    events: [],
    failures: {},
    calls: [],
  };
}

export interface Machine {
  dir: string;
  /** The product's ProcessRunner: PowerShell by its System32 path goes to pwsh; anything else runs as is. */
  run: ProcessRunner;
  /** Environment a capability sees (ProgramData, TEMP of this stand-in machine). */
  env: NodeJS.ProcessEnv;
  programData: string;
  /** PowerShell processes started so far. */
  starts: () => number;
  read: () => Promise<StandInState>;
  write: (state: StandInState) => Promise<void>;
  update: (change: (state: StandInState) => void) => Promise<void>;
  cleanup: () => Promise<void>;
}

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const psq = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A stand-in Windows machine in a temp folder: state, MpCmdRun, whoami and icacls, and the pwsh wrapper. */
export async function standInMachine(
  mode: LanguageMode,
  change: (state: StandInState) => void = () => undefined,
  options: { share?: string } = {},
): Promise<Machine> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pwsh-machine-'));
  const statePath = options.share ?? path.join(dir, 'state.json');
  const programData = path.join(dir, 'ProgramData');
  const systemRoot = path.join(dir, 'Windows');
  const platform = path.join(programData, 'Microsoft', 'Windows Defender', 'Platform', '4.18.25110.6-0');
  await mkdir(platform, { recursive: true });
  await mkdir(path.join(systemRoot, 'System32'), { recursive: true });
  await mkdir(path.join(dir, 'home'), { recursive: true });
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  const tools = [
    path.join(platform, 'MpCmdRun.exe'),
    path.join(systemRoot, 'System32', 'whoami.exe'),
    path.join(systemRoot, 'System32', 'icacls.exe'),
  ];
  for (const tool of tools) {
    await copyFile(path.join(here, 'mpcmdrun.py'), tool);
    await chmod(tool, 0o755);
    await writeFile(`${tool}.state`, statePath);
  }
  if (!options.share) {
    const state = defaultState();
    change(state);
    await writeFile(statePath, JSON.stringify(state));
  }
  const prelude = [
    `. ${psq(path.join(here, 'standins.ps1'))}`,
    `$global:GoAvGuardStandInState = ${psq(statePath)}`,
    ...(mode === 'ConstrainedLanguage'
      ? ["$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'"]
      : []),
  ];
  const wrapper = path.join(dir, 'powershell.sh');
  await writeFile(
    wrapper,
    [
      '#!/bin/sh',
      `export HOME=${q(path.join(dir, 'home'))} TERM=dumb NO_COLOR=1 POWERSHELL_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1`,
      `export SystemRoot=${q(systemRoot)} ProgramData=${q(programData)} ProgramFiles=${q(path.join(dir, 'Program Files'))}`,
      `{ printf '%s\\n\\n' ${prelude.map(q).join(' ')}; cat; } | ${q(PWSH)} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(wrapper, 0o755);

  let starts = 0;
  const powershell = windowsPowerShellPath();
  const run: ProcessRunner = (file, args, opts) => {
    if (file === powershell) {
      starts++;
      return runProcess(wrapper, args, opts);
    }
    if (/powershell|pwsh/i.test(file)) throw new Error(`PowerShell started by another path: ${file}`);
    return runProcess(file, args, opts);
  };
  const read = async (): Promise<StandInState> =>
    JSON.parse((await readFile(statePath, 'utf8')).replace(/^\uFEFF/, '')) as StandInState;
  const write = (state: StandInState): Promise<void> => writeFile(statePath, JSON.stringify(state));
  return {
    dir,
    run,
    env: { ProgramData: programData, TEMP: path.join(dir, 'tmp'), RUNNER_TEMP: path.join(dir, 'tmp') },
    programData,
    starts: () => starts,
    read,
    write,
    update: async (fn) => {
      const state = await read();
      fn(state);
      await write(state);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
