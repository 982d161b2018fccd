import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SmokeConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { Detection } from '../defender/types.js';
import type { GoProbe } from '../doctor/types.js';
import { exists, removeQuietly } from '../platform/files.js';
import type { ProcessResult } from '../platform/process.js';
import { classifyFailure } from './classify.js';
import { MARKER_ENV, writeSmokeModule } from './module.js';
import type { SmokeReport, SmokeVariantResult } from './types.js';
import { planVariant, type VariantPlan } from './variants.js';

export { classifyFailure, type FailureInput } from './classify.js';
export type { Diagnosis, SmokeReport, SmokeVariantResult, Verdict } from './types.js';

const BUILD_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 60_000;
const OUTPUT_LINES = 20;

export interface SmokeContext {
  /** This run's scratch folder; the module goes into a fresh folder under it. */
  tempDir: string;
  /** Defender detections since the step started; those touching the smoke files are cited. */
  detections?: Detection[];
  /** Called between a successful build and the run: a test seam (delete the binary to act as AV would). */
  afterBuild?: (variant: VariantPlan['variant'], binary: string) => Promise<void> | void;
}

/**
 * Builds and runs a tiny Go program in each requested variant, recording times, exit codes, whether the
 * expected output appeared and whether the built file survived the build, with a diagnosis per failure.
 */
export async function runSmoke(
  config: SmokeConfig,
  go: GoProbe,
  ctx: SmokeContext,
  deps: Deps,
): Promise<SmokeReport> {
  if (!config.enabled) return skippedReport(config, 'smoke is turned off (smoke: false)');
  if (!go.found) return skippedReport(config, `Go is not available: ${go.reason}`);
  if (config.variants.length === 0)
    return { result: 'skipped', reason: 'no smoke variants were requested', variants: [] };

  await mkdirp(ctx.tempDir);
  const workDir = await mkdtemp(path.join(ctx.tempDir, 'smoke-'));
  const moduleDir = path.join(workDir, 'module');
  await writeSmokeModule(moduleDir);
  // The test binary goes where `go test` itself would put it: GOTMPDIR, else the OS temp folder.
  const goTempRoot = go.env.gotmpdir || osTempDir(deps);
  await mkdirp(goTempRoot);
  const goTempDir = await mkdtemp(path.join(goTempRoot, 'go-av-guard-smoke-'));
  const goCommand = go.env.executable || 'go';
  // Native builds whatever GOOS/GOARCH the job exported; GOFLAGS/GOWORK from the job must not break a
  // module with no dependencies.
  const baseEnv: Record<string, string> = { GOFLAGS: '-mod=mod', GOWORK: 'off' };
  if (go.env.gohostos) baseEnv.GOOS = go.env.gohostos;
  if (go.env.gohostarch) baseEnv.GOARCH = go.env.gohostarch;

  const variants: SmokeVariantResult[] = [];
  try {
    for (const variant of config.variants) {
      const choice = planVariant(variant, { platform: deps.platform, moduleDir, goTempDir });
      if ('skip' in choice) {
        variants.push({ variant, status: 'skipped', skipReason: choice.skip, outputSeen: false });
        continue;
      }
      variants.push(
        await runVariant(choice.plan, { goCommand, baseEnv, moduleDir, goTempDir, goEnv: go.env }, ctx, deps),
      );
    }
  } finally {
    await removeQuietly(goTempDir);
  }
  const ran = variants.filter((v) => v.status !== 'skipped');
  const result = ran.length === 0 ? 'skipped' : ran.some((v) => v.status === 'failed') ? 'failed' : 'passed';
  return {
    result,
    ...(result === 'skipped' ? { reason: 'every requested variant was skipped' } : {}),
    workDir,
    variants,
  };
}

interface RunContext {
  goCommand: string;
  baseEnv: Record<string, string>;
  moduleDir: string;
  goTempDir: string;
  goEnv: Extract<GoProbe, { found: true }>['env'];
}

