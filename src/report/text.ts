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
        // A long path or URL breaks after a separator where it can, else at the width.
        const cut = Math.max(...['/', '\\', '-', '.', '_'].map((c) => rest.lastIndexOf(c, width - 1)));
        const at = cut >= width / 3 ? cut + 1 : width;
        out.push(rest.slice(0, at));
        rest = rest.slice(at);
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
  const longest = t.headers.map((_, i) =>
    Math.max(...rows.flatMap((r) => (r[i] ?? '').split(/\s+/).map((w) => w.length))),
  );
  const widths = [...natural];
  const budget = Math.max(width - gap * (widths.length - 1), widths.length * 8);
  const total = (): number => widths.reduce((a, b) => a + b, 0);
  // First shrink the widest column that can still wrap between words (down to its longest word, at most
  // 30); then break inside words, starting with the column whose words are longest (paths break anyway).
  const passes: Array<{ floor: (i: number) => number; rank: (i: number) => number }> = [
    { floor: (i) => Math.min(30, longest[i] ?? 0), rank: (i) => widths[i] ?? 0 },
    { floor: () => 8, rank: (i) => longest[i] ?? 0 },
  ];
  for (const pass of passes) {
    while (total() > budget) {
      const open = widths.map((_, i) => i).filter((i) => (widths[i] ?? 0) > pass.floor(i));
      if (open.length === 0) break;
      const pick = open.reduce((a, b) => (pass.rank(b) > pass.rank(a) ? b : a));
      widths[pick] = (widths[pick] ?? 0) - 1;
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
