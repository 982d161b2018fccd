import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeFsError,
  findOnPath,
  readSmallRegularFile,
  smallRegularFileProblem,
  writableFolderProblem,
} from '../../src/platform/files.js';
import { scratchDir } from '../helpers/tmp.js';

const posix = process.platform !== 'win32';

describe('readSmallRegularFile: certificate and chain files cannot hang or eat memory', () => {
  const dir = scratchDir('gav-files-');

  it('reads a small regular file', async () => {
    const file = path.join(dir, 'cert.pfx');
    writeFileSync(file, Buffer.from([1, 2, 3]));
    expect(await readSmallRegularFile(file)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses a file over the limit without reading it', async () => {
    const file = path.join(dir, 'big.pfx');
    writeFileSync(file, Buffer.alloc(2048));
    await expect(readSmallRegularFile(file, 1024)).rejects.toThrow(
      `${file} is 2048 bytes, more than the 1024 allowed`,
    );
  });

  it.runIf(posix)('refuses /dev/zero at once instead of growing without end', async () => {
    const started = Date.now();
    await expect(readSmallRegularFile('/dev/zero')).rejects.toThrow(
      '/dev/zero is a character device, not a regular file',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.runIf(posix)('refuses a FIFO instead of waiting forever for a writer', async () => {
    const fifo = path.join(dir, 'cert.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readSmallRegularFile(fifo)).rejects.toThrow(
      `${fifo} is a named pipe (FIFO), not a regular file`,
    );
    expect(await smallRegularFileProblem(fifo)).toMatch(/named pipe/);
  });

  it('refuses a folder and names a missing file plainly', async () => {
    await expect(readSmallRegularFile(dir)).rejects.toThrow(`${dir} is a folder, not a regular file`);
    expect(await smallRegularFileProblem(path.join(dir, 'nope.pfx'))).toMatch(/does not exist \(ENOENT\)/);
  });
});

describe('writableFolderProblem: output folders are checked before any work', () => {
  const dir = scratchDir('gav-outdir-');

  it('creates missing folders level by level and leaves no probe file behind', async () => {
    const target = path.join(dir, 'a', 'b', 'c');
    expect(await writableFolderProblem(target)).toBeUndefined();
    expect(existsSync(target)).toBe(true);
    expect(readdirSync(target)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'answers at once for /proc/nope, where Node’s recursive mkdir loops forever',
    async () => {
      const started = Date.now();
      expect(await writableFolderProblem('/proc/nope/deeper', 5_000)).toBe(
        'could not create /proc/nope/deeper: /proc does not accept new folders (ENOENT)',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    },
  );

  it('names a file in the way', async () => {
    const file = path.join(dir, 'file');
    writeFileSync(file, '');
    expect(await writableFolderProblem(path.join(file, 'sub'))).toMatch(/is not a regular file|is a|ENOTDIR/);
  });

  it.runIf(posix && process.getuid?.() !== 0)('names a folder it cannot write to', async () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    expect(await writableFolderProblem(locked)).toMatch(/permission denied/);
  });
});

describe('describeFsError', () => {
  it('names a full disk as a full disk', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(describeFsError(full, 'write the key file')).toBe(
      'could not write the key file: the disk is full (ENOSPC); free some space and run again',
    );
  });
});

describe('findOnPath: the tools signing starts (openssl, pkcs11-tool)', () => {
  it.runIf(posix)(
    'never picks a program from a relative or empty PATH entry (the current folder)',
    async () => {
      const dir = scratchDir('gav-path-');
      const planted = path.join(dir, 'here');
      const real = path.join(dir, 'bin');
      mkdirSync(planted);
      mkdirSync(real);
      for (const folder of [planted, real])
        writeFileSync(path.join(folder, 'openssl'), '#!/bin/sh\n', { mode: 0o755 });
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(await findOnPath('openssl', { PATH: `here::${real}` }, 'linux')).toBe(
          path.join(real, 'openssl'),
        );
        expect(await findOnPath('openssl', { PATH: 'here' }, 'linux')).toBeUndefined();
      } finally {
        process.chdir(cwd);
      }
    },
  );
});
