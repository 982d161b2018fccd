import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyzeFile, analyzeFiles, isPeError } from '../../src/pe/index.js';
import type { PeError, PeReport } from '../../src/pe/types.js';
import { describeWithTool } from '../helpers/tools.js';
import { buildWindowsBinaries, type WindowsBinaries } from './winbins.js';

/** Runs analyzeFile, asserting it returns (never throws) within a second. */
async function timed(file: string): Promise<PeReport | PeError> {
  const started = performance.now();
  const result = await analyzeFile(file);
  expect(performance.now() - started, `${file} took too long`).toBeLessThan(1000);
  return result;
}

async function expectError(file: string, pattern: RegExp): Promise<void> {
  const result = await timed(file);
  expect(isPeError(result), `${path.basename(file)} should be an error`).toBe(true);
  expect((result as PeError).error).toMatch(pattern);
  expect((result as PeError).path).toBe(file);
}

describeWithTool(['go', 'osslsigncode', 'openssl'], 'analyzeFile on damaged and non-PE input', () => {
  let bins: WindowsBinaries;
  let dir: string;
  const write = (name: string, bytes: Buffer | string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  beforeAll(() => {
    bins = buildWindowsBinaries();
    dir = path.join(bins.dir, 'corrupt');
    mkdirSync(dir);
  });
  afterAll(() => rmSync(bins.dir, { recursive: true, force: true }));

  it('truncated at many offsets: every cut is one clear error, each under a second', async () => {
    for (const source of [bins.default, bins.stripped, bins.signedTimestamped, bins.i386]) {
      const bytes = readFileSync(source);
      const peOffset = bytes.readUInt32LE(0x3c);
      const offsets = new Set<number>([
        0,
        1,
        2,
        32,
        63,
        64,
        0x3c + 2,
        peOffset,
        peOffset + 4,
        peOffset + 23,
        peOffset + 24,
        peOffset + 100,
        peOffset + 300,
        bytes.length - 1,
        bytes.length - 100,
      ]);
      for (let i = 1; i < 40; i++) offsets.add(Math.floor((bytes.length * i) / 40));
      for (const cut of offsets) {
        const file = write(`cut-${cut}.exe`, bytes.subarray(0, cut));
        await expectError(file, cut === 0 ? /empty file/ : /truncated|past the end|too short|no "MZ"/);
      }
    }
  });

  it('e_lfanew past the end of the file', async () => {
    const bytes = Buffer.from(readFileSync(bins.default));
    bytes.writeUInt32LE(0x7ffffff0, 0x3c);
    await expectError(write('lfanew.exe', bytes), /e_lfanew \(0x7ffffff0\) points past the end of the file/);
  });

  it('a section table past the end of the file', async () => {
    const bytes = Buffer.from(readFileSync(bins.default));
    const peOffset = bytes.readUInt32LE(0x3c);
    bytes.writeUInt16LE(0xffff, peOffset + 6); // NumberOfSections
    await expectError(
      write('sections.exe', bytes.subarray(0, 4096)),
      /section table \(65535 sections at 0x[0-9a-f]+\) extends past the end/,
    );
  });

  it('a section whose raw data points past the end', async () => {
    const bytes = Buffer.from(readFileSync(bins.default));
    const peOffset = bytes.readUInt32LE(0x3c);
    const table = peOffset + 24 + bytes.readUInt16LE(peOffset + 20);
    bytes.writeUInt32LE(0x7fff0000, table + 20); // .text PointerToRawData
    await expectError(write('raw.exe', bytes), /section "\.text" .* extends past the end of the file/);
  });

  it('an empty file, a text file, a shell script, random bytes, an MS-DOS stub, a directory, a missing file', async () => {
    await expectError(write('empty.exe', Buffer.alloc(0)), /empty file \(0 bytes\)/);
    await expectError(
      write('notes.txt', 'hello, this is a text file\n'),
      /not a PE file: no "MZ" signature.*text "hello, this is a/,
    );
    await expectError(write('script.sh', '#!/bin/sh\necho hi\n'), /not a PE file/);
    await expectError(
      write('random.bin', Buffer.from('c0ffee00112233445566778899aabbcc', 'hex')),
      /not a PE file.*bytes c0ffee00/,
    );
    const dos = Buffer.alloc(256);
    dos.write('MZ', 0, 'latin1');
    dos.writeUInt32LE(0x80, 0x3c);
    await expectError(write('dos.exe', dos), /no "PE\\0\\0" signature/);
    await expectError(dir, /is a directory/);
    await expectError(path.join(dir, 'missing.exe'), /does not exist/);
  });

  it('a damaged file among good ones: one error for it, reports for the others', async () => {
    const files = await analyzeFiles([bins.default, write('bad.exe', 'MZ'), bins.stripped]);
    expect(files.map((f) => isPeError(f))).toEqual([false, true, false]);
  });

  it('garbage inside structures (resource tree, imports, certificate table) never crashes', async () => {
    const bytes = readFileSync(bins.signed);
    // Flip bytes throughout the file (headers kept) and check each result is a report or an error.
    for (let seed = 1; seed <= 25; seed++) {
      const copy = Buffer.from(bytes);
      let x = seed * 2654435761;
      for (let i = 0; i < 2000; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        const at = 1024 + (x % (copy.length - 1024));
        copy[at] = x & 0xff;
      }
      const result = await timed(write(`fuzz-${seed}.exe`, copy));
      expect(typeof result.path).toBe('string');
    }
  });
});
