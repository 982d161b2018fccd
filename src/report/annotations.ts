import type { Detection } from '../defender/types.js';
import type { Annotation } from './annotation.js';
import type { Report } from './model.js';
import { annotationPath } from './paths.js';
import { oneLine, terminalSafe } from './inert.js';
import { isPeReport } from '../pe/types.js';

/** GitHub truncates beyond these; cutting ourselves keeps the end of a message readable. */
export { annotationPath } from './paths.js';
export const TITLE_LIMIT = 254;
export const MESSAGE_LIMIT = 4095;

/**
 * Every annotation a report calls for, most important first: relevant detections, then signing and smoke
 * failures, then exclusions that did not stick, then analysis findings by severity. The publisher shows
 * the first ten of each level and sends the rest to the Checks API.
 */
export function collectAnnotations(report: Report): Annotation[] {
  const workspace = report.workspace;
  const at = (file: string | undefined): Pick<Annotation, 'file'> =>
    file ? { file: annotationPath(file, workspace) } : {};
  const out: Annotation[] = [];

  for (const d of report.detections?.relevant ?? [])
    out.push({ level: 'error', ...at(detectionFile(d)), ...detectionText(d) });

  const signing = report.signing;
  if (signing?.error) out.push({ level: 'error', title: 'Signing failed', message: signing.error });
  for (const f of signing?.files ?? []) {
    if (f.status === 'failed')
      out.push({
        level: 'error',
        ...at(f.path),
        title: 'Signing failed',
        message: f.reason ?? 'unknown error',
      });
  }

  for (const v of report.smoke?.variants ?? []) {
    if (v.status !== 'failed') continue;
    const d = v.diagnosis;
    const message = d
      ? `${d.summary}\nNext: ${d.nextStep}${d.evidence ? `\nEvidence: ${d.evidence}` : ''}`
      : (v.output ?? 'failed');
    out.push({ level: 'error', ...at(v.binary), title: `Smoke build "${v.variant}" failed`, message });
  }

  const ex = report.exclusions;
  if (ex?.failure)
    out.push({ level: 'error', title: 'Defender exclusions could not be added', message: ex.failure });
  for (const n of ex?.notApplied ?? []) {
    out.push({
      level: 'warning',
      title: 'Defender exclusion did not stick',
      message: `${n.kind} ${n.value}: ${n.reason}`,
    });
  }

  for (const s of report.scan?.files ?? []) {
    if (s.status === 'detected') {
      out.push({
        level: 'error',
        ...at(s.path),
        title: `Defender scan: ${s.threatName ?? 'threat'} in a built file`,
        message: s.detail ?? 'Defender flags this file.',
      });
    }
  }

  const files = report.analysis?.files ?? [];
  for (const level of ['error', 'warning', 'notice'] as const) {
    for (const file of files.filter(isPeReport)) {
      for (const f of file.findings.filter((x) => x.severity === level)) {
        out.push({
          level,
          ...at(file.path),
          title: `${f.id}: ${f.title}`,
          message: `${f.why}\nWhat to do: ${f.advice}`,
        });
      }
    }
  }
  for (const file of files) {
    if (!isPeReport(file))
      out.push({ level: 'warning', ...at(file.path), title: 'Not analysed', message: file.error });
  }
  return out.map(clip);
}

function detectionFile(d: Detection): string | undefined {
  return (
    d.resources.find((r) => r.kind === 'file' || r.kind === 'containerfile')?.path ?? d.resources[0]?.path
  );
}

function detectionText(d: Detection): { title: string; message: string } {
  const threat = d.threatName ?? `threat ${d.threatId ?? 'unknown'}`;
  const lines = [
    `Defender ${d.action ? `${d.action.toLowerCase()} ` : ''}${threat}${d.status ? ` (${d.status})` : ''}${d.time ? ` at ${d.time}` : ''}.`,
    ...d.resources.map((r) => `File: ${r.archiveMember ? `${r.path} -> ${r.archiveMember}` : r.path}`),
    ...(d.process ? [`Process: ${d.process}`] : []),
    ...(d.relevantBecause ? [`Why it matters: ${d.relevantBecause}`] : []),
    ...(d.advice ? [`What to do: ${d.advice}`] : []),
  ];
  return { title: `Defender: ${threat}`, message: lines.join('\n') };
}

/** Escape sequences stripped (the log viewer renders ANSI); @actions/core escapes line breaks, % , and :. */
function clip(a: Annotation): Annotation {
  const cut = (text: string, limit: number): string =>
    text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
  return {
    ...a,
    title: cut(oneLine(a.title), TITLE_LIMIT),
    message: cut(terminalSafe(a.message), MESSAGE_LIMIT),
    ...(a.file ? { file: oneLine(a.file) } : {}),
  };
}
