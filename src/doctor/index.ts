import { release } from 'node:os';
import { probeDefender } from '../defender/status.js';
import type { ProcessRunner } from '../platform/process.js';
import { locateSigningTool } from '../sign/locate.js';
import { adviseOnDoctor } from './advice.js';
import { probeGo } from './goenv.js';
import type { DoctorReport } from './types.js';

export interface DoctorDeps {
  run: ProcessRunner;
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  now?: Date;
  kitsRoots?: string[];
}

export interface DoctorOptions {
  go: string;
  signtoolPath?: string;
}

/** Reports what this machine is: Go, the signing tool and, on Windows, Defender and elevation. */
export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorReport> {
  const windows = deps.platform === 'win32';
  const [go, signingTool, defenderProbe] = await Promise.all([
    probeGo(deps.run, options.go, { env: deps.env, platform: deps.platform }),
    locateSigningTool({
      platform: deps.platform,
      arch: deps.arch,
      env: deps.env,
      ...(options.signtoolPath ? { signtoolPath: options.signtoolPath } : {}),
      ...(deps.kitsRoots ? { kitsRoots: deps.kitsRoots } : {}),
    }),
    windows ? probeDefender(deps.run) : Promise.resolve(undefined),
  ]);
  const facts: Omit<DoctorReport, 'advice'> = {
    platform: deps.platform,
    arch: deps.arch,
    osRelease: release(),
    hostedRunner: deps.env.RUNNER_ENVIRONMENT === 'github-hosted',
    go,
    signingTool,
    ...(defenderProbe
      ? {
          defender: defenderProbe.defender,
          ...(defenderProbe.elevated !== undefined ? { elevated: defenderProbe.elevated } : {}),
        }
      : {}),
  };
  return { ...facts, advice: adviseOnDoctor(facts, deps.now) };
}
