import { annotationPath } from './paths.js';
import type { Note } from './note.js';

/**
 * What a report section shows, independent of where it is shown: the job summary (HTML in Markdown) and
 * the CLI's terminal text render the same views, so nothing is formatted twice. Text cells may hold
 * `code` in backticks (advice names commands); renderers turn that into code, never into Markdown.
 */
export type Cell = string | { code: string } | { hash: string } | { artifact: string };

export interface ViewTable {
  caption?: string;
  headers: string[];
  rows: Cell[][];
  /** Rows beyond this many are folded into a further <details> block in the summary. */
  fold?: number;
}

export type SectionStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface SectionView {
  title: string;
  /** One line under the title: the verdict of this section. */
  lead?: string;
  /** How the section went, for the overview at the top of the summary. */
  status?: SectionStatus;
  tables: ViewTable[];
  notes: Note[];
}

export const codeCell = (value: string): Cell => ({ code: value });

/** A hash: shortened in the job summary's tables (the JSON report and SHA256SUMS keep the whole value). */
export const hashCell = (value: string): Cell => (value ? { hash: value } : '');

/**
 * A file the run leaves outside the workspace and uploads in its artifact (report, public certificate):
 * the terminal shows where it is, the job summary its name in the artifact.
 */
export const artifactCell = (file: string, workspace: string): Cell => {
  const shown = annotationPath(file, workspace);
  return shown === file ? { artifact: file } : { code: shown };
};

/** A file as the user knows it: relative to the workspace where it lies inside, else as given. */
export const pathCell = (file: string, workspace: string): Cell => ({
  code: annotationPath(file, workspace),
});

export function yesNo(value: boolean | undefined): string {
  return value === undefined ? 'unknown' : value ? 'yes' : 'no';
}

/** The worst level among notes, as a section status. */
export function statusOf(notes: Note[], fallback: SectionStatus = 'ok'): SectionStatus {
  if (notes.some((n) => n.level === 'error')) return 'error';
  if (notes.some((n) => n.level === 'warning')) return 'warning';
  return fallback;
}

/** "1 file", "3 files". */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}
