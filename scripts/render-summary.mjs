// Renders a job summary (GitHub-flavoured Markdown with HTML) to a standalone page styled like GitHub's
// job summary, and, where Chromium is installed, a screenshot of it at 1000 px: the summary must read well.
// Usage: node scripts/render-summary.mjs [demo-output/summary.md] [--width 1000]
// The tests import summaryPage() and inspectPage() to check overflow and stray Markdown in a real browser.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';

// The rules of GitHub's .markdown-body that decide widths: tables are blocks as wide as their content, at
// most the column, and scroll sideways inside themselves when a cell cannot wrap (a long word or <code>).
const CSS = `
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; padding: 16px 24px; }
  h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; } h1 { font-size: 2em; } h2 { font-size: 1.5em; }
  table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; margin: 0 0 16px; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
  th { font-weight: 600; } tr:nth-child(2n) { background: #f6f8fa; }
  code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; white-space: break-spaces; }
  details { margin: 0 0 16px; } summary { cursor: pointer; }
`;

// With #inspect in the URL: opens every <details>, then records what overflows and any raw Markdown left.
const INSPECT = `
if (location.hash === '#open') addEventListener('load', () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
});
if (location.hash === '#inspect') addEventListener('load', () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const overflow = [document.documentElement, ...document.querySelectorAll('table, pre, p, li, h1, h2, h3')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth + ': ' + e.textContent.slice(0, 80));
  const text = document.body.innerText;
  const out = document.createElement('pre');
  out.id = 'inspection';
  out.textContent = JSON.stringify({
    overflow,
    backticks: (text.match(/\`/g) || []).length,
    markdown: (text.match(/\\*\\*|^#{1,6} |\\]\\(|!\\[/gm) || []),
    images: [...document.images].map((i) => i.getAttribute('src')),
    links: [...document.links].map((a) => a.getAttribute('href')),
    headings: [...document.querySelectorAll('h1, h2, h3, h4')].map((h) => h.textContent),
    width: document.documentElement.clientWidth,
  });
  document.body.append(out);
});`;

export function summaryPage(markdown) {
  const body = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>go-av-guard job summary</title>
<style>${CSS}</style><script>${INSPECT}</script></head><body>
${body}
</body></html>
`;
}

export function findChromium() {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((c) =>
    existsSync(c),
  );
}

function chromium(args, url) {
  const browser = findChromium();
  if (!browser) throw new Error('Chromium is not installed (apt-get install chromium)');
  const profile = mkdtempSync(path.join(tmpdir(), 'summary-chromium-'));
  try {
    return execFileSync(
      browser,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--hide-scrollbars',
        ...args,
        url,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads the page in headless Chromium at `width` px with every <details> open; returns what it found. */
export function inspectPage(htmlPath, width = 1000) {
  const dom = chromium(
    [`--window-size=${width},2000`, '--virtual-time-budget=5000', '--dump-dom'],
    `file://${path.resolve(htmlPath)}#inspect`,
  );
  const match = /<pre id="inspection">([^<]*)<\/pre>/.exec(dom);
  if (!match) throw new Error('the page did not report its inspection');
  const json = match[1]
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return JSON.parse(json);
}

/** A PNG of the page as a reader first sees it (details closed; `open` opens them), `width` px wide. */
export function screenshot(htmlPath, pngPath, { width = 1000, height = 2400, open = false } = {}) {
  chromium(
    [
      `--window-size=${width},${height}`,
      '--virtual-time-budget=3000',
      `--screenshot=${path.resolve(pngPath)}`,
    ],
    `file://${path.resolve(htmlPath)}${open ? '#open' : ''}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const w = args.indexOf('--width');
  const width = w >= 0 ? Number(args[w + 1]) : 1000;
  const input =
    args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--width') ?? 'demo-output/summary.md';
  const htmlPath = input.replace(/\.md$/, '') + '.html';
  writeFileSync(htmlPath, summaryPage(readFileSync(input, 'utf8')));
  console.log(`Summary page: ${path.resolve(htmlPath)}`);
  if (findChromium()) {
    const png = input.replace(/\.md$/, '') + '.png';
    const opened = input.replace(/\.md$/, '') + '-open.png';
    screenshot(htmlPath, png, { width });
    screenshot(htmlPath, opened, { width, height: 5000, open: true });
    console.log(
      `Screenshots:  ${path.resolve(png)}, ${path.resolve(opened)} (details open; ${width} px wide)`,
    );
  } else {
    console.log('Screenshot:   skipped (no Chromium here; apt-get install chromium to get one)');
  }
}
