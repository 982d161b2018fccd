import { describe, expect, it } from 'vitest';
import { renderSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/summary.js';
import { renderText } from '../../src/cli.js';
import { doctorReport, peReport, reportWith } from '../helpers/reports.js';
import { expectValidReport } from '../helpers/schema.js';

describe('job summary', () => {
  it('renders a doctor table', () => {
    const report = reportWith({ doctor: doctorReport() });
    expectValidReport(report);
    const summary = renderSummary(report, { reportFile: '`/tmp/report-main.json`' });
    expect(summary).toMatch(/^# go-av-guard: all checks passed/);
    expect(summary).toContain('## Doctor');
    expect(summary).toContain('<tr><td>GOROOT</td><td><code>/usr/local/go</code></td></tr>');
    expect(summary).toContain('Full report: <code>/tmp/report-main.json</code>');
  });

  it('escapes a path that contains <script>', () => {
    const evil = '/work/<script>alert("x")</script>/a&b.exe';
    const report = reportWith({
      analysis: { files: [peReport(evil)] },
      failures: ['<img src=x onerror=alert(1)>'],
    });
    const summary = renderSummary(report, undefined);
    expect(summary).not.toContain('<script>');
    expect(summary).not.toContain('<img');
    expect(summary).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;/a&amp;b.exe');
  });

  it('stays under 1 MiB with 5,000 findings and says where the full report is', () => {
    const files = Array.from({ length: 5000 }, (_, i) => peReport(`/work/space/dist/tool-${i}.exe`));
    const summary = renderSummary(reportWith({ doctor: doctorReport(), analysis: { files } }), {
      reportFile: '/runner/temp/report-main.json',
    });
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(Buffer.byteLength(summary)).toBeGreaterThan(SUMMARY_LIMIT_BYTES - 128 * 1024);
    expect(summary).toMatch(
      /This summary was cut at \d+ KiB: \d+ section\(s\) left out\. The full report is in \/runner\/temp\/report-main\.json/,
    );
    // Cut at a row boundary: every table that was opened is closed.
    expect(summary.split('<table>').length).toBe(summary.split('</table>').length);
    expect(summary.split('<details>').length).toBe(summary.split('</details>').length);
    expect(summary).toContain('## Doctor');
  });

  it('says when a passing run still has findings to review, and shows paths relative to the workspace', () => {
    const summary = renderSummary(
      reportWith({ analysis: { files: [peReport('/work/space/dist/app.exe', 2)] } }),
      { reportFile: '/r.json' },
    );
    expect(summary).toMatch(/^# go-av-guard: passed, with 2 finding\(s\) to review/);
    expect(summary).toContain('<code>dist/app.exe</code>');
    expect(summary).not.toContain('<code>/work/space/dist/app.exe</code>');
  });

  it('a small report is not cut', () => {
    const summary = renderSummary(reportWith({ analysis: { files: [peReport('/a.exe', 3)] } }), {
      reportFile: '/r.json',
    });
    expect(summary).not.toContain('was cut');
    expect(summary.match(/GAV-PE-UNSIGNED/g)).toHaveLength(3);
  });

  it('the CLI text shows the same facts without HTML', () => {
    const text = renderText(reportWith({ doctor: doctorReport(), failures: ['signing failed'] }));
    expect(text).toMatch(/^go-av-guard: 1 problem\(s\): signing failed/);
    expect(text).toContain('GOROOT        /usr/local/go');
    expect(text).not.toMatch(/<\/?(table|td|code)>/);
  });
});
