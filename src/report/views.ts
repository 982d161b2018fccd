import type { Report } from './model.js';
import { allowlistView, analysisView } from './sections/analysis.js';
import { detectionsView, scanView } from './sections/detections.js';
import { doctorView } from './sections/doctor.js';
import { exclusionsView } from './sections/exclusions.js';
import { falsePositiveView } from './sections/falsepositive.js';
import { fleetPolicyView, stampingView } from './sections/stamping.js';
import { signingView } from './sections/signing.js';
import { smokeView } from './sections/smoke.js';
import type { SectionView } from './view.js';

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
    return `go-av-guard${phase}: ${report.failures.length} problem(s): ${report.failures.join('; ')}`;
  }
  const findings = (report.analysis?.files ?? []).flatMap((f) => ('findings' in f ? f.findings : [])).length;
  return findings > 0
    ? `go-av-guard${phase}: passed, with ${findings} finding(s) to review`
    : `go-av-guard${phase}: all checks passed`;
}
