import { terminalSafe } from './inert.js';
import type { Note } from './note.js';
import type { Cell, SectionView, ViewTable } from './view.js';

/** The CLI's human output: the same section views as the job summary, as plain terminal text. */
const MARK: Record<Note['level'], string> = { info: '-', warning: '!', error: 'x' };

function cellText(value: Cell): string {
  if (typeof value === 'string') return terminalSafe(value);
  return terminalSafe('code' in value ? value.code : 'hash' in value ? value.hash : value.artifact);
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
  // A column would rather not break inside a word (a path, a hash): its longest word is its preferred minimum.
  const longestWord = t.headers.map((_, i) =>
    Math.min(24, Math.max(...rows.flatMap((r) => (r[i] ?? '').split(/[\s]+/).map((w) => w.length)))),
  );
  const widths = [...natural];
  const budget = Math.max(width - gap * (widths.length - 1), widths.length * 8);
  const total = (): number => widths.reduce((a, b) => a + b, 0);
  // Shrink the widest column that can still wrap between words, a step at a time, until the row fits;
  // only then break inside words (no column below 8 characters).
  for (const floor of [longestWord, widths.map(() => 8)]) {
    while (total() > budget) {
      const candidates = widths.map((w, i) => (w > (floor[i] ?? 8) ? w : -1));
      const widest = candidates.indexOf(Math.max(...candidates));
      if ((candidates[widest] ?? -1) < 0) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
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
