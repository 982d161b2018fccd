import { createHash } from 'node:crypto';
import { chmodSync, chownSync, constants, fstatSync, lstatSync, type Stats } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { IO_CHUNK } from './chunked.js';

// Metadata calls (lstat, fstat, chmod) are synchronous: on a local disk each takes microseconds, where a round
// trip through the thread pool costs ~40 µs and, on a 2-core runner, wakes a thread that preempts the hashing
// of other files. Opening, reading, writing and renaming stay asynchronous: those are where disks and
// antivirus filters make a call wait. (On Windows an lstat opens the file for its attributes only; a filter
// that held that up would slow the run, not change its outcome.)

/**
 * What a file was when we read it; a replacement goes ahead only while the file is still this. The change
 * time is part of it: writing a file, or setting its modification time back, moves its ctime, which no
 * ordinary program can set.
 */
export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  nlink: number;
  /** Permission bits and owner, carried over to the replacement. */
  mode: number;
  uid: number;
  gid: number;
}

/** An identity with the hash of the bytes read: a replacement then also checks the content again. */
export interface FileSnapshot extends FileIdentity {
  sha256: string;
}

/** The identity fields of an fstat/stat result. */
export function identityOf(file: string, info: Stats): FileIdentity {
  return {
    path: file,
    dev: info.dev,
    ino: info.ino,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ctimeMs: info.ctimeMs,
    nlink: info.nlink,
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
  };
}

/** Whether two identities name the same, unchanged file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs
  );
}

/**
 * Reads `file` once through one handle: identity, size, time and the hash of exactly those bytes. A symbolic
 * link is refused (the caller decides whether its target may be signed, and snapshots the target), as is
 * anything that is not a regular file.
 */
export async function snapshotFile(file: string): Promise<FileSnapshot> {
  return (await readNoFollow(file, false)).snapshot;
}

/** The snapshot and the very bytes it hashes, from one read: for a caller that rewrites the file. */
export async function readSnapshot(file: string): Promise<{ snapshot: FileSnapshot; bytes: Buffer }> {
  const { snapshot, bytes } = await readNoFollow(file, true);
  return { snapshot, bytes: bytes as Buffer };
}

async function readNoFollow(
  file: string,
  keep: boolean,
): Promise<{ snapshot: FileSnapshot; bytes?: Buffer }> {
  const noFollow = constants.O_NOFOLLOW ?? 0;
  if (!noFollow && lstatSync(file).isSymbolicLink()) throw symlinkError(file);
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkError(file);
    throw error;
  }
  try {
    const info = fstatSync(handle.fd);
    if (!info.isFile()) throw new Error(`${file} is not a regular file`);
    const hash = createHash('sha256');
    // Kept: the whole file. Otherwise one chunk reused, not zero-filled (every byte hashed is one just read)
    // and no larger than the file, so memory stays flat however large the file is.
    const buffer = Buffer.allocUnsafe(Math.max(1, keep ? info.size : Math.min(1024 * 1024, info.size)));
    let position = 0;
    for (;;) {
      const at = keep ? position : 0;
      if (at >= buffer.length) break; // kept: the whole file, as fstat saw it
      const { bytesRead } = await handle.read(buffer, at, Math.min(buffer.length - at, IO_CHUNK), position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(at, at + bytesRead));
      position += bytesRead;
    }
    const snapshot = { ...identityOf(file, info), sha256: hash.digest('hex') };
    return keep ? { snapshot, bytes: buffer.subarray(0, position) } : { snapshot };
  } finally {
    await handle.close();
  }
}

/** The identity of `file` itself; a symbolic link in its place is refused, as `snapshotFile` does. */
function statNoFollow(file: string): FileIdentity {
  const info = lstatSync(file);
  if (info.isSymbolicLink()) throw symlinkError(file);
  if (!info.isFile()) throw new Error(`${file} is not a regular file`);
  return identityOf(file, info);
}

const symlinkError = (file: string): Error =>
  new Error(`${file} is a symbolic link; it is replaced only through the file it points to`);

export type ReplaceOutcome =
  | { ok: true; /** The file now at the path (the replacement's identity). */ written: FileIdentity }
  | { ok: false; changed: boolean; message: string };

export interface ReplaceOptions {
  /** How long a rename refused by a sharing violation is retried (Windows); default 10 s. */
  retryForMs?: number;
  platform?: NodeJS.Platform;
  /** Seams for tests. */
  rename?: (from: string, to: string) => Promise<void>;
  wait?: (ms: number) => Promise<void>;
  uid?: number | undefined;
}

