import type { Report } from './model.js';
import { isPeReport } from '../pe/types.js';

/** One output may not be large: GitHub keeps at most 1 MB of outputs per job. Bigger ones point at the report. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;

export const OUTPUTS = {
  report: 'report',
  doctor: 'doctor',
  exclusions: 'exclusions',
  exclusionsAdded: 'exclusions-added',
  smoke: 'smoke',
  smokeResult: 'smoke-result',
  signing: 'signing',
  signedFiles: 'signed-files',
  analysis: 'analysis',
  hashes: 'hashes',
  detections: 'detections',
  detectionCount: 'detection-count',
} as const;

/** Step outputs from a report: what later steps read. Pure; main.ts hands them to core.setOutput. */
export function stepOutputs(report: Report, reportPath: string): Record<string, string> {
  const out: Record<string, string> = { [OUTPUTS.report]: reportPath };
  const json = (value: unknown): string => {
    const text = JSON.stringify(value);
    return Buffer.byteLength(text) <= OUTPUT_LIMIT_BYTES
      ? text
      : JSON.stringify({ truncated: true, report: reportPath });
  };
  if (report.doctor) out[OUTPUTS.doctor] = json(report.doctor);
  if (report.exclusions) {
    out[OUTPUTS.exclusions] = json(report.exclusions);
    out[OUTPUTS.exclusionsAdded] = json(report.exclusions.added.map((e) => e.value));
  }
  if (report.smoke) {
    out[OUTPUTS.smoke] = json(report.smoke);
    out[OUTPUTS.smokeResult] = report.smoke.result;
  }
  if (report.signing) {
    out[OUTPUTS.signing] = json(report.signing);
    out[OUTPUTS.signedFiles] = json(
      report.signing.files.filter((f) => f.status === 'signed').map((f) => f.path),
    );
  }
  if (report.analysis) {
    out[OUTPUTS.analysis] = json(report.analysis);
    const hashes =
      report.analysis.allowlist?.hashes ??
      report.analysis.files.filter(isPeReport).map((f) => ({ path: f.path, sha256: f.sha256 }));
    out[OUTPUTS.hashes] = json(hashes);
  }
  if (report.detections) {
    out[OUTPUTS.detections] = json(report.detections.relevant);
    out[OUTPUTS.detectionCount] = String(report.detections.relevant.length);
  }
  return out;
}
