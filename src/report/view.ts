import { annotationPath } from './paths.js';
import type { Note } from './note.js';

/**
 * What a report section shows, independent of where it is shown: the job summary (HTML tables in
 * Markdown) and the CLI's terminal text render the same views, so nothing is formatted twice.
 */
export type Cell = string | { code: string };

export interface ViewTable {
  caption?: string;
  headers: string[];
  rows: Cell[][];
  /** Rows beyond this many are folded into a <details> block in the summary. */
  fold?: number;
}

export interface SectionView {
  title: string;
  /** One line under the title: the verdict of this section. */
  lead?: string;
  tables: ViewTable[];
  notes: Note[];
}

export const codeCell = (value: string): Cell => ({ code: value });

/** A file as the user knows it: relative to the workspace where it lies inside, else as given. */
export const pathCell = (file: string, workspace: string): Cell => ({
  code: annotationPath(file, workspace),
});

export function yesNo(value: boolean | undefined): string {
  return value === undefined ? 'unknown' : value ? 'yes' : 'no';
}
