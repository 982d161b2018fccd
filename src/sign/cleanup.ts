import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { removeQuietly } from '../platform/files.js';
import {
  isInside,
  privateFolderProblem,
  RUN_FOLDER_STATE,
  runFolderProblem,
  tempParent,
} from '../platform/runfolder.js';
import { readJsonState, writeJsonState, type StateStore } from '../platform/state.js';
import { warning, type Note } from '../report/note.js';
import type { Deps } from '../deps.js';
import { removeCertificates } from './store.js';

/** Where signFiles records what the post step must remove: temp secret folders and imported certificates. */
export const SIGNING_CLEANUP_STATE = 'go-av-guard.sign.cleanup';

export interface SigningCleanup {
  /** Owner-only folders/files holding keys or PFX copies. */
  paths: string[];
  /** Certificates this run imported into CurrentUser\My (Windows). */
  thumbprints: string[];
}

const EMPTY: SigningCleanup = { paths: [], thumbprints: [] };

/** Recorded before the secret exists, so a step killed half-way still leaves the post step a complete list. */
export function recordForCleanup(deps: Pick<Deps, 'state'>, add: Partial<SigningCleanup>): void {
  const current = recordedByUs(deps);
  saveCleanup(deps, {
    paths: [...new Set([...current.paths, ...(add.paths ?? [])])],
    thumbprints: [...new Set([...current.thumbprints, ...(add.thumbprints ?? [])])],
  });
}

/** Drops entries that are gone (or were never this run's to remove). */
export function forgetForCleanup(deps: Pick<Deps, 'state'>, drop: Partial<SigningCleanup>): void {
  const current = recordedByUs(deps);
  const without = (list: string[] | undefined, gone: string[] | undefined): string[] =>
    (list ?? []).filter((x) => !(gone ?? []).includes(x));
  saveCleanup(deps, {
    paths: without(current.paths, drop.paths),
    thumbprints: without(current.thumbprints, drop.thumbprints),
  });
}

/**
 * What this process last saved, by store: while the store still holds exactly that text, the list is read
 * back as saved, not parsed and checked again (signing records and forgets a temp file per file).
 */
const saved = new WeakMap<StateStore, { text: string; list: SigningCleanup }>();

function recordedByUs(deps: Pick<Deps, 'state'>): SigningCleanup {
  const last = saved.get(deps.state);
  if (last && deps.state.get(SIGNING_CLEANUP_STATE) === last.text) return last.list;
  return readSigningCleanup(deps).recorded;
}

function saveCleanup(deps: Pick<Deps, 'state'>, list: SigningCleanup): void {
  writeJsonState(deps.state, SIGNING_CLEANUP_STATE, list);
  saved.set(deps.state, { text: deps.state.get(SIGNING_CLEANUP_STATE), list });
}

/** The temp copies signing writes beside a binary: `.<name>.<random hex>.signed<ext>` (`.signing<ext>` for signtool, `.stamped<ext>`). */
export const SIGNING_TEMP_NAME = /^\..+\.[0-9a-f]{8,}\.(signed|signing|stamped)(\.[^./\\]+)?$/;

/** mkdtemp's folders for secrets: `sign-` and six random characters. */
const PRIVATE_DIR_NAME = /^sign-[A-Za-z0-9]{6}$/;

const THUMBPRINT = /^[0-9A-F]{40}$/;

/**
 * Reads the recorded list as data that may have been tampered with: only arrays of strings count, paths
 * must be absolute and normalized, thumbprints 40 hex digits. Everything else is reported, never used.
 */
export function readSigningCleanup(deps: Pick<Deps, 'state'>): {
  recorded: SigningCleanup;
  rejected: string[];
} {
  const raw = readJsonState<unknown>(deps.state, SIGNING_CLEANUP_STATE, EMPTY);
  const rejected: string[] = [];
  const recorded: SigningCleanup = { paths: [], thumbprints: [] };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    rejected.push(`the saved cleanup list is not an object (${describe(raw)})`);
    return { recorded, rejected };
  }
  const { paths, thumbprints } = raw as Record<string, unknown>;
  const list = (value: unknown, name: string): unknown[] => {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    rejected.push(`the saved ${name} are not a list (${describe(value)})`);
    return [];
  };
  for (const p of list(paths, 'paths')) {
    if (typeof p === 'string' && path.isAbsolute(p) && path.resolve(p) === p && path.parse(p).root !== p)
      recorded.paths.push(p);
    else rejected.push(`the saved path ${describe(p)} is not an absolute path below a root`);
  }
  for (const t of list(thumbprints, 'thumbprints')) {
    if (typeof t === 'string' && THUMBPRINT.test(t)) recorded.thumbprints.push(t);
    else rejected.push(`the saved thumbprint ${describe(t)} is not 40 hexadecimal digits`);
  }
  return { recorded, rejected };
}

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * May cleanup remove `target`? Only what this run made: anything below its run folder (reached without
 * passing through a symbolic link), a signing temp copy beside a binary (a plain file with that name), or,
 * when no run folder is known, an owner-only `sign-XXXXXX` folder of this user. Undefined: remove it;
 * 'gone': nothing to do; otherwise why it is left alone.
 */
