import { chmod, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StampConfig } from '../config.js';
import { readSnapshot, replaceIfUnchanged, type FileSnapshot } from '../platform/replace.js';
import { info, warning } from '../report/note.js';
import type { StampedFile, StampReport } from './types.js';
import type { VersionInfoInput } from './versioninfo.js';

export type { StampReport, StampedFile } from './types.js';

export interface StampContext {
  /** Files signing will sign anew in this same run: a signed one among them may lose its signature here. */
  willSign: ReadonlySet<string>;
  /** Signed files stay as they are (skip-signed / append-signature): skipped, not refused. */
  keepSigned?: boolean;
}

/** The version the stamp writes: version-info first, else the release tag (v1.2.3), else none. */
export function effectiveVersion(config: StampConfig): {
  version: VersionInfoInput;
  source: StampReport['versionSource'];
} {
  const { fileVersion, productVersion } = config.version;
  if (fileVersion || productVersion) return { version: config.version, source: 'version-info' };
  if (config.releaseTag)
    return {
      version: { ...config.version, fileVersion: config.releaseTag, productVersion: config.releaseTag },
      source: 'release tag',
    };
  return { version: config.version, source: 'none' };
}

/**
 * Writes the version resource and manifest Go's linker leaves out into each file (stamp: auto only into
 * files without a version resource). Runs before signing: stamping changes the bytes a signature covers,
 * so a signed file is stamped only when this run signs it again. Each file is written to a temp copy
 * beside it and renamed over it only if it is still the file that was read; a failure leaves it as it was.
 */
export async function stampFiles(
  files: readonly string[],
  config: StampConfig,
  ctx: StampContext,
): Promise<StampReport> {
  const mode = config.mode === 'true' ? 'true' : 'auto';
  const { version, source } = effectiveVersion(config);
  const report: StampReport = { mode, versionSource: source, files: [], notes: [] };
  if (source === 'none')
    report.notes.push(
      warning(
        'stamp: no FileVersion in version-info and no release tag, so the version resource says 0.0.0; set version-info or run on a tag',
      ),
    );
  let icon: Uint8Array | undefined;
  if (config.iconPath) {
    try {
      icon = await readFile(config.iconPath);
    } catch (error) {
      report.notes.push(warning(`stamp: cannot read the icon ${config.iconPath}: ${errorCode(error)}`));
    }
  }
  // resedit and pe-library (~270 KB) load only when a run stamps: signing alone starts faster without them.
  const pe = await import('./pe.js');
  for (const file of files) report.files.push(await stampOne(file, { mode, version, icon }, ctx, pe));
  const stamped = report.files.filter((f) => f.status === 'stamped').length;
  report.notes.push(info(`stamp: ${stamped} of ${files.length} file(s) stamped.`));
  return report;
}

async function stampOne(
  file: string,
  options: { mode: 'auto' | 'true'; version: VersionInfoInput; icon: Uint8Array | undefined },
  ctx: StampContext,
  { readResourceFacts, stampImage }: typeof import('./pe.js'),
): Promise<StampedFile> {
  const failed = (reason: string): StampedFile => ({ path: file, status: 'failed', reason });
  let snapshot: FileSnapshot;
  let original: Buffer;
  try {
    ({ snapshot, bytes: original } = await readSnapshot(file));
  } catch (error) {
    return failed(`cannot read it: ${errorCode(error)}`);
  }
  const facts = readResourceFacts(original);
  if (!facts) return failed('not a PE file resedit can read');
  if (options.mode === 'auto' && facts.versionInfo)
    return { path: file, status: 'skipped', reason: 'it already has a version resource (stamp: auto)' };
  const resign = ctx.willSign.has(path.resolve(file));
  if (facts.signed && !resign && ctx.keepSigned)
    return {
      path: file,
      status: 'skipped',
      reason: 'it is signed, and skip-signed / append-signature keep signed files as they are',
    };
  if (facts.signed && !resign)
    return failed(
      'it is signed and stamping would remove the signature; stamp it before signing, or add it to `sign` so this run signs it again',
    );
  const outcome = stampImage(original, {
    version: options.version,
    fileName: path.basename(file),
    ...(options.icon ? { icon: options.icon } : {}),
    replaceVersion: options.mode === 'true',
    dropSignature: resign,
  });
  if (!outcome.ok)
    return outcome.reason.startsWith('it already has')
      ? { path: file, status: 'skipped', reason: outcome.reason }
      : failed(outcome.reason);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.go-av-guard-stamp-${process.pid}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(outcome.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, (await stat(file)).mode & 0o7777);
    const replaced = await replaceIfUnchanged(snapshot, temp);
    if (!replaced.ok) return failed(replaced.message);
  } catch (error) {
    return failed(`cannot write the stamped copy: ${errorCode(error)}`);
  } finally {
    await rm(temp, { force: true });
  }
  return {
    path: file,
    status: 'stamped',
    added: outcome.added,
    ...(outcome.added.includes('version')
      ? {
          fileVersion: options.version.fileVersion ?? options.version.productVersion ?? '0.0.0',
          productVersion: options.version.productVersion ?? options.version.fileVersion ?? '0.0.0',
        }
      : {}),
    ...(facts.signed ? { signatureDropped: true } : {}),
  };
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
