import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunFolder, isInside, runFolderProblem, withRunFolder } from '../../src/platform/runfolder.js';
import { scratchDir } from '../helpers/tmp.js';

const posix = process.platform !== 'win32';
const uid = process.getuid?.();

describe('run folders', () => {
  it('are fresh, owner-only and never reused', async () => {
    const parent = scratchDir('gav-runfolder-');
    const [a, b] = [await createRunFolder(parent), await createRunFolder(parent)];
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^go-av-guard-[A-Za-z0-9]{6}$/);
    if (posix) expect(statSync(a).mode & 0o777).toBe(0o700);
    expect(await runFolderProblem(a, parent)).toBeUndefined();
  });

  it.runIf(posix)('are not made in a folder another user owns that others may write to', async () => {
    const parent = scratchDir('gav-runfolder-');
    chmodSync(parent, 0o777);
    // The same folder, seen by a different user than its owner.
    await expect(createRunFolder(parent, (uid ?? 0) + 4242)).rejects.toThrow(
      /belongs to another user or lets others replace what is in it .*mode 777.*set TMPDIR/,
    );
    expect(readdirSync(parent)).toEqual([]);
  });

  it.runIf(posix && uid === 0)('are made in a root-owned sticky folder such as /tmp', async () => {
    const parent = scratchDir('gav-runfolder-');
    chmodSync(parent, 0o1777);
    const folder = await createRunFolder(parent, 4242).catch((e: Error) => e.message);
    // Created (mkdtemp) then refused as not ours, since this process is really root: the parent passed.
    expect(String(folder)).toMatch(/not private: .* belongs to another user/);
  });

  it('a recorded run folder is checked: place, name, kind', async () => {
    const parent = scratchDir('gav-runfolder-');
    const good = await createRunFolder(parent);
    const link = path.join(parent, 'go-av-guard-link01');
    symlinkSync(good, link);
    const file = path.join(parent, 'go-av-guard-file01');
    writeFileSync(file, '');
    const other = path.join(parent, 'other-folder');
    mkdirSync(other, { mode: 0o700 });
    expect(await runFolderProblem(good, parent)).toBeUndefined();
    expect(await runFolderProblem(undefined, parent)).toBe('no run folder was recorded');
    expect(await runFolderProblem('relative/go-av-guard-x', parent)).toMatch(/not an absolute path/);
    expect(await runFolderProblem(`${good}/../${path.basename(good)}`, parent)).toMatch(
      /not a folder directly in/,
    );
    expect(await runFolderProblem(other, parent)).toMatch(/not named like one this tool creates/);
    expect(await runFolderProblem(link, parent)).toMatch(/is a symbolic link/);
    expect(await runFolderProblem(file, parent)).toMatch(/is not a folder/);
  });

  it('isInside is strict and path-based', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
  });

  it('withRunFolder removes the folder when the work fails, and leaves no signal handler behind', async () => {
    const parent = scratchDir('gav-runfolder-');
    const listeners = process.listenerCount('SIGTERM');
    let seen = '';
    await expect(
      withRunFolder(parent, async (folder) => {
        seen = folder;
        writeFileSync(path.join(folder, 'key.pem'), 'secret');
        expect(process.listenerCount('SIGTERM')).toBe(listeners + 1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(seen)).toBe(false);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
