import type { SigningReport } from '../../sign/types.js';
import { codeCell, pathCell, type SectionView } from '../view.js';

export function signingView(signing: SigningReport, workspace: string): SectionView {
  const cert = signing.certificate;
  const certRows = cert
    ? [
        ['Subject', cert.subject],
        ['Issuer', cert.issuer],
        ['Thumbprint', codeCell(cert.thumbprint)],
        ['Valid', `${cert.notBefore} to ${cert.notAfter}`],
        ['Source', `${cert.source}${cert.selfSigned ? ' (self-signed)' : ''}`],
        ...(cert.publicCertPath ? [['Public certificate', codeCell(cert.publicCertPath)]] : []),
      ]
    : [];
  const fileRows = signing.files.map((f) => [
    pathCell(f.path, workspace),
    f.status,
    f.reason ?? (f.verification ? f.verification.detail : ''),
    f.timestampServer ? `${f.timestampServer}${f.timestampTime ? ` at ${f.timestampTime}` : ''}` : '',
    codeCell(f.sha256 ?? ''),
  ]);
  const counts = ['signed', 'skipped', 'failed'].map(
    (s) => `${signing.files.filter((f) => f.status === s).length} ${s}`,
  );
  const lead = signing.error
    ? `Signing failed: ${signing.error}`
    : `${counts.join(', ')} with ${signing.tool}, digest ${signing.digest}.`;
  return {
    title: 'Signing',
    lead,
    tables: [
      { headers: ['Certificate', ''], rows: certRows },
      { headers: ['File', 'Status', 'Detail', 'Timestamp', 'SHA-256'], rows: fileRows, fold: 25 },
    ],
    notes: signing.notes,
  };
}
