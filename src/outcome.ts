import type { Config } from './config.js';
import type { Report } from './report/model.js';
import { isPeReport } from './pe/types.js';

/**
 * Why the step fails, if it does: one sentence per reason, decided from the report and the user's
 * fail-on settings. Pure, so every rule is tested without a runner.
 */
export function decideFailures(
  report: Report,
  config: Pick<Config, 'detections' | 'report'> & { smoke?: Pick<Config['smoke'], 'required'> },
): string[] {
  const failures: string[] = [];
  const ex = report.exclusions;
  if (ex?.failure) failures.push(`exclusions: ${ex.failure}`);

  const smoke = report.smoke;
  if (smoke?.result === 'failed') {
    const failed = smoke.variants.filter((v) => v.status === 'failed');
    const why = failed.map((v) => `${v.variant}${v.diagnosis ? ` (${v.diagnosis.summary})` : ''}`);
    failures.push(`smoke build failed: ${why.join(', ')}`);
  }

  const unstamped = report.stamping?.files.filter((f) => f.status === 'failed') ?? [];
  if (unstamped.length > 0)
    failures.push(`stamp: ${unstamped.length} file(s) could not be stamped and were left unchanged`);
  // Asked for (smoke: true, or the CLI's smoke) but impossible: not a pass.
  const requested = config.smoke?.required === true || report.phase === 'cli';
  if (requested && smoke?.result === 'skipped' && report.doctor?.go.found === false)
    failures.push(`smoke: requested but not run: ${smoke.reason ?? 'Go is not available'}`);

  const signing = report.signing;
  if (signing?.error) failures.push(`signing: ${signing.error}`);
  const unsigned = signing?.files.filter((f) => f.status === 'failed') ?? [];
  if (unsigned.length > 0)
    failures.push(`signing: ${unsigned.length} file(s) failed and were left unchanged`);

  const analysis = report.analysis;
  const unreadable = analysis?.files.filter((f) => !isPeReport(f)) ?? [];
  if (unreadable.length > 0)
    failures.push(`analyze: ${unreadable.length} file(s) could not be read as PE files`);
  const threshold = config.report.failOnFindings;
  if (analysis && threshold !== 'none') {
    const severities = threshold === 'error' ? ['error'] : ['error', 'warning'];
    const count = analysis.files
      .filter(isPeReport)
      .flatMap((f) => f.findings)
      .filter((f) => severities.includes(f.severity)).length;
    if (count > 0)
      failures.push(`analyze: ${count} finding(s) at ${threshold} or worse (fail-on-findings: ${threshold})`);
  }

  if (config.detections.failOnDetection) {
    const relevant = report.detections?.relevant.length ?? 0;
    if (relevant > 0)
      failures.push(`Defender: ${relevant} detection(s) touched this job's files (fail-on-detection: true)`);
    const flagged = report.scan?.files.filter((f) => f.status === 'detected').length ?? 0;
    if (report.scan?.failure) failures.push(`Defender scan: ${report.scan.failure}`);
    if (flagged > 0)
      failures.push(`Defender scan: ${flagged} built file(s) flagged (fail-on-detection: true)`);
  }
  return failures;
}

/**
 * The one line the step fails with. A failure whose text an annotation already carries (the signing error,
 * an exclusion failure) is not repeated: it is counted and pointed at. Aggregates ("2 file(s) failed") and
 * failures no annotation shows are written out, so each error is printed once.
 */
export function failureMessage(failures: readonly string[], annotated: readonly string[]): string {
  const shown = annotated.filter((m) => m.length > 0);
  const repeated = (failure: string): boolean => shown.some((m) => failure.includes(m));
  const fresh = failures.filter((f) => !repeated(f));
  const covered = failures.length - fresh.length;
  const pointer = covered > 0 ? [`${covered} more problem(s) are annotated above`] : [];
  return [...fresh, ...pointer].join('\n');
}
