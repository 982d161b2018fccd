import { chmodSync, existsSync, linkSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityOf, readSnapshot, replaceIfUnchanged, snapshotFile } from '../../src/platform/replace.js';
import { scratchDir } from '../helpers/tmp.js';

const sha = (data: string): string => createHash('sha256').update(data).digest('hex');

function pair(dir: string, original = 'unsigned', replacement = 'signed'): { file: string; temp: string } {
  const file = path.join(dir, `app-${Math.random().toString(16).slice(2)}.exe`);
  const temp = `${file}.signed`;
  writeFileSync(file, original);
  writeFileSync(temp, replacement);
  return { file, temp };
}

const busy = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: busy`), { code });

describe('replaceIfUnchanged', () => {
  const dir = scratchDir('gav-replace-');

  it('replaces a file that is still the one read, and reports the identity of the file written', async () => {
    const { file, temp } = pair(dir);
    const snapshot = await snapshotFile(file);
    expect(snapshot.sha256).toBe(sha('unsigned'));
    const tempIno = statSync(temp).ino;
    const outcome = await replaceIfUnchanged(snapshot, temp);
    expect(outcome).toMatchObject({ ok: true, written: { path: file, ino: tempIno, size: 6 } });
    expect(readFileSync(file, 'utf8')).toBe('signed');
  });

  it('keeps a file rewritten while it was being signed: the new build stays, the message says it changed', async () => {
    const { file, temp } = pair(dir);
    const snapshot = await snapshotFile(file);
    writeFileSync(file, 'new build');
    const outcome = await replaceIfUnchanged(snapshot, temp);
    expect(outcome).toEqual({
      ok: false,
      changed: true,
      message: `${file} changed while it was being signed; the new content was kept, sign it again`,
    });
    expect(readFileSync(file, 'utf8')).toBe('new build');
  });

  it('catches a same-size rewrite with the old modification time (only the hash differs)', async () => {
    const { file, temp } = pair(dir);
    const before = statSync(file);
    const snapshot = await snapshotFile(file);
    writeFileSync(file, 'UNSIGNED');
    const { utimesSync } = await import('node:fs');
    utimesSync(file, before.atime, before.mtime);
    expect((await replaceIfUnchanged(snapshot, temp)).ok).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('UNSIGNED');
  });

  it('without a hash, a rewrite that kept size and modification time is caught by its change time', async () => {
    const { file, temp } = pair(dir);
    const before = statSync(file);
    // Past the file system's timestamp granularity, so the rewrite gets a later change time.
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, 'UNSIGNED');
    // What was read: this file as it is now, except its change time (utimes cannot restore an mtime to the
    // nanosecond, so the identity is built instead: only ctime tells the two apart).
    const identity = { ...identityOf(file, statSync(file)), ctimeMs: before.ctimeMs };
    expect(statSync(file).ctimeMs).not.toBe(before.ctimeMs);
    const outcome = await replaceIfUnchanged(identity, temp);
    expect(outcome).toMatchObject({ ok: false, changed: true });
    expect(readFileSync(file, 'utf8')).toBe('UNSIGNED');
  });

  it('without a hash, an unchanged file is replaced on its identity alone', async () => {
    const { file, temp } = pair(dir);
    const outcome = await replaceIfUnchanged(identityOf(file, statSync(file)), temp);
    expect(outcome.ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('signed');
  });

  it('readSnapshot gives the bytes and a snapshot hashing exactly them, from one read', async () => {
    const { file } = pair(dir, 'x'.repeat(3 * 1024 * 1024 + 7));
    const { snapshot, bytes } = await readSnapshot(file);
    expect(bytes.equals(readFileSync(file))).toBe(true);
    expect(snapshot).toEqual(await snapshotFile(file));
    expect(snapshot.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('does not bring back a file deleted while it was being signed', async () => {
    const { file, temp } = pair(dir);
    const snapshot = await snapshotFile(file);
    const { rmSync } = await import('node:fs');
    rmSync(file);
    const outcome = await replaceIfUnchanged(snapshot, temp);
    expect(outcome).toMatchObject({
      ok: false,
      changed: true,
      message: expect.stringContaining('was deleted'),
    });
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a symbolic link (the caller signs its target) and anything that is not a regular file', async () => {
    const { file } = pair(dir);
    const link = path.join(dir, 'link.exe');
    symlinkSync(file, link);
    await expect(snapshotFile(link)).rejects.toThrow(/is a symbolic link/);
    await expect(snapshotFile(dir)).rejects.toThrow(/not a regular file/);
  });

  it('refuses a file with several hard links instead of splitting it from its other names', async () => {
    const { file, temp } = pair(dir);
    const other = path.join(dir, `other-${path.basename(file)}`);
    linkSync(file, other);
    const outcome = await replaceIfUnchanged(await snapshotFile(file), temp);
    expect(outcome).toMatchObject({
      ok: false,
      changed: false,
      message: expect.stringMatching(/has 2 hard links/),
    });
    expect(readFileSync(file, 'utf8')).toBe('unsigned');
    expect(readFileSync(other, 'utf8')).toBe('unsigned');
  });

  it('refuses a file owned by another user when it cannot give the replacement that owner', async () => {
    const { file, temp } = pair(dir);
    const snapshot = { ...(await snapshotFile(file)), uid: 4242 };
    const outcome = await replaceIfUnchanged(snapshot, temp, { uid: 1000, platform: 'linux' });
    expect(outcome).toMatchObject({
      ok: false,
      message: expect.stringMatching(/belongs to another user \(uid 4242\)/),
    });
    expect(readFileSync(file, 'utf8')).toBe('unsigned');
  });

  it.runIf(process.platform !== 'win32')('carries over permission bits, without setuid/setgid', async () => {
    const { file, temp } = pair(dir);
    chmodSync(file, 0o4755);
    chmodSync(temp, 0o600);
    expect((await replaceIfUnchanged(await snapshotFile(file), temp)).ok).toBe(true);
    expect(statSync(file).mode & 0o7777).toBe(0o755);
  });

  describe('Windows sharing violations (antivirus holding the file open)', () => {
    it.each(['EPERM', 'EBUSY', 'EACCES'])('retries %s with backoff and then succeeds', async (code) => {
      const { file, temp } = pair(dir);
      const waits: number[] = [];
      let calls = 0;
      const { rename } = await import('node:fs/promises');
      const outcome = await replaceIfUnchanged(await snapshotFile(file), temp, {
        platform: 'win32',
        rename: async (from, to) => {
          if (++calls <= 3) throw busy(code);
          await rename(from, to);
        },
        wait: async (ms) => void waits.push(ms),
      });
      expect(outcome.ok).toBe(true);
      expect(waits).toEqual([10, 20, 40]);
      expect(readFileSync(file, 'utf8')).toBe('signed');
    });

    it('gives up after the time bound with a clear message; the original is intact', async () => {
      const { file, temp } = pair(dir);
      const started = Date.now();
      const outcome = await replaceIfUnchanged(await snapshotFile(file), temp, {
        platform: 'win32',
        retryForMs: 300,
        rename: () => Promise.reject(busy('EBUSY')),
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(outcome).toMatchObject({
        ok: false,
        changed: false,
        message: expect.stringMatching(
          /another program kept it open \(EBUSY\).*antivirus.*the original is unchanged/,
        ),
      });
      expect(readFileSync(file, 'utf8')).toBe('unsigned');
      expect(readFileSync(temp, 'utf8')).toBe('signed');
    });

    it('stops retrying as soon as the file changes under the lock', async () => {
      const { file, temp } = pair(dir);
      let calls = 0;
      const outcome = await replaceIfUnchanged(await snapshotFile(file), temp, {
        platform: 'win32',
        rename: () => {
          if (++calls === 2) writeFileSync(file, 'rebuilt');
          return Promise.reject(busy('EBUSY'));
        },
        wait: async () => undefined,
      });
      expect(outcome).toMatchObject({ ok: false, changed: true });
      expect(readFileSync(file, 'utf8')).toBe('rebuilt');
    });

    it('does not retry elsewhere, where EACCES means what it says', async () => {
      const { file, temp } = pair(dir);
      let calls = 0;
      const outcome = await replaceIfUnchanged(await snapshotFile(file), temp, {
        platform: 'linux',
        rename: () => {
          calls++;
          return Promise.reject(busy('EACCES'));
        },
      });
      expect(calls).toBe(1);
      expect(outcome).toMatchObject({
        ok: false,
        message: expect.stringContaining('EACCES; the original is unchanged'),
      });
    });
  });
});
