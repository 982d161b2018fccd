/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli.js';
import { renderSummary, SUMMARY_LIMIT_BYTES } from '../../src/report/summary.js';
import { doctorReport, peReport, reportWith } from '../helpers/reports.js';
import { expectValidReport } from '../helpers/schema.js';
import { EVIL_HOST, hostileReport, PAYLOADS } from './payloads.js';

const render = (markdown: string): string => marked.parse(markdown, { gfm: true, async: false });
/** The text a reader sees: tags dropped, character references decoded. */
const visibleText = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('job summary', () => {
  it('opens with the verdict, what to do next and an overview, then a section per capability', () => {
    const report = reportWith({
      doctor: doctorReport(),
      analysis: { files: [peReport('/work/space/dist/app.exe', 2)] },
    });
    expectValidReport(report);
    const summary = renderSummary(report, { reportFile: '`report-main.json`' });
    expect(summary).toMatch(
      /^<h2>⚠️ go-av-guard: passed, with 2 findings to review<\/h2>\n<p><strong>What to do next<\/strong><\/p>\n<ol>\n<li>/,
    );
    expect(summary).toContain('<tr><td>✅ Doctor</td><td>Go 1.23.4; built-in Authenticode engine.</td></tr>');
    expect(summary.indexOf('What to do next')).toBeLessThan(summary.indexOf('## Doctor'));
    expect(summary).toContain('<tr><td>GOROOT</td><td><code>/usr/local/go</code></td></tr>');
    expect(summary).toMatch(
      /## Doctor\n\n<p>✅ Go 1\.23\.4; built-in Authenticode engine\.<\/p>\n<details><summary>Details<\/summary>\n<table>/,
    );
    expect(summary).toContain('<p>📄 Full report: <code>report-main.json</code>.</p>');
  });

  it('says all is well when it is', () => {
    const summary = renderSummary(reportWith({ doctor: doctorReport() }));
    expect(summary).toMatch(/^<h2>✅ go-av-guard: all checks passed<\/h2>\n<p>Nothing to do\.<\/p>/);
  });

  it('groups a finding across files: ten binaries with the same finding make one row listing them', () => {
    const files = Array.from({ length: 10 }, (_, i) => peReport(`/work/space/dist/tool-${i}.exe`, 1));
    for (const f of files) if (f.findings[0]) f.findings[0].title = 'Unsigned';
    const summary = renderSummary(reportWith({ analysis: { files } }));
    const findings = summary.slice(summary.indexOf('<p><strong>Findings</strong></p>'));
    expect(findings.match(/<tr><td>warning<\/td>/g)).toHaveLength(1);
    expect(findings).toContain('<code>dist/tool-0.exe<br>dist/tool-1.exe<br>');
    expect(summary).toContain('<li>Unsigned (10 files): Sign with an Authenticode certificate');
  });

  it('shortens hashes in tables; the full value stays in the JSON report', () => {
    const summary = renderSummary(
      reportWith({
        analysis: {
          files: [peReport('/work/space/a.exe')],
          allowlist: {
            sha256sums: '/work/space/allow/SHA256SUMS',
            applocker: '/work/space/allow/applocker.xml',
            defenderIndicators: '/work/space/allow/mde.csv',
            hashes: [{ path: '/work/space/a.exe', name: 'a.exe', sha256: 'ab'.repeat(32) }],
          },
        },
      }),
    );
    expect(summary).toContain('<td><code>abababababab…</code></td>');
    expect(summary).not.toContain('ab'.repeat(32));
  });

  it('links the report artifact instead of paths on the runner', () => {
    const summary = renderSummary(reportWith({ doctor: doctorReport() }), {
      artifact: { name: 'go-av-guard-build', url: 'https://github.com/o/r/actions/runs/1/artifacts/42' },
    });
    expect(summary).toContain(
      '<a href="https://github.com/o/r/actions/runs/1/artifacts/42">go-av-guard-build</a> (workflow artifact)',
    );
  });

  it('renders no Markdown inside HTML: advice with `code` becomes <code>, never literal backticks', () => {
    const report = reportWith({ analysis: { files: [peReport('/work/space/a.exe')] } });
    const finding = (report.analysis?.files[0] as ReturnType<typeof peReport>).findings[0];
    if (finding) finding.advice = 'Run `go-winres simply` then `go build`.';
    const html = render(renderSummary(report));
    expect(html).toContain('Run <code>go-winres simply</code> then <code>go build</code>.');
    expect(visibleText(html)).not.toContain('`');
  });

  it('stays under 1 MiB with 5,000 files and says where the full report is', () => {
    const files = Array.from({ length: 5000 }, (_, i) => peReport(`/work/space/dist/tool-${i}.exe`));
    // A different finding in each file: nothing to group.
    for (const [i, f] of files.entries()) if (f.findings[0]) f.findings[0].title = `Finding ${i}`;
    const summary = renderSummary(reportWith({ doctor: doctorReport(), analysis: { files } }), {
      reportFile: 'the step output `report`',
    });
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(Buffer.byteLength(summary)).toBeGreaterThan(SUMMARY_LIMIT_BYTES / 2);
    expect(summary).toMatch(
      /This summary was cut at \d+ KiB: \d+ section\(s\) left out\. The full report is in the step output <code>report<\/code>/,
    );
    // Cut at a row boundary: every table and <details> that was opened is closed.
    expect(summary.split('<table>').length).toBe(summary.split('</table>').length);
    expect(summary.split('<details>').length).toBe(summary.split('</details>').length);
    expect(summary).toContain('## Doctor');
  });

  it('shows paths relative to the workspace', () => {
    const summary = renderSummary(
      reportWith({ analysis: { files: [peReport('/work/space/dist/app.exe', 2)] } }),
    );
    expect(summary).toContain('<code>dist/app.exe</code>');
    expect(summary).not.toContain('/work/space/dist/app.exe');
  });
});

