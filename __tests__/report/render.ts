import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectPage, summaryPage } from '../../scripts/render-summary.mjs';

/** Renders a summary as GitHub-flavoured Markdown, opens it in headless Chromium at 1000 px, and inspects it. */
export function inspectSummary(markdown: string, dir: string): ReturnType<typeof inspectPage> {
  const page = path.join(dir, 'summary.html');
  writeFileSync(page, summaryPage(markdown));
  return inspectPage(page, 1000);
}
