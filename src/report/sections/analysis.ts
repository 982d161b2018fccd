import { isPeReport, type AnalysisReport } from '../../pe/types.js';
import type { Note } from '../note.js';
import { codeCell, pathCell, yesNo, type SectionView } from '../view.js';

const SEVERITY_ORDER = { error: 0, warning: 1, notice: 2 } as const;

export function analysisView(analysis: AnalysisReport, workspace: string): SectionView {
  const reports = analysis.files.filter(isPeReport);
  const errors = analysis.files.filter((f) => !isPeReport(f));
  const fileRows = reports.map((r) => [
    pathCell(r.path, workspace),
    `${r.format} ${r.machine}`,
    r.subsystem,
    yesNo(r.signature.present) + (r.signature.present ? `, timestamp ${yesNo(r.signature.timestamped)}` : ''),
    yesNo(r.resources.versionInfo),
    r.packer ?? '',
    r.goBuildInfo?.goVersion ?? '',
    String(r.findings.length),
  ]);
  const findingRows = reports
    .flatMap((r) => r.findings.map((f) => ({ r, f })))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity])
    .map(({ r, f }) => [f.severity, f.id, pathCell(r.path, workspace), `${f.title}. ${f.why}`, f.advice]);
  const notes: Note[] = errors.map((e) => ({
    level: 'error',
    message: `${e.path}: ${'error' in e ? e.error : ''}`,
  }));
  const total = findingRows.length;
  return {
    title: 'PE risk report',
    lead: `${reports.length} file(s) analysed, ${total} finding(s)${errors.length ? `, ${errors.length} unreadable` : ''}.`,
    tables: [
      {
        headers: ['File', 'Format', 'Subsystem', 'Signed', 'Version info', 'Packer', 'Go', 'Findings'],
        rows: fileRows,
        fold: 25,
      },
      {
        caption: 'Findings',
        headers: ['Severity', 'Id', 'File', 'Why it matters', 'What to do'],
        rows: findingRows,
        fold: 30,
      },
    ],
    notes,
  };
}

export function allowlistView(analysis: AnalysisReport, workspace: string): SectionView | undefined {
  const files = analysis.allowlist;
  if (!files) return undefined;
  return {
    title: 'Allowlisting files',
    lead: `${files.hashes.length} binary hash(es) ready for IT departments.`,
    tables: [
      {
        headers: ['File', 'What it is', 'How to use it'],
        rows: [
          [
            pathCell(files.sha256sums, workspace),
            'SHA-256 list (sha256sum format)',
            'Verify downloads: sha256sum -c SHA256SUMS',
          ],
          [
            pathCell(files.applocker, workspace),
            'AppLocker policy (publisher rule if signed, hash rule otherwise)',
            'Set-AppLockerPolicy -XmlPolicy <file> -Merge, or import in the Group Policy editor',
          ],
          [
            pathCell(files.defenderIndicators, workspace),
            'Defender for Endpoint indicators (allow by SHA-256)',
            'Microsoft Defender portal: Settings > Endpoints > Indicators > File hashes > Import',
          ],
        ],
      },
      {
        caption: 'Hashes',
        headers: ['File', 'SHA-256'],
        rows: files.hashes.map((h) => [h.name, codeCell(h.sha256)]),
        fold: 25,
      },
    ],
    notes: [],
  };
}
