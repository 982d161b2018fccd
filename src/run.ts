import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAllowlist } from './allowlist/index.js';
import { checkInputsOnDisk, type Config } from './config.js';
import { folderExcludedAfter, guardExclusions } from './defender/apply.js';
import type { RelevanceContext } from './defender/detections.js';
import { scanArtifacts } from './defender/scan.js';
import { writeFleetPolicy } from './defender/fleet.js';
import { wantedExclusions } from './defender/plan.js';
import { restoreExclusions } from './defender/restore.js';
import type { ExclusionsReport } from './defender/types.js';
import type { Deps } from './deps.js';
import { runDoctor } from './doctor/index.js';
import type { DoctorReport } from './doctor/types.js';
import { decideFailures } from './outcome.js';
import { readJsonState, writeJsonState } from './platform/state.js';
import { STATE } from './constants.js';
import { analyzeFiles } from './pe/index.js';
import { isPeReport } from './pe/types.js';
import { newReport, type Report } from './report/model.js';
import { info, warning } from './report/note.js';
import { expandPatterns } from './platform/glob.js';
import { cleanupSigning } from './sign/cleanup.js';
import { signFiles } from './sign/index.js';
import { stampFiles } from './stamp/index.js';
import { sharePowerShell } from './platform/powershell.js';
import { citeDetections, runSmoke } from './smoke/index.js';
import { maskConfigSecrets } from './runscope.js';
import { VERSION } from './version.js';

// The detections reader (with an XML parser, ~230 KB) loads only when a run reads detections: a run that
// only signs starts faster without it.
const loadDetections = (): Promise<typeof import('./defender/detections.js')> =>
  import('./defender/detections.js');

export const CAPABILITIES = [
  'doctor',
  'exclusions',
  'smoke',
  'stamp',
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
  /** Start of the detection window; default: when the main step started (state), else now. */
  since?: Date;
  /** `doctor --fleet-policy DIR`: write the wanted exclusions as Group Policy and Intune files there. */
  fleetPolicyDir?: string;
  /** The run folder (config.tempDir) is removed when the run ends, as a CLI command's is. */
  tempDirRemoved?: boolean;
}

/** Where allowlisting files go; the CLI writes them only when asked, the action always does. */
export function allowlistDirFor(config: Config, report: Pick<Report, 'phase'>): string | undefined {
  return (
    config.analyze.allowlistDir ??
    (report.phase === 'main' ? path.join(config.tempDir, 'allowlist') : undefined)
  );
}

/** The Go build temp dir this run points later steps at (and excludes), under the runner's temp. */
export function goTmpDirFor(config: Config): string {
  return path.join(config.tempDir, 'go-tmp');
}

/**
 * The one pipeline behind the action and the CLI: inputs have become a Config, each capability returns
 * plain data into the report, and the caller renders it.
 */
export async function runPipeline(config: Config, deps: Deps, options: RunOptions): Promise<Report> {
  const phase = options.phase ?? plainPhase;
  await checkInputsOnDisk(config, {
    sign: options.capabilities.has('sign'),
    analyze: options.capabilities.has('analyze'),
  });
  const report = newReport(options.reportPhase ?? 'cli', config.workspace, VERSION, deps.now());
  const wants = (c: Capability): boolean => options.capabilities.has(c);
  // Doctor, exclusions, detections and the scan share one PowerShell start; signing keeps its own (its
  // data holds the certificate password, which never goes into a file).
  const powershell = sharePowerShell(deps.run, { tempDir: config.tempDir });
  try {
    return await pipeline(config, deps, { ...deps, run: powershell.run }, options, report, wants, phase);
  } finally {
    await powershell.close();
  }
}

