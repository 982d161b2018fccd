import type { Detection, DetectionsReport, ScanReport } from '../../defender/types.js';
import type { Note } from '../note.js';
import { codeCell, pathCell, statusOf, type Cell, type SectionView } from '../view.js';

function detectionRow(d: Detection, withWhy: boolean): Cell[] {
  const files = d.resources
    .map((r) => (r.archiveMember ? `${r.path} -> ${r.archiveMember}` : r.path))
    .join('\n');
  const row: Cell[] = [
    d.time ?? '',
    d.threatName ?? `threat ${d.threatId ?? '?'}`,
    codeCell(files),
    [d.action, d.status].filter(Boolean).join(', '),
    d.process ?? '',
  ];
  if (withWhy) row.push(`${d.relevantBecause ?? ''}${d.advice ? `. ${d.advice}` : ''}`);
  return row;
}

export function detectionsView(report: DetectionsReport): SectionView {
  const title = report.phase === 'post' ? 'Defender detections (whole job)' : 'Defender detections';
  if (!report.available)
    return {
      title,
      lead: `Not read: ${report.reason ?? 'unavailable'}`,
      status: 'skipped',
      tables: [],
      notes: report.notes,
    };
  const events: Note[] = report.events.map((e) => ({
    level: 'info',
    message: `${e.time ?? ''} event ${e.id}: ${e.message}`,
  }));
  const lead =
    report.relevant.length === 0
      ? `No detection touched this job's files between ${report.since} and ${report.until}.`
      : `${report.relevant.length} detection(s) touched this job's files between ${report.since} and ${report.until}.`;
  const headers = ['Time', 'Threat', 'Files', 'Action', 'Process'];
  return {
    title,
    lead,
    status: report.relevant.length > 0 ? 'error' : statusOf(report.notes),
    tables: [
      {
        caption: 'Relevant to this job',
        headers: [...headers, 'Why and what to do'],
        rows: report.relevant.map((d) => detectionRow(d, true)),
        fold: 20,
      },
      {
        caption: 'Other detections on this machine',
        headers,
        rows: report.other.map((d) => detectionRow(d, false)),
        fold: 10,
      },
    ],
    notes: [...report.notes, ...events],
  };
}

export function scanView(scan: ScanReport, workspace: string): SectionView {
  return {
    title: 'Artifact scan',
    status: !scan.performed ? 'skipped' : scan.files.some((f) => f.status === 'detected') ? 'error' : 'ok',
    lead: scan.performed
      ? `Scanned with engine ${scan.engineVersion ?? '?'}, signatures ${scan.signatureVersion ?? '?'}.`
      : `Not scanned: ${scan.reason ?? ''}`,
    tables: [
      {
        headers: ['File', 'Result', 'Detail'],
        rows: scan.files.map((f) => [
          pathCell(f.path, workspace),
          f.threatName ? `${f.status}: ${f.threatName}` : f.status,
          f.detail ?? '',
        ]),
      },
    ],
    notes: scan.limits.map((message) => ({ level: 'info', message })),
  };
}
