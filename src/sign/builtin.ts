import { availableParallelism } from 'node:os';
import type { Digest } from '../config.js';
import type { Progress } from '../progress.js';
import {
  assemblePe,
  preparePe,
  signatureTable,
  signedSize,
  type PreparedPe,
  type SignatureTable,
} from './authenticode/engine.js';
import { BufferPool } from '../platform/bufferpool.js';
import type { FileIdentity } from '../platform/replace.js';
import type { TimestampService } from './authenticode/tsa.js';
import { verifyPe, type FileVerdict, type TrustOptions } from './authenticode/verify.js';
import type { SigningKey } from './keys/types.js';
import {
  readPooled,
  replaceWith,
  sha256,
  type PooledRead,
  type Target,
  type TempRecorder,
} from './target.js';
import type { FileVerification, SignedFile } from './types.js';

/** What every backend's job carries besides the key or tool. */
export interface JobCommon {
  skipSigned: boolean;
  appendSignature: boolean;
  signerSubject: string;
  selfSigned: boolean;
  timestamps?: TimestampService;
  trust: TrustOptions;
  temps?: TempRecorder;
  progress?: Progress;
}

export interface BuiltinJob extends JobCommon {
  key: SigningKey;
  digest: Digest;
  description?: string;
  descriptionUrl?: string;
  /** Bytes of files held in memory at once (default 512 MiB; one file larger than that still goes alone). */
  memoryBudget?: number;
}

/**
 * Signs files with the in-process engine. CPU work (hashing, signing, verifying) runs at most one per core;
 * signing and timestamp requests are not limited by that, so every file can wait on its server at once.
 * Bytes are held only while a file is read and hashed or written, in buffers reused from file to file, and
 * within a memory budget, so a run of many large files does not hold them all.
 */
export async function signWithEngine(targets: readonly Target[], job: BuiltinJob): Promise<SignedFile[]> {
  const cores = availableParallelism();
  const limits: Limits = {
    cpu: new Semaphore(cores),
    memory: new Semaphore(job.memoryBudget ?? 512 * 1024 * 1024),
    // A buffer per core, and one per file being written meanwhile.
    pool: new BufferPool(2 * cores),
  };
  const signing = new Semaphore(job.key.maxConcurrency ?? Number.MAX_SAFE_INTEGER);
  // The key's own limit on signatures at once (remote services keep it small).
  const key: SigningKey = {
    ...job.key,
    signDigest: (digest, algorithm) => signing.with(1, () => job.key.signDigest(digest, algorithm)),
    ...(job.key.signData
      ? {
          signData: (data: Uint8Array, algorithm: Digest) =>
            signing.with(1, () => job.key.signData!(data, algorithm)),
        }
      : {}),
  };
  return Promise.all(
    targets.map(async (t) => {
      const started = Date.now();
      // One file's unexpected error (a read that fails midway, memory) is that file's failure, not the run's.
      const result =
        'refused' in t
          ? failed(t.path, t.refused)
          : await signOne(t, { ...job, key }, limits).catch((error: unknown) =>
              failed(t.path, error instanceof Error ? error.message : String(error)),
            );
      job.progress?.({
        kind: 'file',
        capability: 'sign',
        path: t.path,
        ok: result.status !== 'failed',
        verdict:
          result.status === 'failed'
            ? `failed: ${result.reason ?? ''}`
            : result.status === 'skipped'
              ? `skipped: ${result.reason ?? ''}`
              : 'signed and verified',
        durationMs: Date.now() - started,
      });
      return result;
    }),
  );
}

const failed = (file: string, reason: string, extra: Partial<SignedFile> = {}): SignedFile => ({
  path: file,
  status: 'failed',
  reason,
  ...extra,
});

interface Limits {
  cpu: Semaphore;
  memory: Semaphore;
  pool: BufferPool;
}

/**
 * One file in three steps. Only the first and the last hold its bytes, each under a CPU slot: read, check the
 * signature already there and hash the image; then sign and timestamp with no bytes held, so every file can
 * wait on the network at once in flat memory; then read the file again into the same kind of buffer, check
 * it is the file that was hashed, build the signed file in place, verify it and replace the original.
 */
async function signOne(
  { path: file, target, size }: Extract<Target, { target: string }>,
  job: BuiltinJob,
  limits: Limits,
): Promise<SignedFile> {
  const holding = async <T>(size: number, work: () => Promise<T>): Promise<T> =>
    limits.memory.with(Math.min(size, job.memoryBudget ?? 512 * 1024 * 1024), () => limits.cpu.with(1, work));
  const first = await holding(size, () => prepare(target, job, limits.pool));
  if ('result' in first) return { path: file, ...first.result };
  const { prepared, identity, existing } = first;

  let server: string | undefined;
  let signature: SignatureTable;
  try {
    signature = await signatureTable(prepared, job.key, {
      digest: job.digest,
      ...(job.description ? { description: job.description } : {}),
      ...(job.descriptionUrl ? { descriptionUrl: job.descriptionUrl } : {}),
      ...(job.timestamps
        ? {
            timestamp: async (value: Buffer, digest: Digest) => {
              const stamped = await (job.timestamps as TimestampService).stamp(value, digest);
              server = stamped.server;
              return stamped.token;
            },
          }
        : {}),
    });
    // Refused here, before the file is read again, when the signed file would pass 4 GiB.
    signedSize(prepared, signature);
  } catch (error) {
    return failed(file, error instanceof Error ? error.message : String(error));
  }

  const built = await holding(size, () => assemble(target, identity, prepared, signature, job, limits.pool));
  if ('refused' in built)
    return failed(file, built.refused, built.verification ? { verification: built.verification } : {});
  let replaced;
  try {
    replaced = await replaceWith(built.read, built.bytes, job.temps);
  } finally {
    limits.pool.give(built.read.buffer);
  }
  if (!replaced.ok) return failed(file, replaced.message);
  const notes =
    existing.signed && !existing.intact ? { reason: `replaced a broken signature (${existing.detail})` } : {};
  const ours = built.verdict.signatures[signature.index];
  return {
    path: file,
    status: 'signed',
    sha256: replaced.sha256,
    signer: job.signerSubject,
    ...(server ? { timestampServer: server } : {}),
    ...(ours?.timestamp?.time ? { timestampTime: ours.timestamp.time } : {}),
    verification: built.verification,
    signatureIndex: signature.index,
    ...notes,
  };
}

