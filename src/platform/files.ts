import { constants, type Stats } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveProgram } from './which.js';

/**
 * Finds a program on PATH (PATHEXT on Windows), skipping empty and relative entries, which would mean the
 * current folder: the search of `which.ts`, for callers that are already async. Undefined when absent.
 */
export async function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  return resolveProgram(name, { env, platform });
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** A fresh owner-only folder for secret material (PFX files, keys), under this run's temp dir. */
export async function makePrivateDir(parent: string, prefix: string): Promise<string> {
  try {
    await mkdir(parent, { recursive: true, mode: 0o700 });
    return await mkdtemp(path.join(parent, prefix));
  } catch (error) {
    throw new Error(describeFsError(error, `create a private folder in ${parent}`), { cause: error });
  }
}

export async function removeQuietly(target: string): Promise<string | undefined> {
  try {
    await rm(target, { recursive: true, force: true, maxRetries: 3 });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Names the real cause of a file-system failure in words: a full disk is a full disk, not a key or
 * certificate problem. `doing` completes "could not ...".
 */
export function describeFsError(error: unknown, doing: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full (ENOSPC); free some space and run again',
    EDQUOT: 'the disk quota is used up (EDQUOT); free some space and run again',
    EROFS: 'the file system is read-only (EROFS)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'the operation is not permitted (EPERM)',
    ENOENT: 'it, or a folder on the way, does not exist (ENOENT)',
    ENOTDIR: 'part of the path is a file, not a folder (ENOTDIR)',
    EISDIR: 'it is a folder (EISDIR)',
    ELOOP: 'too many symbolic links (ELOOP)',
    ENAMETOOLONG: 'the path is too long (ENAMETOOLONG)',
    EMFILE: 'too many open files (EMFILE)',
  };
  const reason =
    (code && why[code]) ?? (code ? `${code}` : error instanceof Error ? error.message : String(error));
  return `could not ${doing}: ${reason}`;
}

/** The disk is full (or the quota used up): say so instead of blaming whatever was being written. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

const kindOf = (info: Stats): string =>
  info.isDirectory()
    ? 'a folder'
    : info.isCharacterDevice()
      ? 'a character device'
      : info.isBlockDevice()
        ? 'a block device'
        : info.isFIFO()
          ? 'a named pipe (FIFO)'
          : info.isSocket()
            ? 'a socket'
            : 'not a regular file';

/** Gives up waiting on `work` after `ms` (a stuck network share, a kernel file system that never answers). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ReadLimits {
  /** Default 1 MiB. */
  maxBytes?: number;
  /** Default 30 s. */
  timeoutMs?: number;
}

/**
 * Checks, without reading it, that `file` is a regular file of at most `maxBytes`: what an input naming a
 * certificate or key file must be before anything else is touched. Undefined when fine, else why not.
 */
export async function smallRegularFileProblem(
  file: string,
  maxBytes = 1024 * 1024,
): Promise<string | undefined> {
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    return describeFsError(error, `read ${file}`);
  }
  if (!info.isFile()) return `${file} is ${kindOf(info)}, not a regular file`;
  if (info.size > maxBytes) return `${file} is ${info.size} bytes, more than the ${maxBytes} allowed`;
  return undefined;
}

/**
 * Reads a small regular file (a certificate, a chain, a key list) with a size and time bound: /dev/zero,
 * FIFOs, sockets and folders are refused with a message instead of eating memory or hanging. The file is
 * opened non-blocking (a FIFO swapped in after the check cannot hang the open) and checked again through
 * the open handle, so what is read is the regular file that was checked.
 */
export async function readSmallRegularFile(
  file: string,
  maxBytesOrLimits: number | ReadLimits = {},
): Promise<Buffer> {
  const limits = typeof maxBytesOrLimits === 'number' ? { maxBytes: maxBytesOrLimits } : maxBytesOrLimits;
  const maxBytes = limits.maxBytes ?? 1024 * 1024;
  const problem = await smallRegularFileProblem(file, maxBytes);
  if (problem) throw new Error(problem);
  return withTimeout(readBounded(file, maxBytes), limits.timeoutMs ?? 30_000, `reading ${file}`);
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${file} is ${kindOf(info)}, not a regular file`);
    if (info.size > maxBytes) throw new Error(`${file} is larger than ${maxBytes} bytes`);
    // Chunks sized to the file, not to the limit: a large limit costs nothing for a small file.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(info.size - total, 0) + 1, 1024 * 1024));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new Error(`${file} is larger than ${maxBytes} bytes`);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * Makes sure an output folder exists and takes a file, before any work that would be lost without it.
 * Creates missing folders one level at a time: Node's recursive mkdir loops forever under /proc (a parent
 * that exists but refuses children with ENOENT). Bounded in time. Undefined when fine, else why not.
 */
export async function writableFolderProblem(dir: string, timeoutMs = 30_000): Promise<string | undefined> {
  try {
    await withTimeout(createFolderAndProbe(path.resolve(dir)), timeoutMs, `checking ${dir}`);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function createFolderAndProbe(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new Error(describeFsError(error, `use ${dir}`), { cause: error });
    });
    if (info) {
      if (!info.isDirectory()) throw new Error(`could not use ${dir}: ${at} is ${kindOf(info)}`);
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new Error(
          `could not create ${dir}: ${path.dirname(folder)} does not accept new folders (ENOENT)`,
          {
            cause: error,
          },
        );
      if (code !== 'EEXIST') throw new Error(describeFsError(error, `create ${dir}`), { cause: error });
    }
  }
  const probe = path.join(dir, `.go-av-guard-probe-${process.pid}-${Date.now()}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    throw new Error(describeFsError(error, `write into ${dir}`), { cause: error });
  }
  await rm(probe, { force: true });
}
