import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Digest } from '../config.js';
import type { Progress } from '../progress.js';
import { signPe } from './authenticode/engine.js';
import type { TimestampService } from './authenticode/tsa.js';
import { verifyPe, type FileVerdict, type TrustOptions } from './authenticode/verify.js';
import type { SigningKey } from './keys/types.js';
import { readForSigning, replaceWith, type Target, type TempRecorder } from './target.js';
import type { FileVerification, SignedFile } from './types.js';

/**
 * Signs files with the in-process engine. CPU work (hashing, signing, verifying) runs at most one per core;
 * timestamp requests are not limited by that, so every file can wait on its server at once. Bytes read are
 * bounded by a memory budget, so a run of many large files does not hold them all.
 */
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

export async function signWithEngine(targets: readonly Target[], job: BuiltinJob): Promise<SignedFile[]> {
  const cores = availableParallelism();
  const cpu = new Semaphore(cores);
  // Files between reading and writing, less those waiting on a timestamp server: a few per core keeps
  // allocations (and page faults) low, while every file can still wait on the network at once.
  const active = new Semaphore(4 * cores);
  const memory = new Semaphore(job.memoryBudget ?? 512 * 1024 * 1024);
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
      const result =
        'refused' in t
          ? failed(t.path, t.refused)
          : await signOne(t.path, t.target, { ...job, key }, { cpu, memory, active });
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
  active: Semaphore;
}

async function signOne(file: string, target: string, job: BuiltinJob, limits: Limits): Promise<SignedFile> {
  const size = await stat(target).then(
    (s) => s.size,
    () => 0,
  );
  const weight = Math.min(size, job.memoryBudget ?? 512 * 1024 * 1024);
  return limits.memory.with(weight, async () => {
    await limits.active.acquire(1);
    try {
      return await signHeld(file, target, job, limits);
    } finally {
      limits.active.release(1);
    }
  });
}

/** The work on one file while it holds an `active` slot; the slot is lent out while a timestamp is awaited. */
async function signHeld(file: string, target: string, job: BuiltinJob, limits: Limits): Promise<SignedFile> {
  const read = await readForSigning(target);
  if ('refused' in read) return failed(file, read.refused);
  const existing = await limits.cpu.with(1, () => verifyPe(read.bytes, job.trust));
  if (existing.signed && existing.intact && job.skipSigned && !job.appendSignature) {
    const count = existing.signatures.length;
    return {
      path: file,
      status: 'skipped',
      reason: `already signed (${count} intact signature${count === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
      sha256: read.snapshot.sha256,
      verification: toVerification(existing, existing.signatures.length - 1),
    };
  }
  // A broken or junk signature is replaced, never nested under nor counted as "already signed".
  const append = job.appendSignature && existing.signed && existing.intact;
  let server: string | undefined;
  let signed;
  try {
    signed = await signPe(read.bytes, job.key, {
      digest: job.digest,
      ...(job.description ? { description: job.description } : {}),
      ...(job.descriptionUrl ? { descriptionUrl: job.descriptionUrl } : {}),
      append,
      cpu: (work) => limits.cpu.with(1, work),
      ...(job.timestamps
        ? {
            timestamp: async (signature: Buffer, digest: Digest) => {
              limits.active.release(1);
              let stamped;
              try {
                stamped = await (job.timestamps as TimestampService).stamp(signature, digest);
              } finally {
                await limits.active.acquire(1);
              }
              server = stamped.server;
              return stamped.token;
            },
          }
        : {}),
    });
  } catch (error) {
    return failed(file, error instanceof Error ? error.message : String(error));
  }
  const verdict = await limits.cpu.with(1, () => verifyPe(signed.bytes, job.trust));
  const ours = verdict.signatures[signed.index];
  const verification = toVerification(verdict, signed.index);
  if (!ours?.intact) return failed(file, `verification failed: ${verification.detail}`, { verification });
  if (ours.digest !== job.digest)
    return failed(file, `verification failed: the signature uses ${ours.digest ?? 'an unknown digest'}`, {
      verification,
    });
  const replaced = await replaceWith(read, signed.bytes, job.temps);
  if (!replaced.ok) return failed(file, replaced.message);
  const notes =
    existing.signed && !existing.intact ? { reason: `replaced a broken signature (${existing.detail})` } : {};
  return {
    path: file,
    status: 'signed',
    sha256: replaced.sha256,
    signer: job.signerSubject,
    ...(server ? { timestampServer: server } : {}),
    ...(ours.timestamp?.time ? { timestampTime: ours.timestamp.time } : {}),
    verification,
    signatureIndex: signed.index,
    ...notes,
  };
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
