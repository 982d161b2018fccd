import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/platform/bufferpool.js';
import { digestsHere, HashWorker, type DigestJob } from '../../src/platform/hashworker.js';

const sha = (algorithm: string, ...parts: Buffer[]): Buffer => {
  const hash = createHash(algorithm);
  for (const p of parts) hash.update(p);
  return hash.digest();
};

describe('HashWorker', () => {
  const data = randomBytes(3 * 1024 * 1024 + 5);
  const jobs: DigestJob[] = [
    { algorithm: 'sha256', ranges: [[0, data.length]] },
    {
      algorithm: 'sha384',
      ranges: [
        [0, 10],
        [20, 1000],
      ],
      zeros: 7,
    },
    { algorithm: 'sha1', ranges: [] },
  ];
  const expected = [
    sha('sha256', data),
    sha('sha384', data.subarray(0, 10), data.subarray(20, 1000), Buffer.alloc(7)),
    sha('sha1'),
  ];

  it('hashes ranges of a pooled (shared) buffer, at an offset too, as the calling thread would', async () => {
    const worker = new HashWorker();
    try {
      const pooled = new BufferPool(1).take(data.length + 64);
      expect(pooled.buffer).toBeInstanceOf(SharedArrayBuffer);
      data.copy(pooled, 64);
      const view = pooled.subarray(64, 64 + data.length);
      expect(await worker.digests(view, jobs)).toEqual(expected);
      expect(await digestsHere(view, jobs)).toEqual(expected);
    } finally {
      await worker.close();
    }
  });

  it('hashes an ordinary buffer on the calling thread, and everything after close', async () => {
    const worker = new HashWorker();
    expect(await worker.digests(data, jobs)).toEqual(expected);
    await worker.close();
    const pooled = new BufferPool(1).take(data.length);
    data.copy(pooled);
    expect(await worker.digests(pooled.subarray(0, data.length), jobs)).toEqual(expected);
  });

  it('finishes what a worker that died still had, on the calling thread', async () => {
    const worker = new HashWorker();
    const pooled = new BufferPool(1).take(data.length);
    data.copy(pooled);
    const bytes = pooled.subarray(0, data.length);
    const pending = Array.from({ length: 8 }, () => worker.digests(bytes, jobs));
    // The thread is killed from outside while it has work (as an out-of-memory kill would).
    await (worker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (const result of await Promise.all(pending)) expect(result).toEqual(expected);
  });
});

describe('BufferPool', () => {
  it('reuses a buffer given back, the smallest that fits, and keeps only as many as asked', () => {
    const pool = new BufferPool(2);
    const a = pool.take(10);
    const b = pool.take(3 * 1024 * 1024);
    expect(a.length).toBe(1024 * 1024);
    expect(b.length).toBe(3 * 1024 * 1024);
    pool.give(b);
    pool.give(a);
    expect(pool.take(100)).toBe(a);
    expect(pool.take(2 * 1024 * 1024)).toBe(b);
    const c = pool.take(1);
    pool.give(a);
    pool.give(b);
    pool.give(c); // a third idle buffer: the smallest is dropped, the large one kept
    expect(pool.take(3 * 1024 * 1024)).toBe(b);
  });
});
