import type { DoctorReport } from '../../src/doctor/types.js';
import type { PeReport } from '../../src/pe/types.js';
import { newReport, type Report } from '../../src/report/model.js';

export function doctorReport(overrides: Partial<DoctorReport> = {}): DoctorReport {
  return {
    platform: 'linux',
    arch: 'x64',
    osRelease: '6.1.0',
    hostedRunner: false,
    go: {
      found: true,
      env: {
        version: 'go1.23.4',
        goroot: '/usr/local/go',
        gopath: '/home/u/go',
        gocache: '/home/u/.cache/go-build',
        gomodcache: '/home/u/go/pkg/mod',
        gotmpdir: '',
        goos: 'linux',
        goarch: 'amd64',
        gohostos: 'linux',
        gohostarch: 'amd64',
        executable: 'go',
      },
    },
    signingTool: { name: 'built-in', found: true, version: 'in process' },
    advice: [],
    ...overrides,
  };
}

export function peReport(file: string, findings = 1): PeReport {
  return {
    path: file,
    size: 1024,
    sha256: 'a'.repeat(64),
    machine: 'AMD64',
    format: 'PE32+',
    subsystem: 'WINDOWS_CUI',
    sections: [],
    hasRelocations: true,
    resources: { present: false, versionInfo: false, manifest: false, icon: false },
    imports: ['kernel32.dll'],
    tls: false,
    overlaySize: 0,
    signature: { present: false },
    findings: Array.from({ length: findings }, (_, i) => ({
      id: 'GAV-PE-UNSIGNED',
      severity: 'warning' as const,
      title: `Unsigned ${i}`,
      why: 'Unsigned binaries have no publisher reputation, and machine-learning detections weigh that heavily.',
      advice: 'Sign with an Authenticode certificate and an RFC 3161 timestamp.',
    })),
  };
}

export function reportWith(parts: Partial<Report>): Report {
  return { ...newReport('main', '/work/space', '0.0.0-test', new Date('2026-11-24T10:00:00Z')), ...parts };
}
