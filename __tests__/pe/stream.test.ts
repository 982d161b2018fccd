import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteHistogram, entropyOf, shannonEntropy } from '../../src/pe/entropy.js';
import { inlineHasher, workerHasher, type ChunkHasher } from '../../src/pe/sha256.js';
import { streamOnce, type CaptureRange } from '../../src/pe/stream.js';

it('a section over 64 MiB gets its entropy from a sample that stays within 0.01 bit of the exact value', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gag-stream-'));
  try {
    // 70 MiB: low-entropy text in the first 35, random bytes after; the exact entropy mixes both.
    const text = Buffer.alloc(35 << 20, 'the quick brown fox jumps over the lazy dog ');
    const bytes = Buffer.concat([text, randomBytes(35 << 20)]);
    const file = path.join(dir, 'big.bin');
    writeFileSync(file, bytes);
    const handle = await open(file, 'r');
    const histogram = new ByteHistogram();
    const image = { algorithms: ['sha256'], skip: [[10, 14] as [number, number]], end: bytes.length - 100 };
    const result = await streamOnce(
      handle,
      bytes.length,
      [{ offset: 0, length: bytes.length, histogram }],
      [],
      image,
    );
    await handle.close();
    const sampled = shannonEntropy(histogram.counts());
    expect(Math.abs(sampled - entropyOf(bytes))).toBeLessThan(0.01);
    expect(histogram.counts().reduce((a, b) => a + b, 0)).toBe(bytes.length / 4);
    // The image hash of the same pass skips the given range and stops at `end`.
    const expected = createHash('sha256')
      .update(bytes.subarray(0, 10))
      .update(bytes.subarray(14, bytes.length - 100))
      .digest();
    expect(result.imageHashes?.get('sha256')?.equals(expected)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('streamOnce with either SHA-256 hasher', () => {
  const MIB = 1 << 20;
  let dir: string;
  let file: string;
  let bytes: Buffer;
  // A small section at an odd offset, a sampled one (> 64 MiB) starting mid-block, and ranges to capture.
  const small = { offset: 1000, length: 3 * MIB + 17 };
  const large = { offset: 3 * MIB + 1017, length: 66 * MIB + 123 };
  const captureRanges = [
    { offset: 5, length: 100 },
    { offset: MIB - 10, length: 3 * MIB + 20 },
  ];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-stream-'));
    bytes = Buffer.concat([randomBytes(40 * MIB), Buffer.alloc(30 * MIB, 'low entropy text ')]);
    file = path.join(dir, 'mixed.bin');
    writeFileSync(file, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The sample's definition: the first quarter of every 1 MiB block of the file, within the section. */
  function sampledCounts(offset: number, length: number): Float64Array {
    const h = new ByteHistogram();
    for (let block = offset - (offset % MIB); block < offset + length; block += MIB) {
      const from = Math.max(block, offset);
      h.add(bytes.subarray(from, Math.min(block + MIB, offset + length, from + MIB / 4)));
    }
    return h.counts();
  }

  async function stream(hasher: ChunkHasher, size = bytes.length) {
    const histograms = [small, large].map((s) => ({ ...s, histogram: new ByteHistogram() }));
    const captures: CaptureRange[] = captureRanges.map((c) => ({ ...c }));
    const image = { algorithms: ['sha256'], skip: [[10, 14] as [number, number]], end: bytes.length - 100 };
    const handle = await open(file, 'r');
    try {
      const result = await streamOnce(handle, size, histograms, captures, image, hasher);
      return { result, histograms, captures };
    } finally {
      await handle.close();
    }
  }

  it('gives the same hash, histograms, captures and image hash on this thread, in a worker, at any chunk size', async () => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const imageHash = createHash('sha256')
      .update(bytes.subarray(0, 10))
      .update(bytes.subarray(14, bytes.length - 100))
      .digest();
    const smallCounts = new ByteHistogram();
    smallCounts.add(bytes.subarray(small.offset, small.offset + small.length));
    const hashers: Array<[string, ChunkHasher]> = [
      ['inline 1 MiB', inlineHasher()],
      ['inline odd chunk', inlineHasher(300_007)],
      ['worker 1 MiB', workerHasher()],
      ['worker odd chunk, 2 buffers', workerHasher(777_777, 2)],
    ];
    try {
      for (const [name, hasher] of hashers) {
        const { result, histograms, captures } = await stream(hasher);
        expect(result.bytesRead, name).toBe(bytes.length);
        expect(result.sha256, name).toBe(sha256);
        expect(result.imageHashes?.get('sha256')?.equals(imageHash), name).toBe(true);
        expect(histograms[0]?.histogram.counts(), name).toEqual(smallCounts.counts());
        expect(histograms[1]?.histogram.counts(), name).toEqual(sampledCounts(large.offset, large.length));
        for (const c of captures)
          expect(c.data?.equals(bytes.subarray(c.offset, c.offset + c.length))).toBe(true);
      }
    } finally {
      for (const [, h] of hashers) await h.close();
    }
  });

  it('reports a file that shrinks while it is read, and the same hasher then hashes the next file right', async () => {
    for (const hasher of [inlineHasher(), workerHasher()]) {
      try {
        // More shrunk streams than the worker has buffers: a buffer lost on that path would hang the next.
        for (let i = 0; i < 6; i++) {
          const { result } = await stream(hasher, bytes.length + 3 * MIB);
          expect(result.bytesRead).toBe(bytes.length);
        }
        const handle = await open(file, 'r');
        const shrinking = streamOnce(handle, bytes.length, [], [], undefined, hasher);
        // No read has started yet (streamOnce waits for a buffer first): every read sees 1 MiB.
        truncateSync(file, MIB);
        const shrunk = await shrinking.finally(() => handle.close());
        expect(shrunk.bytesRead).toBe(MIB);
        writeFileSync(file, bytes);
        const { result } = await stream(hasher);
        expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      } finally {
        await hasher.close();
      }
    }
  });

  it('a closed worker fails the stream instead of leaving it waiting', async () => {
    const hasher = workerHasher();
    await hasher.close();
    await expect(stream(hasher)).rejects.toThrow(/worker thread was closed/);
  });
});
