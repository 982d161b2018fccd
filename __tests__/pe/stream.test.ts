import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ByteHistogram, entropyOf, shannonEntropy } from '../../src/pe/entropy.js';
import { streamOnce } from '../../src/pe/stream.js';

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
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update(bytes.subarray(0, 10))
      .update(bytes.subarray(14, bytes.length - 100))
      .digest();
    expect(result.imageHashes?.get('sha256')?.equals(expected)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
