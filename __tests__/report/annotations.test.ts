import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/defender/types.js';
import {
  annotationPath,
  collectAnnotations,
  MESSAGE_LIMIT,
  TITLE_LIMIT,
} from '../../src/report/annotations.js';
import { peReport, reportWith } from '../helpers/reports.js';

export function detection(i: number, file = `C:\\a\\work\\repo\\dist\\tool-${i}.exe`): Detection {
  return {
    id: `{00000000-0000-0000-0000-${String(i).padStart(12, '0')}}`,
    time: '2026-11-24T10:05:00.000Z',
    threatName: 'Trojan:Win32/Wacatac.B!ml',
    threatId: 2147735505,
    action: 'Quarantine',
    status: 'Quarantined',
    resources: [{ kind: 'file', path: file, raw: `file:_${file}` }],
    origins: ['Get-MpThreatDetection'],
    relevantBecause: 'a file this run built',
    advice: 'Sign the binary, add a version resource, and submit it to Microsoft as a false positive.',
  };
}

describe('annotations from a report', () => {
  it('puts relevant detections first, then signing and smoke failures, then findings by severity', () => {
    const report = reportWith({
      workspace: 'C:\\a\\work\\repo',
      analysis: {
        files: [
          {
            ...peReport('C:\\a\\work\\repo\\dist\\x.exe', 0),
            findings: [
              { id: 'GAV-PE-NOTE', severity: 'notice', title: 'n', why: 'w', advice: 'a' },
              { id: 'GAV-PE-UPX', severity: 'error', title: 'UPX-packed', why: 'w', advice: 'a' },
            ],
          },
        ],
      },
      signing: {
        tool: 'signtool',
        digest: 'sha256',
        timestampUrls: [],
        notes: [],
        files: [{ path: 'C:\\a\\work\\repo\\dist\\y.exe', status: 'failed', reason: 'SignTool Error: ...' }],
      },
      smoke: {
        result: 'failed',
        variants: [
          {
            variant: 'test',
            status: 'failed',
            outputSeen: false,
            diagnosis: {
              verdict: 'av-certain',
              summary: 'Defender blocked the test binary.',
              nextStep: 'Exclude GOTMPDIR.',
            },
          },
        ],
      },
      detections: {
        phase: 'main',
        since: 's',
        until: 'u',
        available: true,
        relevant: [detection(1)],
        other: [],
        events: [],
        notes: [],
      },
    });
    const annotations = collectAnnotations(report);
    expect(annotations.map((a) => [a.level, a.title.split(':')[0]])).toEqual([
      ['error', 'Defender'],
      ['error', 'Signing failed'],
      ['error', 'Smoke build "test" failed'],
      ['error', 'GAV-PE-UPX'],
      ['notice', 'GAV-PE-NOTE'],
    ]);
    expect(annotations[0]?.file).toBe('dist/tool-1.exe');
    expect(annotations[0]?.message).toMatch(/What to do: Sign the binary/);
    expect(annotations[1]?.file).toBe('dist/y.exe');
  });

  it('maps paths inside the workspace to forward-slash relative paths, and leaves others alone', () => {
    expect(annotationPath('C:\\a\\work\\repo\\cmd\\x.exe', 'C:\\a\\work\\repo')).toBe('cmd/x.exe');
    expect(annotationPath('c:\\A\\Work\\Repo\\x.exe', 'C:\\a\\work\\repo')).toBe('x.exe');
    expect(annotationPath('C:\\Users\\runner\\AppData\\Local\\go-build\\a.exe', 'C:\\a\\work\\repo')).toBe(
      'C:\\Users\\runner\\AppData\\Local\\go-build\\a.exe',
    );
    expect(annotationPath('/home/u/repo/dist/a', '/home/u/repo')).toBe('dist/a');
    expect(annotationPath('/tmp/a', '/home/u/repo')).toBe('/tmp/a');
  });

  it('keeps titles and messages under GitHub limits', () => {
    const long = 'x'.repeat(10_000);
    const report = reportWith({
      signing: {
        tool: 'built-in',
        digest: 'sha256',
        timestampUrls: [],
        notes: [],
        error: long,
        files: [],
      },
    });
    const [a] = collectAnnotations(report);
    expect(a?.message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(a?.message.endsWith('…')).toBe(true);
    const titled = collectAnnotations(
      reportWith({
        analysis: {
          files: [
            {
              ...peReport('/w/a.exe', 0),
              findings: [{ id: 'X', severity: 'warning', title: long, why: '', advice: '' }],
            },
          ],
        },
      }),
    );
    expect(titled[0]?.title.length).toBeLessThanOrEqual(TITLE_LIMIT);
  });
});
