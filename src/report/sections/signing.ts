import type { SigningReport } from '../../sign/types.js';
import { artifactCell, codeCell, hashCell, pathCell, statusOf, type SectionView } from '../view.js';

export function signingView(signing: SigningReport, workspace: string): SectionView {
  const cert = signing.certificate;
  const certRows = cert
    ? [
        ['Subject', cert.subject],
        ['Issuer', cert.issuer],
        ['Thumbprint', codeCell(cert.thumbprint)],
        ['Valid', `${cert.notBefore} to ${cert.notAfter}`],
        ['Source', `${cert.source}${cert.selfSigned ? ' (self-signed)' : ''}`],
        ...(cert.publicCertPath
          ? [['Public certificate', artifactCell(cert.publicCertPath, workspace)]]
          : cert.publicCertPem
            ? [['Public certificate', 'in the JSON report (--json): signing.certificate.publicCertPem']]
            : []),
      ]
    : [];
  const fileRows = signing.files.map((f) => [
    pathCell(f.path, workspace),
    f.status,
    f.reason ?? (f.verification ? f.verification.detail : ''),
    f.timestampServer ? `${f.timestampServer}${f.timestampTime ? ` at ${f.timestampTime}` : ''}` : '',
    hashCell(f.sha256 ?? ''),
  ]);
  const counts = ['signed', 'skipped', 'failed'].map(
    (s) => `${signing.files.filter((f) => f.status === s).length} ${s}`,
  );
  const lead = signing.error
    ? `Signing failed: ${signing.error}`
    : `${counts.join(', ')} with ${signing.tool}, digest ${signing.digest}.`;
  const failed = Boolean(signing.error) || signing.files.some((f) => f.status === 'failed');
  // The engine's own "signed N, skipped N" note repeats the lead word for word.
  // The error note repeats the lead too.
  const notes = signing.notes.filter(
    (n) => !/^signed \d+, skipped \d+, failed \d+/.test(n.message) && n.message !== signing.error,
  );
  return {
    title: 'Signing',
    lead,
    status: failed ? 'error' : statusOf(notes),
    tables: [
      { headers: ['Certificate', ''], rows: certRows },
      { headers: ['File', 'Status', 'Detail', 'Timestamp', 'SHA-256'], rows: fileRows, fold: 25 },
    ],
    notes,
  };
}