describe('untrusted text in the job summary is inert (rendered as GitHub-flavoured Markdown)', () => {
  const html = render(renderSummary(hostileReport(), { reportFile: 'r.json' }));

  it('no payload becomes an image, a link, a heading or bold text', () => {
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<a /i);
    expect(html).not.toContain(EVIL_HOST + '/b.png"');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<strong>trusted<\/strong>|<em>/);
    const headings = [...html.matchAll(/<h(\d)[^>]*>([^]*?)<\/h\1>/g)].map((m) => visibleText(m[2] ?? ''));
    expect(headings).toEqual([
      '❌ go-av-guard: 6 problems to fix',
      'Doctor',
      'PE risk report',
      'If antivirus flags a release',
      'Defender detections',
      'Artifact scan',
    ]);
  });

  it('every payload is still shown, as text', () => {
    const text = visibleText(html);
    expect(text).toContain(
      '![beacon](https://evil.example/b.png) [Download the fix](https://evil.example/fix)',
    );
    expect(text).toContain('<img src="https://evil.example/i.png"><script>alert(1)</script>');
  });

  it('no line break survives inside a cell or list item, so no HTML block ends early', () => {
    const markdown = renderSummary(hostileReport());
    for (const payload of PAYLOADS) expect(markdown).not.toContain(payload);
    expect(markdown).not.toMatch(/\r|\u2028|\u001b|\u0007|\u009b|\u202e/);
    // Blank lines only before a line that starts a block of ours.
    for (const m of markdown.matchAll(/\n\n(.)/g)) expect(m[1]).toMatch(/[<#]/);
  });
});

describe('terminal text', () => {
  it('shows the same facts without HTML, the failures as next steps', () => {
    const text = renderText(reportWith({ doctor: doctorReport(), failures: ['signing failed'] }));
    expect(text).toMatch(/^go-av-guard: 1 problem to fix\n\nWhat to do next:\n1\. Fix: signing failed\n/);
    expect(text).toContain('GOROOT        /usr/local/go');
    expect(text).not.toMatch(/<\/?(table|td|code)>/);
  });

  it('wraps long cells inside their column so rows keep their alignment', () => {
    const report = reportWith({ analysis: { files: [peReport('/work/space/dist/app.exe', 1)] } });
    const text = renderText(report, 80);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toMatch(
      /\nwarning +Unsigned 0 +dist\/app\.exe +Sign with an Authenticode\n +\(GAV-PE-UNSIGNED\)\. Unsigned +certificate and an RFC 3161\n/,
    );
  });

  it('strips terminal escapes (OSC 52 clipboard writes, colours, C1 controls, bidi overrides)', () => {
    const text = renderText(hostileReport());
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain(']52;c;ZWNobyBwd25lZA==');
  });
});
