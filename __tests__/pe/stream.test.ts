import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteHistogram, entropyOf, shannonEntropy } from '../../src/pe/entropy.js';
import { workerFileHasher } from '../../src/pe/sha256.js';
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

describe('hashing in a worker thread while the streaming pass counts', () => {
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

  /** streamOnce over the test file, counting the reads it makes. */
  async function stream(hash: boolean, sections = [small, large], image = true) {
    const histograms = sections.map((s) => ({ ...s, histogram: new ByteHistogram() }));
    const captures: CaptureRange[] = captureRanges.map((c) => ({ ...c }));
    const plan = { algorithms: ['sha256'], skip: [[10, 14] as [number, number]], end: bytes.length - 100 };
    const handle = await open(file, 'r');
    let reads = 0;
    const counting = {
      read: (...args: Parameters<FileHandle['read']>) => {
        reads++;
        return handle.read(...args);
      },
    } as unknown as FileHandle;
    try {
      const result = await streamOnce(
        counting,
        bytes.length,
        histograms,
        captures,
        image ? plan : undefined,
        hash,
      );
      return { result, histograms, captures, reads };
    } finally {
      await handle.close();
    }
  }

  it('the worker hashes what the pass would, and the pass without its hash counts and captures the same', async () => {
    const hasher = await workerFileHasher();
    try {
      const handle = await open(file, 'r');
      const hashed = await hasher.hash(handle.fd, bytes.length).finally(() => handle.close());
      expect(hashed).toEqual({
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytesRead: bytes.length,
      });
    } finally {
      await hasher.close();
    }
    const imageHash = createHash('sha256')
      .update(bytes.subarray(0, 10))
      .update(bytes.subarray(14, bytes.length - 100))
      .digest();
    const smallCounts = new ByteHistogram();
    smallCounts.add(bytes.subarray(small.offset, small.offset + small.length));
    for (const hash of [true, false]) {
      const { result, histograms, captures } = await stream(hash);
      expect(result.sha256).toBe(hash ? createHash('sha256').update(bytes).digest('hex') : undefined);
      expect(result.bytesRead).toBe(bytes.length);
      expect(result.imageHashes?.get('sha256')?.equals(imageHash)).toBe(true);
      expect(histograms[0]?.histogram.counts()).toEqual(smallCounts.counts());
      expect(histograms[1]?.histogram.counts()).toEqual(sampledCounts(large.offset, large.length));
      for (const c of captures)
        expect(c.data?.equals(bytes.subarray(c.offset, c.offset + c.length))).toBe(true);
    }
  });

  it('without its own hash, the pass reads only the chunks a section, capture or image hash needs', async () => {
    expect((await stream(true, [small], false)).reads).toBe(70);
    // The small section ends in chunk 3 and the last capture in chunk 4 (of 1 MiB): chunks 0-4 only.
    expect((await stream(false, [small], false)).reads).toBe(5);
    expect((await stream(false, [small], true)).reads).toBe(70);
  });

  it('reports a file shorter than asked, fails on a bad descriptor, and keeps working after either', async () => {
    const hasher = await workerFileHasher();
    try {
      const handle = await open(file, 'r');
      try {
        expect((await hasher.hash(handle.fd, bytes.length + 5 * MIB)).bytesRead).toBe(bytes.length);
        await expect(hasher.hash(2 ** 30, 10)).rejects.toThrow(/EBADF/);
        expect((await hasher.hash(handle.fd, 1000)).sha256).toBe(
          createHash('sha256').update(bytes.subarray(0, 1000)).digest('hex'),
        );
      } finally {
        await handle.close();
      }
    } finally {
      await hasher.close();
    }
    await expect(hasher.hash(0, 1)).rejects.toThrow(/worker thread was closed/);
  });
});
