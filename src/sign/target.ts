import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, open, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileSnapshot } from '../platform/replace.js';
import { replaceIfUnchanged } from '../platform/replace.js';

/**
 * Which file a matched path stands for, and the rules around replacing it: a symlink is signed at its
 * target only when the target lies inside the workspace (or a root the caller names); a file with several
 * hard links is refused, since a replacement would leave the other names pointing at the unsigned bytes.
 */
export type Target = { path: string; target: string } | { path: string; refused: string };

export async function resolveTargets(files: readonly string[], roots: readonly string[]): Promise<Target[]> {
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => path.resolve(r))));
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const file of files) {
    let target: string;
    try {
      target = await realpath(file);
    } catch (error) {
      out.push({
        path: file,
        refused: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      });
      continue;
    }
    const link = (await lstat(file).catch(() => undefined))?.isSymbolicLink() ?? false;
    if (link && !realRoots.some((root) => isInside(target, root))) {
      out.push({
        path: file,
        refused: `is a symbolic link to ${target}, outside the workspace; sign that file where it lives, or copy it into the workspace`,
      });
      continue;
    }
    // A symlink and its target (or two links to one file) are one file to sign: the first path stands for it.
    if (seen.has(target)) continue;
    seen.add(target);
    out.push({ path: file, target });
  }
  return out;
}

const isInside = (file: string, root: string): boolean => {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

/** A file read whole for signing, with the snapshot a replacement is checked against. */
export interface ReadFile {
  bytes: Buffer;
  snapshot: FileSnapshot;
  mode: number;
}

/** Reads `target` for signing, or says why it must not be signed (not a file, read-only, hard links). */
export async function readForSigning(target: string): Promise<ReadFile | { refused: string }> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) return { refused: `cannot read the file: ${info.code ?? String(info)}` };
  if (!info.isFile()) return { refused: 'not a regular file' };
  // Checked by mode bits, not access(): root may write anyway, and a read-only file says "do not change me".
  if ((info.mode & 0o200) === 0)
    return {
      refused: 'the file is read-only; make it writable (chmod u+w, or attrib -r on Windows) before signing',
    };
  if (info.nlink > 1) {
    return {
      refused: `the file has ${info.nlink} hard links; signing replaces it, which would leave the other names unsigned. Copy it (cp --no-preserve=links) or sign each name separately`,
    };
  }
  const handle = await open(target, 'r');
  try {
    const fstat = await handle.stat();
    const bytes = await handle.readFile();
    return {
      bytes,
      mode: fstat.mode,
      snapshot: {
        path: target,
        dev: fstat.dev,
        ino: fstat.ino,
        size: bytes.length,
        mtimeMs: fstat.mtimeMs,
        nlink: fstat.nlink,
        mode: fstat.mode,
        uid: fstat.uid,
        gid: fstat.gid,
        sha256: sha256(bytes),
      },
    };
  } finally {
    await handle.close();
  }
}

/**
 * SHA-256 of bytes already in memory. `createHash` in one call, not WebCrypto's `subtle.digest`: in Node 24 that
 * copies the buffer and costs 2-8x the CPU (measured on 2 MB files: 40 digests 55 ms vs 130-470 ms).
 */
function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface TempRecorder {
  record(paths: string[]): void;
  forget(paths: string[]): void;
}

/**
 * Writes `bytes` beside the file and renames it over the original only if the original is still the one
 * read. Returns the SHA-256 of the bytes written, or why nothing was replaced (the new content stays).
 */
export async function replaceWith(
  read: ReadFile,
  bytes: Buffer,
  temps?: TempRecorder,
): Promise<{ ok: true; sha256: string } | { ok: false; message: string }> {
  const target = read.snapshot.path;
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(4).toString('hex')}.signed${path.extname(target)}`,
  );
  temps?.record([temp]);
  try {
    await writeFile(temp, bytes, { mode: 0o600, flag: 'wx' });
    // The permissions the file had, less set-id bits: a signed copy must not gain or keep privileges.
    await chmod(temp, read.mode & 0o777);
    const outcome = await replaceIfUnchanged(read.snapshot, temp);
    if (!outcome.ok) return { ok: false, message: outcome.message };
    // The hash of the temp file as read back from disk just before the rename: the bytes now at the path.
    return { ok: true, sha256: outcome.written.sha256 };
  } catch (error) {
    return {
      ok: false,
      message: `could not write the signed file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    };
  } finally {
    await rm(temp, { force: true }).catch(() => undefined);
    temps?.forget([temp]);
  }
}
