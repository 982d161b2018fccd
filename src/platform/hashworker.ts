import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * Hashing on a second thread. Signing a file hashes it three times (the image hash it signs, the image hash
 * that verifies it, the SHA-256 in the report) and sums it once (the PE checksum): on the main thread, which
 * also runs the timestamp requests, the CMS and the file I/O, that was about a third of the work. The worker
 * reads byte ranges of a buffer in shared memory (no copy) and answers digests, so both cores work at once.
 * Where no worker can start, the same work runs on the calling thread.
 */

/** One digest over `ranges` of the buffer, then `zeros` zero bytes (the padding a signer adds). */
export interface DigestJob {
  algorithm: string;
  ranges: ReadonlyArray<readonly [number, number]>;
  zeros?: number;
}

/** Whatever computes digests of byte ranges: a `HashWorker`, or `digestsHere` on the calling thread. */
export type Digester = (bytes: Buffer, jobs: readonly DigestJob[]) => Promise<Buffer[]>;

export const digestsHere: Digester = async (bytes, jobs) => jobs.map((job) => digestNow(bytes, job));

/** The worker's whole program: CommonJS, as `eval` workers run it, with nothing but node:crypto. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, jobs }) => {
  try {
    const bytes = Buffer.from(buffer);
    const digests = jobs.map(({ algorithm, ranges, zeros }) => {
      const hash = createHash(algorithm);
      for (const [start, end] of ranges) hash.update(bytes.subarray(start, end));
      if (zeros) hash.update(Buffer.alloc(zeros));
      return hash.digest();
    });
    parentPort.postMessage({ id, digests });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

type Answer = { id: number; digests?: Uint8Array[]; error?: string };

export class HashWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<
    number,
    { bytes: Buffer; jobs: readonly DigestJob[]; resolve: (d: Buffer[]) => void; reject: (e: Error) => void }
  >();
  private next = 0;

  /** Starts the worker (it boots while the caller reads its first files). */
  constructor() {
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (answer: Answer) => this.answer(answer));
      worker.on('error', () => this.takeBack());
      worker.on('exit', () => this.takeBack());
      this.worker = worker;
    } catch {
      this.worker = undefined;
    }
  }

  /**
   * The digests of `jobs` over `bytes`. Off the calling thread when `bytes` lives in shared memory (the
   * buffer pool allocates it there); otherwise, or without a worker, here.
   */
  async digests(bytes: Buffer, jobs: readonly DigestJob[]): Promise<Buffer[]> {
    const shared = bytes.buffer instanceof SharedArrayBuffer;
    if (!this.worker || !shared) return digestsHere(bytes, jobs);
    const base = bytes.byteOffset;
    const id = ++this.next;
    const moved = jobs.map((job) => ({
      ...job,
      ranges: job.ranges.map(([start, end]) => [base + start, base + end]),
    }));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { bytes, jobs, resolve, reject });
      this.worker?.postMessage({ id, buffer: bytes.buffer, jobs: moved });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private answer({ id, digests, error }: Answer): void {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    if (!waiting) return;
    if (error !== undefined || !digests) waiting.reject(new Error(`hashing failed: ${error ?? 'no answer'}`));
    else waiting.resolve(digests.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
  }

  /** The worker died (out of memory, killed): what it still had is hashed here, and so is what follows. */
  private takeBack(): void {
    this.worker = undefined;
    for (const { bytes, jobs, resolve } of this.pending.values())
      resolve(jobs.map((job) => digestNow(bytes, job)));
    this.pending.clear();
  }
}

/** One digest on the calling thread. */
export function digestNow(bytes: Buffer, { algorithm, ranges, zeros }: DigestJob): Buffer {
  const hash = createHash(algorithm);
  for (const [start, end] of ranges) hash.update(bytes.subarray(start, end));
  if (zeros) hash.update(Buffer.alloc(zeros));
  return hash.digest();
}
