import { lstatSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeFsError } from './files.js';

/**
 * Each run works in one folder of its own: created fresh by mkdtemp (never a shared, predictable name),
 * owner-only, and checked after creation. Cleanup removes only what lies inside it. On Windows the owner
 * and mode checks do not apply (the temp folder is per user and ACL-protected); the fresh name still does.
 */
export const RUN_FOLDER_PREFIX = 'go-av-guard-';

/** The state key under which the main step records its run folder for the post step. */
export const RUN_FOLDER_STATE = 'run-folder';

/** Where run folders are made: the runner's per-job temp folder, else the OS temp folder (TMPDIR, TEMP). */
export function tempParent(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.RUNNER_TEMP || tmpdir());
}

const currentUid = (): number | undefined =>
  typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Why `folder` is not a private folder of this user, or undefined when it is. */
export async function privateFolderProblem(
  folder: string,
  uid: number | undefined = currentUid(),
): Promise<string | undefined> {
  let info;
  try {
    info = await lstat(folder);
  } catch (error) {
    return `${folder} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  if (info.isSymbolicLink()) return `${folder} is a symbolic link, not a folder`;
  if (!info.isDirectory()) return `${folder} is not a folder`;
  if (uid === undefined) return undefined;
  if (info.uid !== uid) return `${folder} belongs to another user (uid ${info.uid}, this run is uid ${uid})`;
  if ((info.mode & 0o077) !== 0)
    return `${folder} can be read or written by other users (mode ${(info.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * The folder a run folder is made in must not let another user swap it out: it is ours, or others cannot
 * write to it, or it has the sticky bit (like /tmp), so nobody else can rename or delete our entry.
 */
async function parentProblem(parent: string, uid: number | undefined): Promise<string | undefined> {
  let info;
  try {
    info = await lstat(parent);
  } catch (error) {
    return `the temp folder ${parent} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  if (!info.isDirectory()) return `the temp folder ${parent} is not a folder`;
  if (uid === undefined || info.uid === uid) return undefined;
  const othersCanWrite = (info.mode & 0o022) !== 0;
  const sticky = (info.mode & 0o1000) !== 0;
  if (info.uid === 0 && (!othersCanWrite || sticky)) return undefined;
  return `the temp folder ${parent} belongs to another user or lets others replace what is in it (uid ${info.uid}, mode ${(info.mode & 0o7777).toString(8)}); set TMPDIR (or RUNNER_TEMP) to a folder of your own`;
}

/** Creates this run's folder under `parent` (RUNNER_TEMP, or the OS temp folder) and proves it is private. */
export async function createRunFolder(
  parent: string,
  uid: number | undefined = currentUid(),
): Promise<string> {
  const resolved = path.resolve(parent);
  // A temp folder that does not exist yet (a fresh RUNNER_TEMP) is made here, and so is ours.
  if (!(await lstat(resolved).catch(() => undefined)))
    await mkdir(resolved, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw new Error(describeFsError(error, `create the temp folder ${resolved}`), { cause: error });
    });
  const badParent = await parentProblem(resolved, uid);
  if (badParent) throw new Error(badParent);
  let folder: string;
  try {
    folder = await mkdtemp(path.join(resolved, RUN_FOLDER_PREFIX));
  } catch (error) {
    throw new Error(describeFsError(error, `create this run's temp folder in ${resolved}`), { cause: error });
  }
  const problem = await privateFolderProblem(folder, uid);
  if (problem) throw new Error(`this run's temp folder is not private: ${problem}`);
  return folder;
}

/**
 * Checks a run folder read back from saved state: a direct child of `parent` with our prefix, a private
 * folder of this user. Undefined when it may be used; otherwise why not.
 */
export async function runFolderProblem(
  folder: unknown,
  parent: string,
  uid: number | undefined = currentUid(),
): Promise<string | undefined> {
  if (typeof folder !== 'string' || folder === '') return 'no run folder was recorded';
  if (!path.isAbsolute(folder))
    return `the recorded run folder ${JSON.stringify(folder)} is not an absolute path`;
  const normal = path.resolve(folder);
  if (normal !== folder || path.dirname(normal) !== path.resolve(parent))
    return `the recorded run folder ${JSON.stringify(folder)} is not a folder directly in ${parent}`;
  if (!path.basename(normal).startsWith(RUN_FOLDER_PREFIX))
    return `the recorded run folder ${JSON.stringify(folder)} is not named like one this tool creates`;
  return privateFolderProblem(normal, uid);
}

/** Is `target` strictly below `folder` (not the folder itself), by path? */
export function isInside(folder: string, target: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(target));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `work` in a fresh run folder and removes that folder when it ends: normally (finally), or when the
 * process is interrupted (SIGINT, SIGTERM, SIGHUP: `onInterrupt` runs, the folder is removed synchronously,
 * then the signal takes its usual course) or exits early.
 */
export async function withRunFolder<T>(
  parent: string,
  work: (folder: string) => Promise<T>,
  options: { onInterrupt?: () => void } = {},
): Promise<T> {
  const folder = await createRunFolder(parent);
  const removeNow = (): void => {
    try {
      // Only the folder we made: if something swapped it for a link, leave that alone.
      const info = lstatSync(folder, { throwIfNoEntry: false });
      if (info?.isDirectory()) rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort while the process is going away */
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      options.onInterrupt?.();
    } finally {
      removeNow();
      detach();
      process.kill(process.pid, signal);
    }
  };
  const detach = (): void => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', removeNow);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', removeNow);
  try {
    return await work(folder);
  } finally {
    removeNow();
    detach();
  }
}
