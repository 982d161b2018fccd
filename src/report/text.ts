import type { Note } from './note.js';
import type { Cell, SectionView, ViewTable } from './view.js';

/** The CLI's human output: the same section views as the job summary, as plain terminal text. */
const MARK: Record<Note['level'], string> = { info: '-', warning: '!', error: 'x' };

function cellText(value: Cell): string {
  return (typeof value === 'string' ? value : value.code).replace(/\r?\n/g, ' / ');
}

function tableText(t: ViewTable): string {
  if (t.rows.length === 0) return '';
  const rows = [t.headers, ...t.rows.map((r) => r.map(cellText))];
  const widths = t.headers.map((_, i) => Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const caption = t.caption ? `${t.caption}\n` : '';
  return `${caption}${rows.map(line).join('\n')}\n`;
}

export function sectionText(view: SectionView): string {
  const parts = [`== ${view.title} ==`];
  if (view.lead) parts.push(view.lead);
  parts.push(
    ...view.tables
      .map(tableText)
      .filter(Boolean)
      .map((t) => t.trimEnd()),
  );
  parts.push(...view.notes.map((n) => `${MARK[n.level]} ${n.message}`));
  return `${parts.join('\n')}\n`;
}