async function removalProblem(
  target: string,
  runFolder: string | undefined | false,
): Promise<string | undefined | 'gone'> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return 'gone';
  if (SIGNING_TEMP_NAME.test(path.basename(target)) && info.isFile()) return undefined;
  if (runFolder) {
    const realFolder = await realpath(runFolder).catch(() => undefined);
    const realParent = await realpath(path.dirname(target)).catch(() => undefined);
    if (realFolder && realParent && isInside(realFolder, path.join(realParent, path.basename(target))))
      return undefined;
    return `it is not inside this run's folder ${runFolder}`;
  }
  if (runFolder === false) return "this run's folder is unknown, so only signing temp files are removed";
  if (PRIVATE_DIR_NAME.test(path.basename(target)) && !(await privateFolderProblem(target))) return undefined;
  return 'it is neither a signing temp file nor a private folder this run created';
}

/**
 * This run's folder as recorded in state, if it passes the checks; undefined when none was recorded (signing
 * called on its own); false, with a warning, when one was recorded but fails: then nothing but signing temp
 * copies is removed.
 */
async function recordedRunFolder(
  deps: Pick<Deps, 'state' | 'env'>,
  notes: Note[],
): Promise<string | undefined | false> {
  const folder = deps.state.get(RUN_FOLDER_STATE);
  if (!folder) return undefined;
  const problem = await runFolderProblem(folder, tempParent(deps.env));
  if (!problem) return folder;
  notes.push(warning(`sign cleanup: the saved run folder was not used: ${problem}`));
  return false;
}

/**
 * Removes the temp secret files and (Windows) the certificates this run imported. Runs at the end of
 * signFiles and again in the post step, which matters when the main step was killed. The saved list is
 * checked first (see readSigningCleanup and removalProblem): a crafted or damaged list removes nothing
 * outside this run's own files, and each refusal is a warning. Never throws: what could not be removed
 * stays recorded and comes back as a warning.
 */
export async function cleanupSigning(
  deps: Deps,
  options: {
    /** The state came from another process (the post step): without a valid run folder, only temp copies go. */
    savedState?: boolean;
  } = {},
): Promise<Note[]> {
  const notes: Note[] = [];
  try {
    const { recorded, rejected } = readSigningCleanup(deps);
    for (const why of rejected) notes.push(warning(`sign cleanup: left alone: ${why}`));
    const recordedFolder = await recordedRunFolder(deps, notes);
    const runFolder = recordedFolder === undefined && options.savedState ? false : recordedFolder;
    const left: SigningCleanup = { paths: [], thumbprints: [] };
    for (const target of new Set(recorded.paths)) {
      const problem = await removalProblem(target, runFolder);
      if (problem === 'gone') continue;
      if (problem) {
        notes.push(warning(`sign cleanup: left ${target} alone: ${problem}`));
        continue;
      }
      const failure = await removeQuietly(target);
      if (failure) {
        left.paths.push(target);
        notes.push(
          warning(`sign cleanup: could not remove temporary secret ${target}: ${failure}; delete it by hand`),
        );
      }
    }
    const thumbprints = [...new Set(recorded.thumbprints)];
    if (thumbprints.length > 0 && deps.platform === 'win32') {
      try {
        // A certificate already gone from the store counts as removed: nothing is left to clean. One that
        // failed stays recorded, so a later post step (or run) tries again.
        const { failed } = await removeCertificates(deps.run, thumbprints);
        for (const { thumbprint, reason } of failed) {
          if (!left.thumbprints.includes(thumbprint)) left.thumbprints.push(thumbprint);
          notes.push(
            warning(
              `sign cleanup: could not remove the imported certificate ${thumbprint} from CurrentUser\\My: ${reason}`,
            ),
          );
        }
      } catch (error) {
        left.thumbprints.push(...thumbprints);
        notes.push(
          warning(
            `sign cleanup: could not remove the imported certificate(s) ${thumbprints.join(', ')} from CurrentUser\\My: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      }
    }
    writeJsonState(deps.state, SIGNING_CLEANUP_STATE, left);
  } catch (error) {
    notes.push(warning(`sign cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  return notes;
}