async function runVariant(
  plan: VariantPlan,
  rc: RunContext,
  ctx: SmokeContext,
  deps: Deps,
): Promise<SmokeVariantResult> {
  const markerEnv = plan.marker ? { [MARKER_ENV]: plan.marker } : {};
  const build = await deps.run(rc.goCommand, plan.build, {
    cwd: rc.moduleDir,
    env: { ...rc.baseEnv, ...plan.buildEnv },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  const result: SmokeVariantResult = { variant: plan.variant, status: 'failed', outputSeen: false };
  if (plan.binary) result.binary = plan.binary;

  if (!plan.run || !plan.binary) {
    // `go run`: one step; its time is the run time, and its output is the program's output.
    result.runMs = build.durationMs;
    result.exitCode = build.exitCode;
    result.outputSeen = build.stdout.includes(plan.expected);
    return finish(result, build, undefined, false, rc, ctx);
  }

  result.buildMs = build.durationMs;
  result.exitCode = build.exitCode;
  if (build.exitCode !== 0) return finish(result, build, undefined, false, rc, ctx);
  result.existedAfterBuild = await exists(plan.binary);
  await ctx.afterBuild?.(plan.variant, plan.binary);
  if (!result.existedAfterBuild) return finish(result, build, undefined, true, rc, ctx);

  const [file, ...args] = plan.run as [string, ...string[]];
  const run = await deps.run(file, args, { cwd: rc.moduleDir, env: markerEnv, timeoutMs: RUN_TIMEOUT_MS });
  result.runMs = run.durationMs;
  result.exitCode = run.exitCode;
  result.outputSeen = plan.marker
    ? await markerHolds(plan.marker, plan.expected)
    : run.stdout.includes(plan.expected);
  // A run that failed on a file that is no longer there: removed between build and run.
  const vanished = (run.exitCode !== 0 || run.spawnError !== undefined) && !(await exists(plan.binary));
  return finish(result, build, run, vanished, rc, ctx);
}

async function finish(
  result: SmokeVariantResult,
  build: ProcessResult,
  run: ProcessResult | undefined,
  vanished: boolean,
  rc: RunContext,
  ctx: SmokeContext,
): Promise<SmokeVariantResult> {
  const output = [describe('build', build), run ? describe('run', run) : ''].filter(Boolean).join('\n');
  const ok = build.exitCode === 0 && !vanished && (!run || run.exitCode === 0) && result.outputSeen;
  result.status = ok ? 'passed' : 'failed';
  result.output = lastLines(output);
  if (!ok) {
    const last = run ?? build;
    result.diagnosis = classifyFailure({
      exitCode: last.exitCode,
      output,
      vanishedAfterBuild: vanished,
      ...(last.spawnCode ? { spawnCode: last.spawnCode } : {}),
      ...(last.spawnErrno !== undefined ? { spawnErrno: last.spawnErrno } : {}),
      ...(run?.spawnError && result.binary ? { fileExists: await exists(result.binary) } : {}),
      detections: relevantDetections(ctx.detections ?? [], [
        rc.moduleDir,
        rc.goTempDir,
        rc.goEnv.gocache,
        rc.goEnv.gotmpdir,
        rc.goEnv.goroot,
      ]),
    });
    if (!result.diagnosis.evidence && last.exitCode === 0 && !result.outputSeen) {
      result.diagnosis.evidence = 'the program exited 0 but its expected output did not appear';
    }
  }
  return result;
}

function describe(step: string, r: ProcessResult): string {
  const parts = [r.stdout.trim(), r.stderr.trim()].filter(Boolean);
  if (r.spawnError) parts.push(`could not start: ${r.spawnError}`);
  if (r.timedOut) parts.push('stopped: it did not finish in time');
  return parts.length ? `[${step}] ${parts.join('\n')}` : '';
}

function lastLines(text: string): string {
  const lines = text.split(/\r?\n/);
  return lines.slice(-OUTPUT_LINES).join('\n').slice(-4000);
}

async function markerHolds(marker: string, expected: string): Promise<boolean> {
  try {
    return (await readFile(marker, 'utf8')).includes(expected);
  } catch {
    return false;
  }
}

/** Detections whose files are under one of the smoke's folders (case-insensitive, either slash). */
function relevantDetections(detections: Detection[], folders: string[]): Detection[] {
  const norm = (p: string): string => p.replace(/\\/g, '/').replace(/\/+$/, '').toLowerCase();
  const roots = folders.filter(Boolean).map(norm);
  return detections.filter((d) =>
    d.resources.some((r) =>
      roots.some((root) => norm(r.path) === root || norm(r.path).startsWith(`${root}/`)),
    ),
  );
}

function osTempDir(deps: Deps): string {
  if (deps.platform === 'win32') return deps.env.TEMP || deps.env.TMP || tmpdir();
  return deps.env.TMPDIR || tmpdir();
}

async function mkdirp(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

function skippedReport(config: SmokeConfig, reason: string): SmokeReport {
  return {
    result: 'skipped',
    reason,
    variants: config.variants.map((variant) => ({
      variant,
      status: 'skipped',
      skipReason: reason,
      outputSeen: false,
    })),
  };
}

/**
 * Detections are read once, after every capability ran; a failed variant is diagnosed again with those
 * that touch its own files, so "possibly AV" becomes certain and names the threat.
 */
export function citeDetections(report: SmokeReport, detections: Detection[]): SmokeReport {
  if (detections.length === 0 || report.result !== 'failed') return report;
  const variants = report.variants.map((v) => {
    if (v.status !== 'failed') return v;
    const folders = [report.workDir ?? '', v.binary ?? ''];
    const touching = relevantDetections(detections, folders);
    if (touching.length === 0) return v;
    // The start failure's errno survives in the output text ("could not start: spawn ... UNKNOWN").
    const spawnCode = /could not start: spawn\b.*?\b(UNKNOWN|EACCES|EPERM)\b/.exec(v.output ?? '')?.[1];
    const diagnosis = classifyFailure({
      exitCode: v.exitCode ?? null,
      output: v.output ?? '',
      vanishedAfterBuild: v.existedAfterBuild === false,
      detections: touching,
      ...(spawnCode ? { spawnCode, fileExists: v.existedAfterBuild !== false } : {}),
    });
    return { ...v, diagnosis };
  });
  return { ...report, variants };
}

// Exported for tests that want the same cleanup as the action's post step.
export async function removeSmokeWorkDir(report: SmokeReport): Promise<void> {
  if (report.workDir) await rm(report.workDir, { recursive: true, force: true });
}
