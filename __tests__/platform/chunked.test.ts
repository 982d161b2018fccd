import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunksOf, IO_CHUNK, readFully, readWhole, writeFully } from '../../src/platform/chunked.js';

describe('chunked I/O', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gag-chunked-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = randomBytes(1000);

  it('keeps every native call within an int32 length', () => {
    expect(IO_CHUNK).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('cuts bytes into views of at most the size, in order, and leaves short ones whole', () => {
    const chunks = chunksOf(bytes, 7);
    expect(chunks.every((c) => c.length <= 7 && c.length > 0)).toBe(true);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(chunks[0]?.buffer).toBe(bytes.buffer);
    expect(chunksOf(bytes.subarray(0, 7), 7)).toHaveLength(1);
    expect(chunksOf(Buffer.alloc(0), 7)).toHaveLength(1);
  });

  it('reads a file whole in calls of at most the size, and says how much a short file held', async () => {
    const file = path.join(dir, 'read.bin');
    writeFileSync(file, bytes);
    const handle = await open(file, 'r');
    const lengths: number[] = [];
    const recording = {
      read: ((buffer: Buffer, offset: number, length: number, position: number) => {
        lengths.push(length);
        return handle.read(buffer, offset, length, position);
      }) as typeof handle.read,
    };
    try {
      const into = Buffer.alloc(1200);
      expect(await readFully(recording, into, 1000, { size: 7 })).toBe(1000);
      expect(into.subarray(0, 1000).equals(bytes)).toBe(true);
      expect(Math.max(...lengths)).toBe(7);
      expect(await readFully(recording, into, 1200, { size: 7 })).toBe(1000);
    } finally {
      await handle.close();
    }
  });

  it('writes all bytes in calls of at most the size, and fails when the disk takes none', async () => {
    const file = path.join(dir, 'write.bin');
    const handle = await open(file, 'w');
    const lengths: number[] = [];
    const recording = {
      write: ((buffer: Buffer, offset: number, length: number, position: number) => {
        lengths.push(length);
        return handle.write(buffer, offset, length, position);
      }) as typeof handle.write,
    };
    try {
      await writeFully(recording, bytes, 7);
    } finally {
      await handle.close();
    }
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(Math.max(...lengths)).toBe(7);
    const full = {
      write: (async () => ({ bytesWritten: 0, buffer: bytes })) as unknown as typeof handle.write,
    };
    await expect(writeFully(full, bytes, 7)).rejects.toMatchObject({ code: 'EIO' });
  });

  it('reads a whole file, and an empty one', async () => {
    const file = path.join(dir, 'whole.bin');
    writeFileSync(file, bytes);
    expect((await readWhole(file)).equals(bytes)).toBe(true);
    writeFileSync(file, '');
    expect(await readWhole(file)).toHaveLength(0);
    await expect(readWhole(path.join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
