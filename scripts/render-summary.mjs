// Renders a job summary (GitHub-flavoured Markdown with HTML tables) to a standalone HTML page styled
// like GitHub's, and, where Chromium is installed, a screenshot of it: the summary must read well.
// Usage: node scripts/render-summary.mjs demo-output/summary.md
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';

const input = process.argv[2] ?? 'demo-output/summary.md';
const markdown = readFileSync(input, 'utf8');
const body = marked.parse(markdown, { gfm: true, async: false });
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>go-av-guard job summary</title>
<style>
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 1100px; margin: 24px auto; padding: 0 24px; }
  h1 { font-size: 22px; border-bottom: 1px solid #d1d9e0; padding-bottom: 8px; }
  h2 { font-size: 18px; border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; margin-top: 28px; }
  table { border-collapse: collapse; margin: 12px 0; display: block; overflow: auto; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 12px; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; font-weight: 600; }
  tr:nth-child(2n) td { background: #f6f8fa; }
  code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: 2px 4px; border-radius: 4px; word-break: break-all; }
  ul { padding-left: 20px; } blockquote { border-left: 4px solid #0969da; margin: 0; padding: 0 12px; color: #59636e; }
</style></head><body>
${body}
</body></html>
`;
const htmlPath = input.replace(/\.md$/, '') + '.html';
writeFileSync(htmlPath, html);
console.log(`Summary page: ${path.resolve(htmlPath)}`);

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((c) =>
  existsSync(c),
);
if (chromium) {
  const png = input.replace(/\.md$/, '') + '.png';
  const profile = path.resolve(path.dirname(input), '.chromium-profile');
  execFileSync(
    chromium,
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
      '--window-size=1200,4000',
      `--screenshot=${path.resolve(png)}`,
      `file://${path.resolve(htmlPath)}`,
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  console.log(`Screenshot:   ${path.resolve(png)}`);
} else {
  console.log('Screenshot:   skipped (no Chromium here; apt-get install chromium to get one)');
}
