import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPe, verifyPeFile } from '../../src/sign/authenticode/verify.js';
import { describeWithTool } from '../helpers/tools.js';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';
import { firstSignedData, peLayout } from '../../src/sign/authenticode/image.js';

const run = promisify(execFile);
const REAL = path.join(import.meta.dirname, '..', 'fixtures', 'sign', 'real');

/** osslsigncode's integrity verdict per signature: does the calculated image digest match the signed one? */
async function osslsigncodeIntegrity(file: string): Promise<boolean[]> {
  const out = await run('osslsigncode', ['verify', '-in', file]).then(
    (r) => r.stdout,
    (e: { stdout: string }) => e.stdout,
  );
  return out
    .split(/^Signature Index: \d+.*$/m)
    .slice(1)
    .map((block) => !/MISMATCH/.test(block) && /Calculated message digest/.test(block));
}

describeWithTool(['osslsigncode'], 'real signed files from public packages (provenance in README.md)', () => {
  it.each([
    ['ms-sha256.dll', ['sha256'], true],
    ['ms-sha1-signtool.exe', ['sha1'], true],
    ['ms-nested-sha1-sha256.dll', ['sha1', 'sha256'], true],
    ['ms-nested-sha1-sha256-tampered.dll', ['sha1', 'sha256'], false],
  ] as const)('%s: our verdict agrees with osslsigncode verify', async (name, digests, intact) => {
    const file = path.join(REAL, name);
    const verdict = await verifyPe(await readFile(file), { anchors: readAnchors([]) });
    expect(verdict.signatures.map((s) => s.digest)).toEqual(digests);
    expect(verdict.intact).toBe(intact);
    expect(verdict.signatures.map((s) => s.intact)).toEqual(await osslsigncodeIntegrity(file));
    for (const s of verdict.signatures) {
      expect(s.signer).toMatch(/CN=Microsoft Corporation/);
      if (intact) expect(s.timestamp).toMatchObject({ intact: true });
      // No Microsoft root among the anchors: intact is never trusted, and says why.
      expect(s.trusted).toBe(false);
      if (intact) expect(s.trustProblems.join()).toMatch(/no trust anchor|not a trust anchor/);
    }
    if (!intact) expect(verdict.detail).toMatch(/image hash mismatch/);
    // Verifying the file on disk, streamed in flat memory (`go-av-guard verify`), gives the same verdict.
    const handle = await open(file, 'r');
    try {
      expect(await verifyPeFile(handle, (await handle.stat()).size, { anchors: readAnchors([]) })).toEqual(
        verdict,
      );
    } finally {
      await handle.close();
    }
  });

  it('a file cut short while its image streams is a read error, not a verdict on its signature', async () => {
    const handle = await open(path.join(REAL, 'ms-sha256.dll'), 'r');
    try {
      const size = (await handle.stat()).size;
      // Headers and table read as usual; the stream's reads (its own 1 MiB buffers) find the file cut at 4 KiB.
      const cut = {
        read: (async (buffer: Buffer, offset: number, length: number, position: number) => {
          if (buffer.length !== 1 << 20) return handle.read(buffer, offset, length, position);
          const { bytesRead } = await handle.read(
            buffer,
            offset,
            Math.max(0, Math.min(length, 4096 - position)),
            position,
          );
          return { bytesRead, buffer };
        }) as typeof handle.read,
      } as typeof handle;
      await expect(verifyPeFile(cut, size, { anchors: readAnchors([]) })).rejects.toThrow(
        /changed while being verified/,
      );
      // Cut before its headers are read whole: the same, not "not a PE file".
      const empty = { read: (async (buffer: Buffer) => ({ bytesRead: 0, buffer })) as typeof handle.read };
      await expect(verifyPeFile(empty, size, { anchors: readAnchors([]) })).rejects.toThrow(/ended early/);
    } finally {
      await handle.close();
    }
  });
});

