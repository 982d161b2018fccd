import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../config.js';
import { inspectPe } from './pe.js';
import type { RetryPolicy } from './retry.js';
import type { Signer } from './signer.js';
import { timestampWithFailover } from './timestamp.js';
import type { SignedFile } from './types.js';

export interface FileJob {
  signer: Signer;
  timestampUrls: readonly string[];
  retry: RetryPolicy;
  digest: Digest;
  skipSigned: boolean;
  appendSignature: boolean;
  signerSubject: string;
  selfSigned: boolean;
  wait?: (ms: number) => Promise<void>;
  /**
   * Records temp files for the post step before they exist, and forgets them once removed, so a main step
   * killed half-way does not leave `.name.xxxx.signed.exe` copies next to the user's binaries.
   */
  temps?: { record(paths: string[]): void; forget(paths: string[]): void };
}

/** A permanent signing failure inside the timestamp loop: stops every server at once. */
class SigningFailed extends Error {}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Signs one file atomically: sign into a temp file next to it, timestamp into another, verify, and only
 * then rename over the original. Any failure leaves the original byte-for-byte as it was. A symlink is
 * followed: the file it points to is signed (temp files sit next to that one) and the link stays a link.
 */
export async function signFile(file: string, job: FileJob): Promise<SignedFile> {
  const failed = (reason: string, extra: Partial<SignedFile> = {}): SignedFile => ({
    path: file,
    status: 'failed',
    reason,
    ...extra,
  });
  let target: string;
  let mode: number;
  try {
    target = await realpath(file);
    mode = (await stat(target)).mode;
  } catch (error) {
    return failed(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // Checked by mode bits, not access(): root may write anyway, and a read-only file says "do not change me".
  if ((mode & 0o200) === 0)
    return failed(
      'the file is read-only; make it writable (chmod u+w, or attrib -r on Windows) before signing',
    );
  let pe;
  try {
    pe = await inspectPe(target);
  } catch (error) {
    return failed(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (pe.kind === 'invalid') return failed(pe.reason);
  if (pe.signed && job.skipSigned && !job.appendSignature) {
    return {
      path: file,
      status: 'skipped',
      reason: `already signed (${pe.signatureCount} signature${pe.signatureCount === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
      sha256: await sha256File(target),
    };
  }
  const nest = pe.signed && job.appendSignature;
  const index = nest ? pe.signatureCount : 0;
  const stem = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}`);
  const ext = path.extname(target);
  const signedTemp = `${stem}.signed${ext}`;
  const stampedTemp = `${stem}.stamped${ext}`;
  const temps = [signedTemp, stampedTemp];
  job.temps?.record(temps);
  try {
    const signer = job.signer;
    let signedReady = false;
    const signOnce = async (): Promise<void> => {
      if (signedReady) return;
      const signed = await signer.sign(target, signedTemp, nest);
      if (!signed.ok) throw new SigningFailed(signed.message);
      signedReady = true;
    };
    let result = signedTemp;
    let timestampServer: string | undefined;
    if (job.timestampUrls.length === 0) {
      await signOnce();
    } else {
      let first = true;
      const stamped = await timestampWithFailover(
        job.timestampUrls,
        job.retry,
        async (url) => {
          if (first && signer.signAndTimestamp) {
            first = false;
            const outcome = await signer.signAndTimestamp(target, stampedTemp, nest, url);
            if (!outcome.ok && outcome.signFailed) throw new SigningFailed(outcome.message);
            return outcome;
          }
          first = false;
          await signOnce();
          return signer.timestamp(signedTemp, stampedTemp, url, index);
        },
        job.wait,
      );
      if (!stamped.ok) return failed(stamped.message);
      result = stamped.file;
      timestampServer = stamped.server;
    }
    const verification = await job.signer.verify(result, {
      index,
      digest: job.digest,
      timestamped: job.timestampUrls.length > 0,
      selfSigned: job.selfSigned,
      ...(timestampServer ? { timestampServer } : {}),
    });
    if (!verification.ok) return failed(`verification failed: ${verification.detail}`, { verification });
    await chmod(result, mode & 0o7777);
    const sha256 = await sha256File(result);
    await rename(result, target);
    return {
      path: file,
      status: 'signed',
      sha256,
      signer: job.signerSubject,
      ...(timestampServer ? { timestampServer } : {}),
      ...(verification.timestampTime ? { timestampTime: verification.timestampTime } : {}),
      verification,
      signatureIndex: index,
    };
  } catch (error) {
    if (error instanceof SigningFailed) return failed(error.message);
    return failed(`signing stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    const gone: string[] = [];
    for (const temp of temps) {
      try {
        await rm(temp, { force: true });
        gone.push(temp);
      } catch {
        // Stays recorded: the post step tries again.
      }
    }
    job.temps?.forget(gone);
  }
}