/**
 * On Windows a file that real-time scanning, the indexer or a backup agent has open cannot be renamed over
 * for a moment: the rename fails with EPERM, EBUSY or EACCES. Go's own robustio retries these for the same
 * reason. Elsewhere these codes mean what they say and are not retried.
 */
const TRANSIENT_ON_WINDOWS = new Set(['EPERM', 'EBUSY', 'EACCES']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Renames `temp` over `snapshot.path` only if the file is still the one read (identity, size, times, and
 * the hash when the snapshot has one, checked again just before each rename attempt). Otherwise nothing is
 * replaced and the message says the file changed: the new content stays, and a file deleted meanwhile is
 * not brought back. A file with several hard links, or owned by another user, is refused rather than split
 * from its other names or handed to a new owner. The replacement gets the original's permission bits (without setuid/setgid) and,
 * when this process may, its owner. Never throws; `temp` is left for the caller to remove on failure.
 */
export async function replaceIfUnchanged(
  snapshot: FileIdentity | FileSnapshot,
  temp: string,
  options: ReplaceOptions = {},
): Promise<ReplaceOutcome> {
  const file = snapshot.path;
  const platform = options.platform ?? process.platform;
  const uid =
    'uid' in options ? options.uid : typeof process.getuid === 'function' ? process.getuid() : undefined;
  const doRename = options.rename ?? rename;
  const wait = options.wait ?? sleep;
  const limitMs = options.retryForMs ?? 10_000;

  if (snapshot.nlink > 1)
    return refused(
      `${file} has ${snapshot.nlink} hard links; replacing it would leave the other ${snapshot.nlink - 1} name(s) pointing at the unsigned bytes. Sign a copy with a single link, or remove the extra links first`,
    );
  if (platform !== 'win32' && uid !== undefined && uid !== 0 && snapshot.uid !== uid)
    return refused(
      `${file} belongs to another user (uid ${snapshot.uid}); replacing it would make this user (uid ${uid}) its owner`,
    );

  let written: FileIdentity;
  try {
    if (platform !== 'win32') {
      chmodSync(temp, snapshot.mode & 0o777);
      if (uid === 0 && (snapshot.uid !== 0 || snapshot.gid !== 0))
        chownSync(temp, snapshot.uid, snapshot.gid);
    }
    written = identityOf(temp, lstatSync(temp));
  } catch (error) {
    return refused(`could not prepare the replacement for ${file}: ${errorText(error)}`);
  }

  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const changed = await changedSince(snapshot);
    if (changed) return { ok: false, changed: true, message: changed };
    try {
      await doRename(temp, file);
      return { ok: true, written: { ...written, path: file } };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const transient = platform === 'win32' && TRANSIENT_ON_WINDOWS.has(code);
      const elapsed = Date.now() - started;
      if (!transient)
        return refused(`could not replace ${file}: ${errorText(error)}; the original is unchanged`);
      if (elapsed >= limitMs)
        return refused(
          `could not replace ${file}: another program kept it open (${code}) for ${Math.round(elapsed / 1000)} s, most likely antivirus or a backup or indexing agent scanning it; the original is unchanged. Exclude the output folder from real-time scanning or run again`,
        );
      // 10 ms, 20, 40, ... up to 500 ms between attempts, never past the limit.
      await wait(Math.min(500, 10 * 2 ** attempt, Math.max(1, limitMs - elapsed)));
    }
  }
}

/** Why the file is no longer the one read, or undefined while it still is. */
async function changedSince(snapshot: FileIdentity | FileSnapshot): Promise<string | undefined> {
  let now: FileIdentity | FileSnapshot;
  try {
    now = 'sha256' in snapshot ? await snapshotFile(snapshot.path) : statNoFollow(snapshot.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return deletedWhileSigning(snapshot.path);
    return `${snapshot.path} changed while it was being signed (${errorText(error)}); it was left as it is`;
  }
  const same =
    sameIdentity(now, snapshot) &&
    (!('sha256' in snapshot) || ('sha256' in now && now.sha256 === snapshot.sha256));
  return same ? undefined : changedWhileSigning(snapshot.path);
}

export const changedWhileSigning = (file: string): string =>
  `${file} changed while it was being signed; the new content was kept, sign it again`;
export const deletedWhileSigning = (file: string): string =>
  `${file} was deleted while it was being signed; nothing was written in its place`;

const refused = (message: string): ReplaceOutcome => ({ ok: false, changed: false, message });

const errorText = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