describe('hostile certificate tables: the first SignedData entry is judged, the same in memory and on disk', () => {
  /** ms-sha256.dll with its table rebuilt: `before` entries first, then its own signature (or not). */
  async function rebuilt(before: Buffer[], keepSignature = true): Promise<Buffer> {
    const original = await readFile(path.join(REAL, 'ms-sha256.dll'));
    const layout = await peLayout(original);
    const own = original.subarray(layout.tableOffset, layout.tableOffset + layout.tableSize);
    const table = Buffer.concat([...before, ...(keepSignature ? [own] : [])]);
    const out = Buffer.concat([original.subarray(0, layout.tableOffset), table]);
    out.writeUInt32LE(table.length, layout.securityEntryOffset + 4);
    return out;
  }
  const entry = (type: number, body: number): Buffer => {
    const e = Buffer.alloc(8 + body, 0x41);
    e.writeUInt32LE(8 + body, 0);
    e.writeUInt16LE(0x0200, 4);
    e.writeUInt16LE(type, 6);
    return e;
  };
  async function bothWays(bytes: Buffer) {
    const trust = { anchors: readAnchors([]) };
    const inMemory = await verifyPe(bytes, trust);
    const file = path.join(tmp, `hostile-${Math.random().toString(36).slice(2)}.dll`);
    await writeFile(file, bytes);
    const handle = await open(file, 'r');
    try {
      expect(await verifyPeFile(handle, bytes.length, trust)).toEqual(inMemory);
    } finally {
      await handle.close();
    }
    return inMemory;
  }
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'gag-hostile-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('an entry of another type first (1 KiB, or 17 MiB) is stepped over to the signature', async () => {
    for (const size of [1024, 17 * 1024 * 1024]) {
      const verdict = await bothWays(await rebuilt([entry(1, size)]));
      expect(verdict.intact).toBe(true);
      expect(verdict.signatures.map((s) => s.digest)).toEqual(['sha256']);
    }
  });

  it('a signature whose entry pads its DER with 17 MiB is read to the end of its DER, and is intact', async () => {
    const bytes = await rebuilt([], false);
    const own = (await readFile(path.join(REAL, 'ms-sha256.dll'))).subarray(bytes.length);
    const padded = Buffer.concat([own, Buffer.alloc(17 * 1024 * 1024)]);
    padded.writeUInt32LE(padded.length, 0);
    const verdict = await bothWays(await rebuilt([padded], false));
    expect(verdict.intact).toBe(true);
  });

  it('a signature past 1024 entries, or a body over 16 MiB that is not DER, is not read: junk, not a crash', async () => {
    const many = await bothWays(await rebuilt(Array.from({ length: 1024 }, () => entry(1, 0))));
    expect(many.detail).toMatch(/holds no readable signature/);
    const huge = await bothWays(await rebuilt([entry(2, 16 * 1024 * 1024 + 8)], false));
    expect(huge.detail).toMatch(/holds no readable signature/);
    expect(
      await firstSignedData(async () => Buffer.alloc(0), { tableOffset: 0, tableSize: 64 }),
    ).toBeUndefined();
    // Neither is read: at most 1024 headers of 8 bytes, and no body past 16 MiB.
    for (const bytes of [
      await rebuilt(Array.from({ length: 1100 }, () => entry(1, 0))),
      await rebuilt([entry(2, 16 * 1024 * 1024 + 8)], false),
    ]) {
      const reads: number[] = [];
      const readAt = async (offset: number, length: number): Promise<Buffer> => {
        reads.push(length);
        return bytes.subarray(offset, offset + length);
      };
      expect(await firstSignedData(readAt, await peLayout(bytes))).toBeUndefined();
      expect(reads.length).toBeLessThanOrEqual(1024);
      expect(Math.max(...reads)).toBe(8);
    }
  });

  it('a table that starts inside the headers is damaged, not hashed', async () => {
    const bytes = await rebuilt([]);
    const layout = await peLayout(bytes);
    // SizeOfHeaders (the optional header's word at 60) claims 64 bytes, so only the new check stands.
    bytes.writeUInt32LE(64, bytes.readUInt32LE(0x3c) + 24 + 60);
    bytes.writeUInt32LE(layout.securityEntryOffset, layout.securityEntryOffset);
    const verdict = await bothWays(bytes);
    expect(verdict.detail).toMatch(/points into the PE headers/);
  });
});
