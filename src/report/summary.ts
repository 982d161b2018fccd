import { escapeHtml, proseHtml, sectionHtml, STATUS_ICON } from './html.js';
import { htmlText } from './inert.js';
import type { Report } from './model.js';
import { headline, nextSteps, reportViews } from './views.js';

/** GitHub refuses a job summary over 1 MiB; stay well under it and leave room for the cut note. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 64 * 1024;

/** Where the reader finds the files behind the summary. */
export interface SummaryLinks {
  /** The workflow artifact holding the JSON report, allowlisting files and public certificate. */
  artifact?: { name: string; url: string };
  /** Where the JSON report is, as prose for the reader (`code` spans allowed). */
  reportFile?: string;
}

/**
 * The job summary for one step, for a reader on GitHub: the verdict and what to do next first, an overview
 * of each capability, then one short section each with the details folded. Sections that would pass the
 * limit are left out whole (never cut in the middle of a table) and a note says where the full report is.
 */
export function renderSummary(report: Report, links: SummaryLinks = {}, limit = SUMMARY_LIMIT_BYTES): string {
  const views = reportViews(report);
  const steps = nextSteps(report, views);
  const verdict = report.failures.length > 0 ? '❌' : steps.length > 0 ? '⚠️' : '✅';
  const top = [
    `<h2>${verdict} ${htmlText(headline(report))}</h2>`,
    steps.length > 0
      ? `<p><strong>What to do next</strong></p>\n<ol>\n${steps.map((s) => `<li>${proseHtml(s)}</li>`).join('\n')}\n</ol>`
      : '<p>Nothing to do.</p>',
    report.notes.length > 0
      ? `<ul>\n${report.notes.map((n) => `<li>${proseHtml(n.message)}</li>`).join('\n')}\n</ul>`
      : '',
    views.length > 0
      ? `<table>\n<tr><th>Check</th><th>Result</th></tr>\n${views
          .map(
            (v) =>
              `<tr><td>${v.status ? `${STATUS_ICON[v.status]} ` : ''}${htmlText(v.title)}</td><td>${proseHtml(v.lead ?? '')}</td></tr>`,
          )
          .join('\n')}\n</table>`
      : '',
    filesLine(links),
  ]
    .filter(Boolean)
    .join('\n');
  let out = `${top}\n\n`;
  // A section that was skipped and has nothing more to show is said in full by its overview row.
  const sections = views
    .filter(
      (v) =>
        !(
          v.status === 'skipped' &&
          v.tables.every((t) => t.rows.length === 0) &&
          v.notes.every((n) => n.level === 'info')
        ),
    )
    .map(sectionHtml);
  for (let i = 0; i < sections.length; i++) {
    const next = `${sections[i]}\n`;
    if (Buffer.byteLength(out + next) > limit) {
      const left = sections.length - i;
      const where = links.artifact
        ? ` The full report is in the ${escapeHtml(links.artifact.name)} artifact.`
        : links.reportFile
          ? ` The full report is in ${proseHtml(links.reportFile)}.`
          : '';
      const cut = `\n<p>ℹ️ This summary was cut at ${Math.round(limit / 1024)} KiB: ${left} section(s) left out.${where}</p>\n`;
      return cutAtRow(out + next, limit - Buffer.byteLength(cut)) + cut;
    }
    out += next;
  }
  return out;
}

function filesLine(links: SummaryLinks): string {
  if (links.artifact)
    return `<p>📦 JSON report, allowlisting files and public certificate: <a href="${escapeHtml(links.artifact.url)}">${htmlText(links.artifact.name)}</a> (workflow artifact).</p>`;
  if (links.reportFile) return `<p>📄 Full report: ${proseHtml(links.reportFile)}.</p>`;
  return '';
}

/** Cuts HTML at the last whole table row that fits, then closes the table (and <details>) it was in. */
function cutAtRow(html: string, maxBytes: number): string {
  const fitting = Buffer.from(html)
    .subarray(0, Math.max(0, maxBytes - 64))
    .toString('utf8');
  const lastRow = fitting.lastIndexOf('</tr>');
  const lastTableEnd = fitting.lastIndexOf('</table>');
  if (lastRow < 0 || lastTableEnd > lastRow) return fitting.slice(0, fitting.lastIndexOf('\n') + 1);
  let cut = `${fitting.slice(0, lastRow + '</tr>'.length)}\n</table>\n`;
  const open = (tag: string): number => cut.split(`<${tag}>`).length - cut.split(`</${tag}>`).length;
  for (let n = open('details'); n > 0; n--) cut += '</details>\n';
  return cut;
}
