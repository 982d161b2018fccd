import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { runDoctor } from './doctor/index.js';
import { newReport, type Report } from './report/model.js';
import { VERSION } from './version.js';

export const CAPABILITIES = [
  'doctor',
  'exclusions',
  'smoke',
  'sign',
  'analyze',
  'detections',
  'scan',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Runs a named phase; the action wraps it in a collapsible log group, the CLI just runs it. */
export type Phase = <T>(name: string, work: () => Promise<T>) => Promise<T>;
export const plainPhase: Phase = (_name, work) => work();

export interface RunOptions {
  capabilities: ReadonlySet<Capability>;
  phase?: Phase;
  reportPhase?: Report['phase'];
}

/**
 * The one pipeline behind the action and the CLI: inputs have become a Config, each capability returns
 * plain data into the report, and the caller renders it.
 */
export async function runPipeline(config: Config, deps: Deps, options: RunOptions): Promise<Report> {
  const phase = options.phase ?? plainPhase;
  const report = newReport(options.reportPhase ?? 'cli', config.workspace, VERSION, deps.now());
  const wants = (c: Capability): boolean => options.capabilities.has(c);

  // Doctor always runs: every other capability reads its facts (Go folders, Defender state, tools).
  const doctor = await phase('Doctor: Go, signing tool, Defender', () =>
    runDoctor(
      { go: config.go, ...(config.sign.signtoolPath ? { signtoolPath: config.sign.signtoolPath } : {}) },
      { run: deps.run, platform: deps.platform, arch: deps.arch, env: deps.env, now: deps.now() },
    ),
  );
  if (wants('doctor') || options.capabilities.size > 1) report.doctor = doctor;

  report.finishedAt = deps.now().toISOString();
  return report;
}
