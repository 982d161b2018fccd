import type { Note } from '../report/note.js';

export interface StampedFile {
  path: string;
  status: 'stamped' | 'skipped' | 'failed';
  /** Why skipped or failed. */
  reason?: string;
  /** What was written: the version resource, the manifest, the icon. */
  added?: Array<'version' | 'manifest' | 'icon'>;
  fileVersion?: string;
  productVersion?: string;
  /** The file carried a signature that stamping removed; signing in this run puts a new one on. */
  signatureDropped?: boolean;
}

export interface StampReport {
  mode: 'auto' | 'true';
  /** Where the version came from: version-info, the release tag, or nowhere (0.0.0). */
  versionSource: 'version-info' | 'release tag' | 'none';
  files: StampedFile[];
  notes: Note[];
}