async function pipeline(
  config: Config,
  deps: Deps,
  defenderDeps: Deps,
  options: RunOptions,
  report: Report,
  wants: (c: Capability) => boolean,
  phase: Phase,
): Promise<Report> {
  // Exclusions, smoke, detections and the scan read doctor's facts (Go folders, Defender state);
  // signing and analysis do not, so `go-av-guard sign` starts no process it does not need.
  const needsDoctor = (['doctor', 'exclusions', 'smoke', 'detections', 'scan'] as const).some(wants);
  const doctor = needsDoctor
    ? await phase('Doctor: Go, signing tool, Defender', () =>
        runDoctor(
          { go: config.go, ...(config.sign.signtoolPath ? { signtoolPath: config.sign.signtoolPath } : {}) },
          { run: defenderDeps.run, platform: deps.platform, arch: deps.arch, env: deps.env, now: deps.now() },
        ),
      )
    : undefined;
  if (doctor) report.doctor = doctor;
  if (doctor && options.fleetPolicyDir) {
    const wanted = wantedExclusions(doctor.go.found ? doctor.go.env : undefined, config.exclusions, {
      workspace: config.workspace,
      goTmpDir: goTmpDirFor(config),
    });
    report.fleetPolicy = await writeFleetPolicy(options.fleetPolicyDir, wanted);
  }

  if (wants('exclusions') && doctor) {
    report.exclusions = await phase('Defender exclusions', () => exclusions(config, doctor, defenderDeps));
  }
  if (wants('smoke') && config.smoke.enabled && doctor) {
    report.smoke = await phase('Smoke builds', () =>
      runSmoke(config.smoke, doctor.go, { tempDir: config.tempDir }, deps),
    );
  }
  if (wants('stamp') && config.stamp.mode !== 'false') {
    const stamping = await phase('Stamp version resource and manifest', () => stamp(config, wants('sign')));
    if (stamping) report.stamping = stamping;
  }
  if (wants('sign') && config.sign.patterns.length > 0) {
    report.signing = await phase('Signing', () =>
      signFiles(
        config.sign,
        {
          workspace: config.workspace,
          tempDir: config.tempDir,
          ...(options.tempDirRemoved ? { tempDirKept: false } : {}),
        },
        deps,
      ),
    );
  }
  if (wants('analyze')) {
    const analysis = await phase('PE risk report and allowlisting files', () => analyze(config, report));
    if (analysis) report.analysis = analysis;
  }

  const relevance = relevanceContext(config, report, deps);
  // The post step reads detections again for the whole job, judged by the same facts.
  writeJsonState(deps.state, STATE.relevance, relevance);
  if (wants('detections') && config.detections.enabled) {
    const { collectDetections, detectionWindowStart } = await loadDetections();
    const since = options.since ?? detectionWindowStart(deps, new Date(report.startedAt));
    const detections = await phase('Defender detections', () =>
      collectDetections(report.phase, since, relevance, defenderDeps),
    );
    report.detections = detections;
    if (report.smoke) report.smoke = citeDetections(report.smoke, detections.relevant);
  }
  const artifacts = filesOfThisRun(report);
  if (
    wants('scan') &&
    doctor &&
    config.detections.scan !== 'false' &&
    (artifacts.length > 0 || config.detections.scan === 'true')
  ) {
    report.scan = await phase('Defender scan of built files', () =>
      scanArtifacts(artifacts, config.detections.scan, doctor, { tempDir: config.tempDir }, defenderDeps),
    );
  }

  report.failures = decideFailures(report, config);
  report.finishedAt = deps.now().toISOString();
  return maskConfigSecrets(report, config);
}

/** The files signing left signed (newly or already): what analysis looks at by default. */
function signedPaths(report: Report): string[] {
  return report.signing?.files.filter((f) => f.status !== 'failed').map((f) => f.path) ?? [];
}

/** The files this run signed or analysed: detections on them are relevant, and they are what gets scanned. */
function filesOfThisRun(report: Report): string[] {
  const signed = signedPaths(report);
  const analysed = report.analysis?.files.filter(isPeReport).map((f) => f.path) ?? [];
  return [...new Set([...signed, ...analysed])];
}

function relevanceContext(config: Config, report: Report, deps: Deps): RelevanceContext {
  const smokeBinaries = report.smoke?.variants.flatMap((v) => (v.binary ? [v.binary] : [])) ?? [];
  return {
    ...(report.doctor?.go.found ? { go: report.doctor.go.env } : {}),
    workspace: config.workspace,
    ...(deps.env.RUNNER_TEMP ? { runnerTemp: deps.env.RUNNER_TEMP } : {}),
    goTmpDir: report.exclusions?.gotmpdir ?? goTmpDirFor(config),
    files: [...filesOfThisRun(report), ...smokeBinaries],
  };
}

/** The main step's relevance facts, read as untrusted data: only the expected shapes are used. */
function savedRelevance(deps: Deps, workspace: string): RelevanceContext {
  const raw = readJsonState<unknown>(deps.state, STATE.relevance, undefined);
  const saved = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const text = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const files = Array.isArray(saved.files) ? saved.files.filter(text) : [];
  const go = saved.go && typeof saved.go === 'object' && !Array.isArray(saved.go) ? saved.go : undefined;
  return {
    workspace: text(saved.workspace) ? saved.workspace : workspace,
    files,
    ...(go ? { go: go as NonNullable<RelevanceContext['go']> } : {}),
    ...(text(saved.runnerTemp) ? { runnerTemp: saved.runnerTemp } : {}),
    ...(text(saved.goTmpDir) ? { goTmpDir: saved.goTmpDir } : {}),
  };
}

async function exclusions(config: Config, doctor: DoctorReport, deps: Deps): Promise<ExclusionsReport> {
  const goTmpDir = goTmpDirFor(config);
  const result = await guardExclusions(
    config.exclusions,
    doctor,
    { workspace: config.workspace, goTmpDir },
    deps,
  );
  // Point later steps' GOTMPDIR at the dedicated folder only when an exclusion really covers it.
  const redirect =
    result.gotmpdir && !result.skipped && !result.dryRun && folderExcludedAfter(result, goTmpDir);
  if (redirect) await mkdir(goTmpDir, { recursive: true });
  else delete result.gotmpdir;
  return result;
}

