import { falsePositiveChecklist } from '../../allowlist/falsepositive.js';
import { isPeReport, type AnalysisReport } from '../../pe/types.js';
import { annotationPath } from '../paths.js';
import { codeCell, pathCell, type SectionView } from '../view.js';

/** The other vendors' allowlisting files, and what to send Microsoft when Defender flags a release. */
export function falsePositiveView(analysis: AnalysisReport, workspace: string): SectionView | undefined {
  const files = analysis.files.filter(isPeReport);
  if (files.length === 0) return undefined;
  const checklist = falsePositiveChecklist(
    files.map((f) => ({
      name: annotationPath(f.path, workspace),
      sha256: f.sha256,
      ...(f.signature.present && f.signature.signer ? { signer: f.signature.signer } : {}),
      ...(f.resources.version?.FileVersion ? { fileVersion: f.resources.version.FileVersion } : {}),
    })),
  );
  const allowlist = analysis.allowlist;
  const vendorRows = [
    ...(allowlist?.crowdstrike
      ? [
          [
            pathCell(allowlist.crowdstrike, workspace),
            'CrowdStrike Falcon custom IOCs (sha256, allow, windows)',
            'Falcon console: IOC management > import (columns are the IOC API field names)',
          ],
        ]
      : []),
    ...(allowlist?.bitdefender
      ? [
          [
            pathCell(allowlist.bitdefender, workspace),
            'Bitdefender GravityZone file-hash exclusions (SHA-256)',
            'GravityZone: Policies > Antimalware > Exclusions (or Configuration profiles > Exclusions): add each SHA-256 as a File hash exclusion (a list, not an import file)',
          ],
        ]
      : []),
  ];
  return {
    title: 'If antivirus flags a release',
    lead: `Submit false positives to Microsoft at ${checklist.url}; allowlist the hashes in other products.`,
    tables: [
      ...(vendorRows.length > 0
        ? [{ caption: 'Other vendors', headers: ['File', 'What it is', 'How to use it'], rows: vendorRows }]
        : []),
      {
        caption: 'Microsoft false-positive submission checklist',
        headers: ['File', 'SHA-256', 'Signer', 'File version'],
        rows: checklist.files.map((f) => [
          codeCell(f.name),
          codeCell(f.sha256),
          f.signer ?? 'unsigned',
          f.fileVersion ?? '',
        ]),
        fold: 25,
      },
      { headers: ['Step'], rows: checklist.steps.map((s) => [s]) },
    ],
    notes: [],
  };
}
