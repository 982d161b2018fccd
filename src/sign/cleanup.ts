import { removeQuietly } from '../platform/files.js';
import { readJsonState, writeJsonState } from '../platform/state.js';
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
  const current = readJsonState(deps.state, SIGNING_CLEANUP_STATE, EMPTY);
  writeJsonState(deps.state, SIGNING_CLEANUP_STATE, {
    paths: [...new Set([...(current.paths ?? []), ...(add.paths ?? [])])],
    thumbprints: [...new Set([...(current.thumbprints ?? []), ...(add.thumbprints ?? [])])],
  });
}

/** Drops entries that are gone (or were never this run's to remove). */
export function forgetForCleanup(deps: Pick<Deps, 'state'>, drop: Partial<SigningCleanup>): void {
  const current = readJsonState(deps.state, SIGNING_CLEANUP_STATE, EMPTY);
  const without = (list: string[] | undefined, gone: string[] | undefined): string[] =>
    (list ?? []).filter((x) => !(gone ?? []).includes(x));
  writeJsonState(deps.state, SIGNING_CLEANUP_STATE, {
    paths: without(current.paths, drop.paths),
    thumbprints: without(current.thumbprints, drop.thumbprints),
  });
}

/**
 * Removes the temp secret files and (Windows) the certificates this run imported. Runs at the end of
 * signFiles and again in the post step, which matters when the main step was killed. Never throws:
 * what could not be removed stays recorded and comes back as a warning.
 */
export async function cleanupSigning(deps: Deps): Promise<Note[]> {
  const notes: Note[] = [];
  try {
    const recorded = readJsonState(deps.state, SIGNING_CLEANUP_STATE, EMPTY);
    const left: SigningCleanup = { paths: [], thumbprints: [] };
    for (const target of recorded.paths ?? []) {
      const problem = await removeQuietly(target);
      if (problem) {
        left.paths.push(target);
        notes.push(
          warning(`sign cleanup: could not remove temporary secret ${target}: ${problem}; delete it by hand`),
        );
      }
    }
    const thumbprints = recorded.thumbprints ?? [];
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
