import { escapeHtml, notesHtml, sectionHtml } from './html.js';
import type { Report } from './model.js';
import { headline, reportViews } from './views.js';

/** GitHub refuses a job summary over 1 MiB; stay well under it and leave room for the cut note. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 64 * 1024;

/**
 * The job summary for one step. Sections that would pass the limit are left out whole (never cut in the
 * middle of a table) and a note says where the full report is.
 */
export function renderSummary(
  report: Report,
  reportPath: string | undefined,
  limit = SUMMARY_LIMIT_BYTES,
): string {
  const top = `# ${escapeHtml(headline(report))}\n\n${notesHtml(report.notes)}`;
  const footer = reportPath ? `\n<sub>Full report: <code>${escapeHtml(reportPath)}</code></sub>\n` : '';
  let out = top;
  const sections = reportViews(report).map(sectionHtml);
  for (let i = 0; i < sections.length; i++) {
    const next = `${sections[i]}\n`;
    if (Buffer.byteLength(out + next + footer) > limit) {
      const left = sections.length - i;
      const where = reportPath
        ? ` The full report is in ${escapeHtml(reportPath)} (step output \`report\`).`
        : '';
      const cut = `\n> [!NOTE]\n> This summary was cut at ${Math.round(limit / 1024)} KiB: ${left} section(s) left out.${where}\n`;
      return cutAtRow(out + next, limit - Buffer.byteLength(cut + footer)) + cut + footer;
    }
    out += next;
  }
  return out + footer;
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
  if (open('details') > 0) cut += '</details>\n';
  return cut;
}
