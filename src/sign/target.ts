import { createHash, randomBytes } from 'node:crypto';
import { lstat, open, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { constants, fstatSync, type Stats } from 'node:fs';
import type { BufferPool } from '../platform/bufferpool.js';
import { chunksOf, readFully, writeFully } from '../platform/chunked.js';
import type { FileIdentity, FileSnapshot } from '../platform/replace.js';
import {
  changedWhileSigning,
  deletedWhileSigning,
  identityOf,
  replaceIfUnchanged,
  sameIdentity,
} from '../platform/replace.js';

/**
 * Which file a matched path stands for, and the rules around replacing it: a symlink is signed at its
 * target only when the target lies inside the workspace (or a root the caller names); a file with several
 * hard links is refused, since a replacement would leave the other names pointing at the unsigned bytes.
 */
/** A file to sign (`target` is its real path; `size` as listed, for the memory budget), or why not. */
export type Target = { path: string; target: string; size: number } | { path: string; refused: string };

export async function resolveTargets(files: readonly string[], roots: readonly string[]): Promise<Target[]> {
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => path.resolve(r))));
  // Every file looked up at once (a round trip each through the thread pool), then judged in order.
  const resolved = await Promise.all(files.map(resolveOne));
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const [i, file] of files.entries()) {
    const found = resolved[i] as Awaited<ReturnType<typeof resolveOne>>;
    if ('refused' in found) {
      out.push({ path: file, refused: found.refused });
      continue;
    }
    const { target, link, size } = found;
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
    out.push({ path: file, target, size });
  }
  return out;
}

async function resolveOne(
  file: string,
): Promise<{ target: string; link: boolean; size: number } | { refused: string }> {
  try {
    const [target, info] = await Promise.all([realpath(file), lstat(file)]);
    const link = info.isSymbolicLink();
    const size = link
      ? await stat(target).then(
          (s) => s.size,
          () => 0,
        )
      : info.size;
    return { target, link, size };
  } catch (error) {
    return { refused: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}

const isInside = (file: string, root: string): boolean => {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

/** A file read whole for signing, with what a replacement is checked against. */
export interface ReadFile {
  bytes: Buffer;
  /** The file as read; with a hash, the content is compared again before it is replaced. */
  snapshot: FileIdentity | FileSnapshot;
}

/** A file read into a buffer of its own, with the hash of the bytes read. */
export interface HashedRead extends ReadFile {
  snapshot: FileSnapshot;
}

/** Why a file must not be signed (not a file, read-only, hard links), or undefined when it may be. */
function refusal(info: Stats): string | undefined {
  if (!info.isFile()) return 'not a regular file';
  // Checked by mode bits, not access(): root may write anyway, and a read-only file says "do not change me".
  if ((info.mode & 0o200) === 0)
    return 'the file is read-only; make it writable (chmod u+w, or attrib -r on Windows) before signing';
  // The certificate table's offset is 32 bits: Authenticode cannot sign past 4 GiB.
  if (info.size >= 2 ** 32) return 'the file is larger than 4 GiB, more than Authenticode can sign';
  if (info.nlink > 1)
    return `the file has ${info.nlink} hard links; signing replaces it, which would leave the other names unsigned. Copy it (cp --no-preserve=links) or sign each name separately`;
  return undefined;
}

/** Reads `target` for signing into a new buffer, with the hash of the bytes read, or says why not. */
export async function readForSigning(target: string): Promise<HashedRead | { refused: string }> {
  const read = await readIdentified(target, (size) => Buffer.allocUnsafeSlow(Math.max(size, 1)));
  if ('refused' in read) return read;
  const bytes = read.buffer.subarray(0, read.identity.size);
  return { bytes, snapshot: { ...read.identity, sha256: sha256(bytes) } };
}

/** A file read into a buffer from a pool: give `buffer` back once `bytes` are no longer needed. */
export interface PooledRead extends ReadFile {
  snapshot: FileIdentity;
  /** The pooled buffer `bytes` is a view of. */
  buffer: Buffer;
}

/**
 * Reads `target` into a pooled buffer of at least `capacity` bytes (room to build the signed file in place).
 * With `expected`, the file must still be that one (a second read of a file signed meanwhile).
 */
export async function readPooled(
  target: string,
  pool: BufferPool,
  capacity: (size: number) => number,
  expected?: FileIdentity,
): Promise<PooledRead | { refused: string }> {
  const read = await readIdentified(target, (size) => pool.take(capacity(size)), expected);
  if ('refused' in read) return read;
  return {
    buffer: read.buffer,
    bytes: read.buffer.subarray(0, read.identity.size),
    snapshot: read.identity,
  };
}

/** One handle: identity, the whole content, and the identity again (a file written meanwhile is refused). */
async function readIdentified(
  target: string,
  allocate: (size: number) => Buffer,
  expected?: FileIdentity,
): Promise<{ buffer: Buffer; identity: FileIdentity } | { refused: string }> {
  let handle;
  try {
    // Non-blocking, so a FIFO or device in the file's place is refused below instead of hanging the open.
    handle = await open(target, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      refused:
        expected && code === 'ENOENT'
          ? deletedWhileSigning(target)
          : `cannot read the file: ${code ?? String(error)}`,
    };
  }
  try {
    // Synchronous, as the metadata calls in platform/replace.ts are (microseconds; the thread pool costs more).
    const info = fstatSync(handle.fd);
    const refused = refusal(info);
    if (refused) return { refused };
    const identity = identityOf(target, info);
    if (expected && !sameIdentity(identity, expected)) return { refused: changedWhileSigning(target) };
    const buffer = allocate(identity.size);
    const read = await readFully(handle, buffer, identity.size);
    if (read !== identity.size || !sameIdentity(identityOf(target, fstatSync(handle.fd)), identity))
      return { refused: changedWhileSigning(target) };
    return { buffer, identity };
  } finally {
    await handle.close();
  }
}

/** SHA-256 of bytes in memory: `createHash` in one call (WebCrypto's `subtle.digest` copies, 2-8x the CPU). */
export function sha256(bytes: Buffer): string {
  const hash = createHash('sha256');
  for (const chunk of chunksOf(bytes)) hash.update(chunk);
  return hash.digest('hex');
}

export interface TempRecorder {
  record(paths: string[]): void;
  forget(paths: string[]): void;
}

/**
 * Writes `bytes` beside the file and renames it over the original only if the original is still the one
 * read. Returns the SHA-256 of the bytes written, or why nothing was replaced (the new content stays).
 * The caller may reuse `bytes` once this returns.
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
  let renamed = false;
  try {
    // Owner-only until renamed; replaceIfUnchanged gives it the original's permissions less set-id bits.
    await writeNew(temp, bytes);
    const outcome = await replaceIfUnchanged(read.snapshot, temp);
    if (!outcome.ok) return { ok: false, message: outcome.message };
    renamed = true;
    return { ok: true, sha256: sha256(bytes) };
  } catch (error) {
    return {
      ok: false,
      message: `could not write the signed file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    };
  } finally {
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
    temps?.forget([temp]);
  }
}

/**
 * Creates `file` (it must not exist) owner-only and writes `bytes` in as few calls as the system takes:
 * fs.promises.writeFile writes in 512 KiB pieces, a round trip through the thread pool for each.
 */
async function writeNew(file: string, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await writeFully(handle, bytes);
  } finally {
    await handle.close();
  }
}
