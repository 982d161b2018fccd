import { isPeReport, type AnalysisReport, type Finding, type PeReport } from '../../pe/types.js';
import type { Note } from '../note.js';
import { annotationPath } from '../paths.js';
import { count, hashCell, pathCell, yesNo, type SectionView } from '../view.js';

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
  const groups = groupFindings(reports);
  const findingRows = groups.map((g) => [
    g.finding.severity,
    `${g.finding.title} (${g.finding.id}). ${g.finding.why}`,
    { code: g.files.map((f) => annotationPath(f, workspace)).join('\n') },
    g.finding.advice,
  ]);
  const notes: Note[] = errors.map((e) => ({
    level: 'error',
    message: `${e.path}: ${'error' in e ? e.error : ''}`,
  }));
  const total = groups.reduce((n, g) => n + g.files.length, 0);
  const worst = groups[0]?.finding.severity;
  return {
    title: 'PE risk report',
    lead: `${count(reports.length, 'file')} analysed, ${count(total, 'finding')}${total > groups.length ? ` of ${count(groups.length, 'kind')}` : ''}${errors.length ? `, ${errors.length} unreadable` : ''}.`,
    status: errors.length > 0 || worst === 'error' ? 'error' : worst === 'warning' ? 'warning' : 'ok',
    tables: [
      {
        headers: ['File', 'Format', 'Subsystem', 'Signed', 'Version info', 'Packer', 'Go', 'Findings'],
        rows: fileRows,
        fold: 25,
      },
      {
        caption: 'Findings',
        headers: ['Severity', 'Finding and why it matters', 'Files', 'What to do'],
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
    status: 'ok',
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
        rows: files.hashes.map((h) => [h.name, hashCell(h.sha256)]),
        fold: 25,
      },
    ],
    notes: [],
  };
}

export interface FindingGroup {
  finding: Finding;
  files: string[];
}

/** One entry per finding that reads the same for every file it applies to, most severe first. */
export function groupFindings(reports: PeReport[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const r of reports) {
    for (const f of r.findings) {
      const key = JSON.stringify([f.id, f.severity, f.title, f.why, f.advice]);
      const group = groups.get(key) ?? { finding: f, files: [] };
      group.files.push(r.path);
      groups.set(key, group);
    }
  }
  return [...groups.values()].sort(
    (a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity],
  );
}
