import { describe, expect, it } from 'vitest';
import { decideFailures } from '../src/outcome.js';
import { peReport, reportWith } from './helpers/reports.js';

const config = (failOnDetection = true, failOnFindings: 'error' | 'warning' | 'none' = 'none') => ({
  detections: { enabled: true, failOnDetection, scan: 'auto' as const },
  report: {
    checks: 'auto' as const,
    token: undefined,
    failOnFindings,
    uploadReleaseAssets: false,
    releaseTag: undefined,
    reportDir: '/tmp',
  },
});

const detections = (n: number) => ({
  phase: 'main' as const,
  since: 's',
  until: 'u',
  available: true,
  other: [],
  events: [],
  notes: [],
  relevant: Array.from({ length: n }, (_, i) => ({
    id: String(i),
    resources: [],
    origins: ['event 1116' as const],
  })),
});

describe('when the step fails', () => {
  it('passes a clean report', () => {
    expect(decideFailures(reportWith({}), config())).toEqual([]);
  });

  it('fails on relevant detections only with fail-on-detection', () => {
    expect(decideFailures(reportWith({ detections: detections(2) }), config(true))).toEqual([
      "Defender: 2 detection(s) touched this job's files (fail-on-detection: true)",
    ]);
    expect(decideFailures(reportWith({ detections: detections(2) }), config(false))).toEqual([]);
  });

  it('applies fail-on-findings thresholds', () => {
    const warning = reportWith({ analysis: { files: [peReport('/a.exe', 1)] } });
    expect(decideFailures(warning, config(true, 'none'))).toEqual([]);
    expect(decideFailures(warning, config(true, 'error'))).toEqual([]);
    expect(decideFailures(warning, config(true, 'warning'))).toEqual([
      'analyze: 1 finding(s) at warning or worse (fail-on-findings: warning)',
    ]);
  });

  it('fails on unreadable files, signing failures, a failed smoke build and strict exclusions', () => {
    const report = reportWith({
      analysis: { files: [{ path: '/a.txt', error: 'not a PE file' }] },
      signing: {
        tool: 'built-in',
        digest: 'sha256',
        timestampUrls: [],
        notes: [],
        files: [{ path: '/b.exe', status: 'failed', reason: 'x' }],
      },
      smoke: { result: 'failed', variants: [{ variant: 'default', status: 'failed', outputSeen: false }] },
      exclusions: {
        mode: 'true',
        dryRun: false,
        planned: [],
        added: [],
        notApplied: [],
        notes: [],
        failure: 'not elevated',
      },
    });
    expect(decideFailures(report, config())).toEqual([
      'exclusions: not elevated',
      'smoke build failed: default',
      'signing: 1 file(s) failed and were left unchanged',
      'analyze: 1 file(s) could not be read as PE files',
    ]);
  });
});
