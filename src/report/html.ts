import { htmlBreakable, htmlText, oneLine } from './inert.js';
import type { Note } from './note.js';
import type { Cell, SectionStatus, SectionView, ViewTable } from './view.js';

/**
 * The job summary is GitHub-flavoured Markdown in which every value is written as HTML: GitHub renders no
 * Markdown inside an HTML block, so nothing here relies on it. Untrusted text goes through `htmlText` (and
 * nowhere else), which also keeps line breaks from ending an HTML block.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Prose with `code` spans (advice naming commands): the spans become <code>, everything is escaped. */
export function proseHtml(text: string): string {
  const parts = text.split('`');
  // Parts at odd indices were between backticks; with an odd number of backticks the last one is unpaired.
  const paired = parts.length % 2 === 1 ? parts.length : parts.length - 1;
  return parts
    .map((part, i) => {
      if (i % 2 === 1 && i < paired) return `<code>${htmlBreakable(part)}</code>`;
      return htmlBreakable(i % 2 === 1 ? `\`${part}` : part);
    })
    .join('');
}

/** Characters of a hash shown in tables: enough to tell files apart and to find the full value. */
export const SHORT_HASH = 12;

function cellHtml(value: Cell): string {
  if (typeof value === 'string') return proseHtml(value);
  if ('artifact' in value)
    return `<code>${htmlBreakable(value.artifact.split(/[\\/]/).pop() ?? '')}</code> (in the go-av-guard artifact)`;
  if ('hash' in value) return `<code>${htmlText(value.hash.slice(0, SHORT_HASH))}…</code>`;
  return value.code === '' ? '' : `<code>${htmlBreakable(value.code)}</code>`;
}

function rowsHtml(t: ViewTable, rows: Cell[][]): string {
  const head = `<tr>${t.headers.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr>`;
  const row = (r: Cell[]): string => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`;
  return `<table>\n${head}\n${rows.map(row).join('\n')}\n</table>\n`;
}

export function tableHtml(t: ViewTable): string {
  if (t.rows.length === 0) return '';
  const shown = t.fold !== undefined && t.rows.length > t.fold ? t.rows.slice(0, t.fold) : t.rows;
  const caption = t.caption ? `<p><strong>${htmlText(t.caption)}</strong></p>\n` : '';
  let html = `${caption}${rowsHtml(t, shown)}`;
  if (shown.length < t.rows.length) {
    const rest = t.rows.slice(shown.length);
    html += `<details><summary>${rest.length} more</summary>\n${rowsHtml(t, rest)}</details>\n`;
  }
  return html;
}

const ICON: Record<Note['level'], string> = { info: 'ℹ️', warning: '⚠️', error: '❌' };
export const STATUS_ICON: Record<SectionStatus, string> = {
  ok: '✅',
  warning: '⚠️',
  error: '❌',
  skipped: '➖',
};

export function notesHtml(notes: Note[]): string {
  if (notes.length === 0) return '';
  return `<ul>\n${notes.map((n) => `<li>${ICON[n.level]} ${proseHtml(n.message)}</li>`).join('\n')}\n</ul>\n`;
}

/**
 * One capability: a heading, its verdict, warnings and errors in view, and the rest (facts, tables,
 * informational notes) folded into <details>.
 */
export function sectionHtml(view: SectionView): string {
  const icon = view.status ? `${STATUS_ICON[view.status]} ` : '';
  const lead = view.lead ? `<p>${icon}${proseHtml(view.lead)}</p>\n` : '';
  const loud = view.notes.filter((n) => n.level !== 'info');
  const quiet = view.notes.filter((n) => n.level === 'info');
  const tables = view.tables.map(tableHtml).filter(Boolean);
  const details =
    tables.length > 0 || quiet.length > 0
      ? `<details><summary>Details</summary>\n${notesHtml(quiet)}${tables.join('')}</details>\n`
      : '';
  return `## ${htmlText(oneLine(view.title))}\n\n${lead}${notesHtml(loud)}${details}`;
}
