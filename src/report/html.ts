import type { Note } from './note.js';
import type { Cell, SectionView, ViewTable } from './view.js';

/**
 * The job summary is GitHub-flavoured Markdown with raw HTML tables, so every value a user or a file
 * could have chosen (paths, threat names, messages) is escaped here and nowhere else.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function cellHtml(value: Cell): string {
  if (typeof value === 'string') return escapeHtml(value).replace(/\r?\n/g, '<br>');
  return value.code === '' ? '' : `<code>${escapeHtml(value.code)}</code>`;
}

function tableHtml(t: ViewTable): string {
  if (t.rows.length === 0) return '';
  const head = `<tr>${t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const row = (r: Cell[]): string => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`;
  const shown = t.fold !== undefined && t.rows.length > t.fold ? t.rows.slice(0, t.fold) : t.rows;
  const caption = t.caption ? `<p><strong>${escapeHtml(t.caption)}</strong></p>\n` : '';
  let html = `${caption}<table>\n${head}\n${shown.map(row).join('\n')}\n</table>\n`;
  if (shown.length < t.rows.length) {
    const rest = t.rows.slice(shown.length);
    html += `<details><summary>${rest.length} more</summary>\n\n<table>\n${head}\n${rest.map(row).join('\n')}\n</table>\n</details>\n`;
  }
  return html;
}

const ICON: Record<Note['level'], string> = { info: 'ℹ️', warning: '⚠️', error: '❌' };

export function notesHtml(notes: Note[]): string {
  if (notes.length === 0) return '';
  return `<ul>\n${notes.map((n) => `<li>${ICON[n.level]} ${cellHtml(n.message)}</li>`).join('\n')}\n</ul>\n`;
}

export function sectionHtml(view: SectionView): string {
  const lead = view.lead ? `<p>${cellHtml(view.lead)}</p>\n` : '';
  return `## ${escapeHtml(view.title)}\n\n${lead}${notesHtml(view.notes)}${view.tables.map(tableHtml).join('\n')}`;
}