type Prepared =
  | { prepared: PreparedPe; identity: FileIdentity; existing: FileVerdict }
  | { result: Omit<SignedFile, 'path'> };

/** Step one: read, judge the signature already there, and hash the image that will be signed. */
async function prepare(target: string, job: BuiltinJob, pool: BufferPool): Promise<Prepared> {
  const read = await readPooled(target, pool, (size) => size);
  if ('refused' in read) return { result: { status: 'failed', reason: read.refused } };
  try {
    const existing = await verifyPe(read.bytes, job.trust);
    if (existing.signed && existing.intact && job.skipSigned && !job.appendSignature) {
      const count = existing.signatures.length;
      return {
        result: {
          status: 'skipped',
          reason: `already signed (${count} intact signature${count === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
          sha256: sha256(read.bytes),
          verification: toVerification(existing, existing.signatures.length - 1),
        },
      };
    }
    // A broken or junk signature is replaced, never nested under nor counted as "already signed".
    const append = job.appendSignature && existing.signed && existing.intact;
    const prepared = await preparePe(read.bytes, { digest: job.digest, append });
    return { prepared, identity: read.snapshot, existing };
  } catch (error) {
    return { result: { status: 'failed', reason: error instanceof Error ? error.message : String(error) } };
  } finally {
    pool.give(read.buffer);
  }
}

type Assembled =
  | { read: PooledRead; bytes: Buffer; verdict: FileVerdict; verification: FileVerification }
  | { refused: string; verification?: FileVerification };

/**
 * Step three: the file again, unchanged since step one, made the signed file in its own buffer and verified
 * there. On success the caller owns `read.buffer` (written out, then given back to the pool).
 */
async function assemble(
  target: string,
  identity: FileIdentity,
  prepared: PreparedPe,
  signature: SignatureTable,
  job: BuiltinJob,
  pool: BufferPool,
): Promise<Assembled> {
  const read = await readPooled(
    target,
    pool,
    (size) => Math.max(size, signedSize(prepared, signature)),
    identity,
  );
  if ('refused' in read) return read;
  let keep = false;
  try {
    const bytes = assemblePe(read.buffer, prepared, signature);
    // The image was hashed in step one; its fingerprint shows these are the same bytes (a change under us,
    // or a slip in building the file, would not match), so verifying need not hash them a second time.
    const verdict = await verifyPe(bytes, job.trust, {
      digest: job.digest,
      hash: prepared.imageHash,
      fingerprint: prepared.imageFingerprint,
    });
    const ours = verdict.signatures[signature.index];
    const verification = toVerification(verdict, signature.index);
    if (!ours?.intact) return { refused: `verification failed: ${verification.detail}`, verification };
    if (ours.digest !== job.digest)
      return {
        refused: `verification failed: the signature uses ${ours.digest ?? 'an unknown digest'}`,
        verification,
      };
    keep = true;
    return { read, bytes, verdict, verification };
  } finally {
    if (!keep) pool.give(read.buffer);
  }
}

/** The report's shape of one signature's verdict. */
export function toVerification(verdict: FileVerdict, index: number): FileVerification {
  const s = verdict.signatures[index] ?? verdict.signatures[0];
  return {
    ok: Boolean(s?.intact),
    chainTrusted: Boolean(s?.trusted),
    ...(s?.digest ? { digest: s.digest } : {}),
    timestamped: Boolean(s?.timestamp?.intact),
    ...(s?.timestamp ? { timestampTrusted: s.timestamp.trusted } : {}),
    detail: verdict.detail,
  };
}

/** A counting semaphore: `with(n, work)` runs work once n units are free. */
export class Semaphore {
  private waiting: Array<() => void> = [];
  private used = 0;

  constructor(private readonly capacity: number) {}

  async acquire(units: number): Promise<void> {
    const n = Math.min(units, this.capacity);
    while (this.used > 0 && this.used + n > this.capacity)
      await new Promise<void>((r) => this.waiting.push(r));
    this.used += n;
  }

  release(units: number): void {
    this.used -= Math.min(units, this.capacity);
    const wake = this.waiting;
    this.waiting = [];
    for (const resume of wake) resume();
  }

  async with<T>(units: number, work: () => T | Promise<T>): Promise<T> {
    await this.acquire(units);
    try {
      return await work();
    } finally {
      this.release(units);
    }
  }
}
