import type { DoctorReport } from '../../doctor/types.js';
import { codeCell, statusOf, yesNo, type Cell, type SectionView } from '../view.js';

export function doctorView(doctor: DoctorReport): SectionView {
  const rows: Cell[][] = [
    [
      'Platform',
      `${doctor.platform} ${doctor.arch} (${doctor.osRelease})${doctor.hostedRunner ? ', GitHub-hosted' : ''}`,
    ],
  ];
  if (doctor.elevated !== undefined) rows.push(['Elevated', yesNo(doctor.elevated)]);
  if (doctor.go.found) {
    const go = doctor.go.env;
    rows.push(['Go', `${go.version} ${go.goos}/${go.goarch}`]);
    rows.push(
      ['GOROOT', codeCell(go.goroot)],
      ['GOPATH', codeCell(go.gopath)],
      ['GOCACHE', codeCell(go.gocache)],
    );
    rows.push(
      ['GOMODCACHE', codeCell(go.gomodcache)],
      ['GOTMPDIR', go.gotmpdir ? codeCell(go.gotmpdir) : '(unset: the OS temp dir)'],
    );
  } else {
    rows.push(['Go', `not found: ${doctor.go.reason}`]);
  }
  const tool = doctor.signingTool;
  const toolName =
    tool.name === 'built-in'
      ? 'built-in Authenticode engine'
      : `${tool.name}${tool.version ? ` ${tool.version}` : ''}`;
  rows.push([
    'Signing tool',
    !tool.found
      ? `${tool.name} not found`
      : tool.path
        ? `${toolName} at ${tool.path}`
        : `${toolName} (in process)`,
  ]);
  const d = doctor.defender;
  if (d) {
    if (d.available) {
      rows.push([
        'Defender',
        `${d.amRunningMode ?? 'running'}, product ${d.productVersion ?? '?'}, engine ${d.engineVersion ?? '?'}`,
      ]);
      rows.push(['Real-time protection', yesNo(d.realTimeProtectionEnabled)]);
      rows.push(['Tamper protection', yesNo(d.isTamperProtected)]);
      rows.push([
        'Signatures',
        `${d.signatureVersion ?? '?'}${d.signatureLastUpdated ? `, updated ${d.signatureLastUpdated}` : ''}`,
      ]);
    } else {
      rows.push(['Defender', `not available${d.errorCode ? ` (${d.errorCode})` : ''}: ${d.error ?? ''}`]);
    }
    const ex = d.exclusions;
    const listed = [
      ...ex.paths,
      ...ex.processes.map((p) => `process ${p}`),
      ...ex.extensions.map((e) => `extension ${e}`),
    ];
    rows.push([
      'Exclusions',
      ex.hidden && listed.length === 0 ? 'hidden from local administrators' : listed.join('\n') || 'none',
    ]);
  }
  const facts = [
    doctor.go.found ? `Go ${doctor.go.env.version.replace(/^go/, '')}` : 'Go not found',
    tool.found ? toolName : `${tool.name} not found`,
    d
      ? d.available
        ? `Defender ${d.amRunningMode ?? 'running'}, real-time protection ${d.realTimeProtectionEnabled ? 'on' : 'off'}`
        : 'Defender not available'
      : '',
  ].filter(Boolean);
  return {
    title: 'Doctor',
    lead: `${facts.join('; ')}.`,
    status: statusOf(doctor.advice, doctor.go.found ? 'ok' : 'warning'),
    tables: [{ headers: ['Check', 'Result'], rows }],
    notes: doctor.advice,
  };
}
