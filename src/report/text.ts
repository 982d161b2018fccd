import { terminalSafe } from './inert.js';
import type { Note } from './note.js';
import type { Cell, SectionView, ViewTable } from './view.js';

/** The CLI's human output: the same section views as the job summary, as plain terminal text. */
const MARK: Record<Note['level'], string> = { info: '-', warning: '!', error: 'x' };

function cellText(value: Cell): string {
  return terminalSafe(typeof value === 'string' ? value : value.code);
}

/** Breaks text into lines of at most `width` characters, at spaces where it can and inside long words where it must. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      let rest = word;
      while (rest.length > width) {
        if (line) out.push(line);
        line = '';
        out.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
      if (!line) line = rest;
      else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
      else {
        out.push(line);
        line = rest;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * A table that fits `width` columns: narrow columns keep their width, the widest ones share what is left,
 * and long cells wrap inside their column instead of pushing the row out of line.
 */
export function tableText(t: ViewTable, width = 100): string {
  if (t.rows.length === 0) return '';
  const rows = [t.headers, ...t.rows.map((r) => r.map(cellText))];
  const gap = 2;
  const natural = t.headers.map((_, i) =>
    Math.max(...rows.flatMap((r) => (r[i] ?? '').split('\n').map((l) => l.length))),
  );
  const widths = [...natural];
  const budget = Math.max(width - gap * (widths.length - 1), widths.length * 8);
  // Shrink the widest column a step at a time until the row fits (no column below 8 characters).
  while (widths.reduce((a, b) => a + b, 0) > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 8) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const line = (r: string[]): string => {
    const cells = widths.map((w, i) => wrap(r[i] ?? '', w));
    const height = Math.max(...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let k = 0; k < height; k++)
      lines.push(
        cells
          .map((c, i) => (c[k] ?? '').padEnd(i === cells.length - 1 ? 0 : (widths[i] ?? 0)))
          .join(' '.repeat(gap))
          .trimEnd(),
      );
    return lines.join('\n');
  };
  const caption = t.caption ? `${t.caption}\n` : '';
  return `${caption}${rows.map(line).join('\n')}\n`;
}

export function sectionText(view: SectionView, width = 100): string {
  const parts = [`== ${view.title} ==`];
  if (view.lead) parts.push(...wrap(terminalSafe(view.lead), width));
  parts.push(
    ...view.tables
      .map((t) => tableText(t, width))
      .filter(Boolean)
      .map((t) => t.trimEnd()),
  );
  for (const n of view.notes) {
    const [first = '', ...more] = wrap(terminalSafe(n.message), width - 2);
    parts.push(`${MARK[n.level]} ${first}`, ...more.map((l) => `  ${l}`));
  }
  return `${parts.join('\n')}\n`;
}
