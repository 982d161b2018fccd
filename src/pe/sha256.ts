import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of a file streamed in chunks, on this thread or in a worker thread. `hash.update` is
 * synchronous, so on one thread files hash one after another; a worker lets a second file hash on another
 * core at the same time. The hasher owns the chunk buffers and lends them out: read into one from
 * `take()`, then give it back through `update()`. Buffers are reused, never allocated per chunk (fresh
 * memory page-faults, and that costs more than the copy into it).
 */
export interface ChunkHasher {
  /** Starts a new digest (dropping anything a failed stream left behind). */
  reset(): void;
  /** A free buffer to read the next chunk into; waits while every buffer is still being hashed. */
  take(): Promise<Buffer>;
  /** Hashes the first `length` bytes of a buffer from take() and frees it; the caller must not touch it again. */
  update(buffer: Buffer, length: number): void;
  digest(): Promise<string>;
  close(): Promise<void>;
}

export const CHUNK = 1 << 20;

/**
 * Two buffers of their own (word-aligned, so the histogram reads whole words): one is read into by the
 * thread pool while the other is counted and hashed.
 */
export function inlineHasher(chunk = CHUNK): ChunkHasher {
  const free: Buffer[] = [Buffer.from(new ArrayBuffer(chunk)), Buffer.from(new ArrayBuffer(chunk))];
  let hash: Hash = createHash('sha256');
  return {
    reset: () => {
      hash = createHash('sha256');
    },
    take: async () => free.pop() ?? Buffer.from(new ArrayBuffer(chunk)),
    update: (buffer, length) => {
      if (length > 0) hash.update(buffer.subarray(0, length));
      free.push(buffer);
    },
    digest: async () => hash.digest('hex'),
    close: async () => undefined,
  };
}

// Plain CommonJS, run with `eval: true`: no file to locate, so it works the same from src/ and the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.type === 'reset') hash = createHash('sha256');
  else if (m.type === 'digest') parentPort.postMessage({ digest: hash.digest('hex') });
  else {
    hash.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ buffer: m.buffer }, [m.buffer]);
  }
});
`;

type FromWorker = { buffer: ArrayBuffer } | { digest: string };

/**
 * A worker thread that hashes chunks transferred to it (moved, not copied) and transfers each back once
 * hashed. Four buffers in flight keep it busy while this thread reads and counts the next ones.
 */
export function workerHasher(chunk = CHUNK, buffers = 4): ChunkHasher {
  // Not unref'd: this thread may be waiting on nothing but the worker's reply. Callers close() it.
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const free = Array.from({ length: buffers }, () => new ArrayBuffer(chunk));
  const bufferWaiters: Array<(b: ArrayBuffer) => void> = [];
  const digestWaiters: Array<(d: string) => void> = [];
  const rejects = new Set<(e: Error) => void>();
  let failure: Error | undefined;
  // A dead worker fails every pending and later wait, instead of leaving the stream hanging.
  const fail = (error: Error): void => {
    failure ??= error;
    for (const reject of rejects) reject(failure);
    rejects.clear();
  };
  const wait = <T>(queue: Array<(v: T) => void>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      rejects.add(reject);
      queue.push((v) => {
        rejects.delete(reject);
        resolve(v);
      });
    });
  const give = (buffer: ArrayBuffer): void => {
    const waiter = bufferWaiters.shift();
    if (waiter) waiter(buffer);
    else free.push(buffer);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the SHA-256 worker thread exited (code ${code})`)));
  worker.on('message', (m: FromWorker) => {
    if ('digest' in m) digestWaiters.shift()?.(m.digest);
    else give(m.buffer);
  });
  return {
    reset: () => worker.postMessage({ type: 'reset' }),
    take: async () => {
      if (failure) throw failure;
      return Buffer.from(free.pop() ?? (await wait(bufferWaiters)));
    },
    update: (buffer, length) => {
      const arrayBuffer = buffer.buffer as ArrayBuffer;
      if (length === 0) give(arrayBuffer);
      else worker.postMessage({ type: 'chunk', buffer: arrayBuffer, length }, [arrayBuffer]);
    },
    digest: () => {
      const digest = wait(digestWaiters);
      worker.postMessage({ type: 'digest' });
      return digest;
    },
    close: async () => {
      fail(new Error('the SHA-256 worker thread was closed'));
      await worker.terminate();
    },
  };
}
