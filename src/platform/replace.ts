import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, rename } from 'node:fs/promises';

/** What a file was when we read it; a replacement goes ahead only while the file is still this. */
export interface FileSnapshot {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  nlink: number;
  sha256: string;
}

export async function snapshotFile(file: string): Promise<FileSnapshot> {
  const info = await lstat(file);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return {
    path: file,
    dev: info.dev,
    ino: info.ino,
    size: info.size,
    mtimeMs: info.mtimeMs,
    nlink: info.nlink,
    sha256: hash.digest('hex'),
  };
}

export type ReplaceOutcome = { ok: true } | { ok: false; changed: boolean; message: string };

/**
 * Renames `temp` over `snapshot.path` only if the file is still the one snapshotted (identity, size,
 * time, hash). Provisional: issue 12 hardens it (Windows sharing violations retried, tests).
 */
export async function replaceIfUnchanged(snapshot: FileSnapshot, temp: string): Promise<ReplaceOutcome> {
  let now: FileSnapshot;
  try {
    now = await snapshotFile(snapshot.path);
  } catch {
    return { ok: false, changed: true, message: `${snapshot.path} disappeared while it was being signed` };
  }
  const same =
    now.dev === snapshot.dev &&
    now.ino === snapshot.ino &&
    now.size === snapshot.size &&
    now.mtimeMs === snapshot.mtimeMs &&
    now.sha256 === snapshot.sha256;
  if (!same)
    return {
      ok: false,
      changed: true,
      message: `${snapshot.path} changed while it was being signed; the new content was kept, sign it again`,
    };
  try {
    await rename(temp, snapshot.path);
    return { ok: true };
  } catch (error) {
    return { ok: false, changed: false, message: `could not replace ${snapshot.path}: ${String(error)}` };
  }
}
