import { constants, fstatSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { identityOf, sameIdentity } from '../platform/replace.js';
import type { Progress } from '../progress.js';
import { readAnchors } from './authenticode/anchors.js';
import { verifyPeFile, type FileVerdict, type TrustOptions } from './authenticode/verify.js';
import { systemBundle } from './trust.js';

/** One file's verification for `go-av-guard verify`. */
export interface VerifiedFile extends FileVerdict {
  path: string;
  /** Whether the file passes: intact (and trusted, with --require-trusted). */
  ok: boolean;
  /** Why not, in a few words. */
  reason?: string;
}

export interface VerifyFilesOptions {
  requireTrusted: boolean;
  /** Extra anchor files (PEM) besides the system bundle: a private CA, a test TSA. */
  caFiles: string[];
  env: NodeJS.ProcessEnv;
  progress?: Progress;
}

/** Verifies each file in process; a file that cannot be read, is unsigned or broken does not pass. */
export async function verifyFiles(files: readonly string[], o: VerifyFilesOptions): Promise<VerifiedFile[]> {
  const anchors = readAnchors([
    await systemBundle(o.env),
    ...(await Promise.all(o.caFiles.map((f) => readFile(f, 'utf8')))),
  ]);
  const out: VerifiedFile[] = [];
  for (const file of files) {
    const started = Date.now();
    let result: VerifiedFile;
    try {
      const verdict = await verifyOnDisk(file, { anchors });
      const ok = verdict.intact && (!o.requireTrusted || verdict.trusted);
      const reason = !verdict.signed
        ? 'not signed'
        : !verdict.intact
          ? verdict.detail
          : ok
            ? undefined
            : `not trusted: ${verdict.detail}`;
      result = { path: file, ...verdict, ok, ...(reason ? { reason } : {}) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = `cannot read the file: ${code ?? (error instanceof Error ? error.message : String(error))}`;
      result = {
        path: file,
        signed: false,
        signatures: [],
        intact: false,
        trusted: false,
        detail: reason,
        ok: false,
        reason,
      };
    }
    o.progress?.({
      kind: 'file',
      capability: 'verify',
      path: file,
      ok: result.ok,
      verdict: result.ok
        ? result.trusted
          ? 'intact, trusted'
          : 'intact, not trusted'
        : (result.reason ?? 'failed'),
      durationMs: Date.now() - started,
    });
    out.push(result);
  }
  return out;
}

/** One file's verdict; throws when it cannot be read, is not a regular file, or changes while it is read. */
async function verifyOnDisk(file: string, trust: TrustOptions): Promise<FileVerdict> {
  // Non-blocking, so a FIFO in the file's place is refused below instead of hanging the open.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const before = fstatSync(handle.fd);
    if (!before.isFile()) throw new Error('not a regular file');
    const verdict = await verifyPeFile(handle, before.size, trust);
    if (!sameIdentity(identityOf(file, fstatSync(handle.fd)), identityOf(file, before)))
      throw new Error('it changed while being verified; verify it again once it is written');
    return verdict;
  } finally {
    await handle.close();
  }
}

/** One line per file: "OK" or "FAILED", the path relative to `cwd`, and the verdict. */
export function renderVerifyText(results: readonly VerifiedFile[], cwd: string): string {
  // File names and certificate names are untrusted: no control character reaches the terminal.
  const clean = (text: string): string => [...text].map((c) => (/\p{Cc}/u.test(c) ? '?' : c)).join('');
  return results
    .map(
      (r) =>
        `${r.ok ? 'OK    ' : 'FAILED'}  ${clean(path.relative(cwd, r.path) || r.path)}: ${clean(r.ok ? r.detail : (r.reason ?? r.detail))}`,
    )
    .join('\n')
    .concat('\n');
}