/**
 * Stamps the files this run signs (it signs them again right after), or without `sign` the files it
 * analyses. A signed file loses its signature to stamping, so it is stamped only when signing will
 * replace that signature (skip-signed: false, no append-signature); otherwise it is left alone when
 * signing keeps signed files, and refused when nothing signs it.
 */
async function stamp(config: Config, signing: boolean): Promise<Report['stamping']> {
  const signs = signing && config.sign.patterns.length > 0;
  const files = signs
    ? await expandPatterns(config.sign.patterns, config.workspace)
    : (await resolveAnalyzeArgs(config)).paths;
  if (files.length === 0) return undefined;
  const replacesSignatures = signs && !config.sign.skipSigned && !config.sign.appendSignature;
  return stampFiles(files, config.stamp, {
    willSign: new Set(replacesSignatures ? files : []),
    keepSigned: signs && !replacesSignatures,
  });
}

/**
 * A plain path is analysed as given, so a missing file or a folder gets its own clear error; a glob is
 * expanded, and one that matches nothing is reported rather than silently passing.
 */
async function resolveAnalyzeArgs(config: Config): Promise<{ paths: string[]; unmatched: string[] }> {
  const isGlob = (p: string): boolean => /[*?[\]{}]/.test(p) || p.startsWith('!');
  const literal = config.analyze.patterns
    .filter((p) => !isGlob(p))
    .map((p) => path.resolve(config.workspace, p));
  const globs = config.analyze.patterns.filter(isGlob);
  const matched = globs.length > 0 ? await expandPatterns(globs, config.workspace) : [];
  const unmatched = globs.length > 0 && matched.length === 0 ? [globs.join(', ')] : [];
  return { paths: [...new Set([...literal, ...matched])], unmatched };
}

/** Analyses the `analyze` globs, or by default the files this run signed; then writes the allowlisting files. */
async function analyze(config: Config, report: Report): Promise<Report['analysis']> {
  const signed = signedPaths(report);
  const { paths, unmatched } =
    config.analyze.patterns.length > 0 ? await resolveAnalyzeArgs(config) : { paths: signed, unmatched: [] };
  if (paths.length === 0 && unmatched.length === 0) return undefined;
  const context = report.signing ? { signing: report.signing } : {};
  const files = [
    ...(await analyzeFiles(paths, context)),
    ...unmatched.map((p) => ({ path: p, error: 'no files matched this pattern' })),
  ];
  const readable = files.filter(isPeReport);
  const dir = allowlistDirFor(config, report);
  if (readable.length === 0 || !dir) return { files };
  return { files, allowlist: await writeAllowlist(readable, { dir, ...context }) };
}

/**
 * The post step's work: remove exactly the exclusions this run added, remove signing secrets, and say
 * what was put back. Problems are warning notes, never failures. `config` is undefined when the inputs
 * could not be read; cleanup then runs with its defaults.
 */
export async function runPostSteps(
  config: Config | undefined,
  deps: Deps,
  phase: Phase = plainPhase,
): Promise<Report> {
  const workspace = config?.workspace ?? deps.env.GITHUB_WORKSPACE ?? process.cwd();
  const report = newReport('post', workspace, VERSION, deps.now());
  // Restore, certificate removal and detections share one PowerShell start.
  const powershell = sharePowerShell(deps.run, config ? { tempDir: config.tempDir } : {});
  try {
    await postSteps(config, { ...deps, run: powershell.run }, phase, report, workspace);
  } finally {
    await powershell.close();
  }
  if (config) report.failures = decideFailures(report, config);
  report.finishedAt = deps.now().toISOString();
  return report;
}

async function postSteps(
  config: Config | undefined,
  deps: Deps,
  phase: Phase,
  report: Report,
  workspace: string,
): Promise<void> {
  if (config?.exclusions.restore === false) {
    report.notes.push(info('restore: false, so the exclusions this run added stay in place.'));
  } else {
    const restore = await phase('Restore Defender exclusions', () => restoreExclusions(deps));
    if (restore.removed.length > 0 || restore.failed.length > 0 || (restore.kept ?? []).length > 0) {
      report.exclusions = {
        mode: config?.exclusions.mode ?? 'auto',
        dryRun: false,
        planned: [],
        added: [],
        notApplied: [],
        notes: [],
        restore,
      };
    }
    for (const failed of restore.failed)
      report.notes.push(warning(`Exclusion ${failed.value} was not removed: ${failed.reason}`));
    for (const kept of restore.kept ?? [])
      report.notes.push(info(`Exclusion ${kept.value} stays: ${kept.reason}.`));
  }
  report.notes.push(
    ...(await phase('Remove signing secrets', () => cleanupSigning(deps, { savedState: true }))),
  );
  if (config?.detections.enabled !== false && deps.platform === 'win32') {
    const relevance = savedRelevance(deps, workspace);
    const { collectDetections, detectionWindowStart } = await loadDetections();
    const since = detectionWindowStart(deps, new Date(report.startedAt));
    report.detections = await phase('Defender detections of the whole job', () =>
      collectDetections('post', since, relevance, deps),
    );
  }
}
