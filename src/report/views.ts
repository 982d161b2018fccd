import type { Report } from './model.js';
import { allowlistView, analysisView, groupFindings } from './sections/analysis.js';
import { detectionsView, scanView } from './sections/detections.js';
import { doctorView } from './sections/doctor.js';
import { exclusionsView } from './sections/exclusions.js';
import { falsePositiveView } from './sections/falsepositive.js';
import { fleetPolicyView, stampingView } from './sections/stamping.js';
import { signingView } from './sections/signing.js';
import { smokeView } from './sections/smoke.js';
import { isPeReport } from '../pe/types.js';
import { count, type SectionView } from './view.js';

/** One view per capability that ran, in pipeline order. */
export function reportViews(report: Report): SectionView[] {
  const views: Array<SectionView | undefined> = [
    report.doctor && doctorView(report.doctor),
    report.fleetPolicy && fleetPolicyView(report.fleetPolicy, report.workspace),
    report.exclusions && exclusionsView(report.exclusions),
    report.smoke && smokeView(report.smoke),
    report.stamping && stampingView(report.stamping, report.workspace),
    report.signing && signingView(report.signing, report.workspace),
    report.analysis && analysisView(report.analysis, report.workspace),
    report.analysis && allowlistView(report.analysis, report.workspace),
    report.analysis && falsePositiveView(report.analysis, report.workspace),
    report.detections && detectionsView(report.detections),
    report.scan && scanView(report.scan, report.workspace),
  ];
  return views.filter((v): v is SectionView => v !== undefined);
}

/** The verdict line at the top of the summary and the CLI output. */
export function headline(report: Report): string {
  const phase = report.phase === 'post' ? ' (post step)' : '';
  if (report.failures.length > 0) {
    // The failures themselves are the first next steps: a heading holds no text a file or tool chose.
    return `go-av-guard${phase}: ${count(report.failures.length, 'problem')} to fix`;
  }
  const findings = (report.analysis?.files ?? []).flatMap((f) => ('findings' in f ? f.findings : [])).length;
  return findings > 0
    ? `go-av-guard${phase}: passed, with ${count(findings, 'finding')} to review`
    : `go-av-guard${phase}: all checks passed`;
}

/** At most this many next steps: the first few are the ones that matter. */
const NEXT_STEPS = 6;

/**
 * What to do next, most important first: each failure, then each kind of finding once (with how many
 * files it concerns), then the warnings of each section. Empty when there is nothing to do.
 */
export function nextSteps(report: Report, views: SectionView[] = reportViews(report)): string[] {
  const steps = report.failures.map((f) => `Fix: ${f}`);
  const reports = report.analysis?.files.filter(isPeReport) ?? [];
  for (const g of groupFindings(reports))
    steps.push(`${g.finding.title} (${count(g.files.length, 'file')}): ${g.finding.advice}`);
  // A note that repeats a failure is said once, as the failure.
  const failed = report.failures.join('\n');
  for (const view of views)
    for (const note of view.notes.filter((n) => n.level !== 'info' && !failed.includes(n.message)))
      steps.push(`${view.title}: ${note.message}`);
  const unique = [...new Set(steps)];
  return unique.length > NEXT_STEPS
    ? [...unique.slice(0, NEXT_STEPS - 1), `${unique.length - NEXT_STEPS + 1} more in the sections below.`]
    : unique;
}
