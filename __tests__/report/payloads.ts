import type { Detection } from '../../src/defender/types.js';
import type { Report } from '../../src/report/model.js';
import { doctorReport, peReport, reportWith } from '../helpers/reports.js';

/**
 * Hostile text as an attacker could plant it in a file name, a threat name or a description: line breaks
 * (\n, \r\n and a lone \r) that would end an HTML block, then Markdown that would render as a heading, an
 * image beacon and a phishing link, raw HTML, and terminal escapes (OSC 52 writes the clipboard).
 */
export const EVIL_HOST = 'evil.example';
const markdown = `# All binaries verified clean\n\n![beacon](https://${EVIL_HOST}/b.png) [Download the fix](https://${EVIL_HOST}/fix) **trusted**`;
export const PAYLOADS = [
  `x\n\n${markdown}`,
  `x\r\r${markdown.replace(/\n/g, '\r')}`,
  `x\r\n\r\n${markdown.replace(/\n/g, '\r\n')}`,
  `x\u2028\u2028${markdown}`,
  `<img src="https://${EVIL_HOST}/i.png"><script>alert(1)</script></td></tr></table>\n\n${markdown}`,
  `\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2J\u001b[31mred\u009b31m\u202eexe.txt`,
];

export function hostileDetection(text: string, i: number): Detection {
  return {
    id: `{00000000-0000-0000-0000-00000000000${i}}`,
    time: '2026-11-24T10:00:00Z',
    threatName: `Trojan:Win32/${text}`,
    action: 'Quarantine',
    status: text,
    process: `C:\\evil\\${text}.exe`,
    resources: [{ kind: 'file', path: `D:\\a\\ws\\dist\\${text}.exe`, raw: text }],
    origins: ['Get-MpThreatDetection'],
    relevantBecause: `it touches ${text}`,
    advice: text,
  };
}

/** A report with every payload in every place untrusted text reaches: paths, threat names, notes, failures. */
export function hostileReport(): Report {
  return reportWith({
    doctor: doctorReport({ advice: PAYLOADS.map((p) => ({ level: 'warning' as const, message: p })) }),
    analysis: {
      files: [
        ...PAYLOADS.map((p, i) => peReport(`/work/space/dist/${p}-${i}.exe`, 1)),
        { path: `/work/space/${PAYLOADS[0]}`, error: PAYLOADS[1] ?? '' },
      ],
    },
    detections: {
      phase: 'main',
      since: '2026-11-24T10:00:00Z',
      until: '2026-11-24T11:00:00Z',
      available: true,
      relevant: PAYLOADS.map(hostileDetection),
      other: PAYLOADS.map(hostileDetection),
      events: [],
      notes: [],
    },
    scan: {
      performed: true,
      files: PAYLOADS.map((p) => ({
        path: `/work/space/${p}`,
        status: 'detected' as const,
        threatName: p,
        detail: p,
      })),
      limits: [],
    },
    notes: PAYLOADS.map((p) => ({ level: 'error' as const, message: p })),
    failures: PAYLOADS,
  });
}
