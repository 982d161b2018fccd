import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE } from '../../src/constants.js';
import type { Deps } from '../../src/deps.js';
import { testDeps } from '../helpers/harness.js';
import { createRunFolder, RUN_FOLDER_STATE } from '../../src/platform/runfolder.js';
import { memoryState } from '../../src/platform/state.js';
import { run as postStep } from '../../src/post.js';
import { cleanupSigning, SIGNING_CLEANUP_STATE } from '../../src/sign/cleanup.js';
import { isPowerShell, recordingRunner } from '../helpers/recorder.js';
import { scratchDir } from '../helpers/tmp.js';

/**
 * The post step gets its state from the runner (STATE_* variables the main step wrote). Anyone who can
 * write that state, or damage it, must not be able to make cleanup delete anything but this run's files.
 */
const saved = { ...process.env };
const cwd = process.cwd();
let root: string;
let workspace: string;
let runnerTemp: string;

beforeEach(() => {
  root = scratchDir('gav-state-');
  workspace = path.join(root, 'ws');
  runnerTemp = path.join(root, 'runner-temp');
  mkdirSync(workspace);
  mkdirSync(runnerTemp);
  for (const folder of ['a', 'e', 'keep']) {
    mkdirSync(path.join(workspace, folder));
    writeFileSync(path.join(workspace, folder, 'source.go'), 'package main\n');
  }
  Object.assign(process.env, {
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: path.join(root, 'summary.md'),
    GITHUB_OUTPUT: path.join(root, 'output'),
  });
  writeFileSync(path.join(root, 'summary.md'), '');
  writeFileSync(path.join(root, 'output'), '');
  process.chdir(workspace);
});
afterEach(() => {
  process.chdir(cwd);
  process.env = { ...saved };
  process.exitCode = undefined;
});

function deps(values: Record<string, string>, platform: NodeJS.Platform = 'linux') {
  const state = memoryState({ [STATE.isPost]: 'true', ...values });
  const recorder = recordingRunner([[isPowerShell, { stdout: '' }]]);
  const d = testDeps({
    run: recorder.run,
    platform,
    env: process.env,
    state,
    now: () => new Date('2026-11-24T12:00:00Z'),
  });
  return { deps: d, state, spawns: recorder.spawns };
}

const cleanupList = (value: unknown): Record<string, string> => ({
  [SIGNING_CLEANUP_STATE]: typeof value === 'string' ? value : JSON.stringify(value),
});

const messages = async (d: Deps): Promise<string[]> => (await cleanupSigning(d)).map((n) => n.message);

describe('crafted or damaged state: the post step removes nothing that is not this run’s', () => {
  it('{"paths":"ae"} is not read one character at a time: workspace folders a/ and e/ survive', async () => {
    const { deps: d } = deps(cleanupList({ paths: 'ae' }));
    expect(await messages(d)).toEqual(['sign cleanup: left alone: the saved paths are not a list ("ae")']);
    await postStep(d);
    expect(existsSync(path.join(workspace, 'a', 'source.go'))).toBe(true);
    expect(existsSync(path.join(workspace, 'e', 'source.go'))).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('refuses relative paths, roots and non-strings without touching them', async () => {
    const { deps: d } = deps(cleanupList({ paths: ['a', '/', 'C:\\', 7, null, '/x/../'], thumbprints: 'A' }));
    const notes = await messages(d);
    expect(notes).toEqual([
      'sign cleanup: left alone: the saved path "a" is not an absolute path below a root',
      'sign cleanup: left alone: the saved path "/" is not an absolute path below a root',
      'sign cleanup: left alone: the saved path "C:\\\\" is not an absolute path below a root',
      'sign cleanup: left alone: the saved path 7 is not an absolute path below a root',
      'sign cleanup: left alone: the saved path null is not an absolute path below a root',
      'sign cleanup: left alone: the saved path "/x/../" is not an absolute path below a root',
      'sign cleanup: left alone: the saved thumbprints are not a list ("A")',
    ]);
    expect(existsSync(path.join(workspace, 'a', 'source.go'))).toBe(true);
  });

  it('leaves a folder outside the run folder alone, even an owner-only one of ours', async () => {
    const folder = await createRunFolder(runnerTemp);
    const victim = path.join(root, 'victim');
    mkdirSync(victim, { mode: 0o700 });
    writeFileSync(path.join(victim, 'precious'), 'x');
    const inside = path.join(folder, 'sign-abcdef');
    mkdirSync(inside, { mode: 0o700 });
    const { deps: d, state } = deps({
      [RUN_FOLDER_STATE]: folder,
      ...cleanupList({ paths: [victim, path.join(workspace, 'keep'), inside] }),
    });
    const notes = await messages(d);
    expect(notes).toEqual([
      `sign cleanup: left ${victim} alone: it is not inside this run's folder ${folder}`,
      `sign cleanup: left ${path.join(workspace, 'keep')} alone: it is not inside this run's folder ${folder}`,
    ]);
    expect(existsSync(path.join(victim, 'precious'))).toBe(true);
    expect(existsSync(path.join(workspace, 'keep', 'source.go'))).toBe(true);
    expect(existsSync(inside)).toBe(false);
    // Refused entries are not kept for a later try: they were never this run's to remove.
    expect(JSON.parse(state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({ paths: [], thumbprints: [] });
  });

  it('does not follow a symbolic link inside the run folder to a folder outside it', async () => {
    const folder = await createRunFolder(runnerTemp);
    const victim = path.join(root, 'victim');
    mkdirSync(path.join(victim, 'data'), { recursive: true });
    symlinkSync(victim, path.join(folder, 'link'));
    const { deps: d } = deps({
      [RUN_FOLDER_STATE]: folder,
      ...cleanupList({ paths: [path.join(folder, 'link', 'data')] }),
    });
    expect(await messages(d)).toEqual([
      expect.stringMatching(/link\/data alone: it is not inside this run's folder/),
    ]);
    expect(existsSync(path.join(victim, 'data'))).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)(
    'refuses a recorded run folder that belongs to another user',
    async () => {
      const folder = await createRunFolder(runnerTemp);
      const secret = path.join(folder, 'sign-abcdef');
      mkdirSync(secret, { mode: 0o700 });
      chownSync(folder, 65534, 65534);
      const { deps: d } = deps({ [RUN_FOLDER_STATE]: folder, ...cleanupList({ paths: [secret] }) });
      const notes = await messages(d);
      expect(notes).toEqual([
        expect.stringMatching(/the saved run folder was not used: .* belongs to another user \(uid 65534/),
        `sign cleanup: left ${secret} alone: this run's folder is unknown, so only signing temp files are removed`,
      ]);
      expect(existsSync(secret)).toBe(true);
    },
  );

  it('refuses a recorded run folder that others can write to, or that is not in RUNNER_TEMP', async () => {
    const loose = await createRunFolder(runnerTemp);
    chmodSync(loose, 0o777);
    const elsewhere = await createRunFolder(root);
    for (const [folder, why] of [
      [loose, /can be read or written by other users \(mode 777\)/],
      [elsewhere, /is not a folder directly in/],
      [path.join(workspace, 'a'), /is not a folder directly in/],
    ] as const) {
      const target = path.join(folder, 'x');
      writeFileSync(target, '');
      const { deps: d } = deps({ [RUN_FOLDER_STATE]: folder, ...cleanupList({ paths: [target] }) });
      const notes = await messages(d);
      expect(notes[0]).toMatch(why);
      expect(existsSync(target)).toBe(true);
    }
  });

  it('removes this run’s files: inside its folder, and signing temp copies beside a binary', async () => {
    const folder = await createRunFolder(runnerTemp);
    const secret = path.join(folder, 'sign-abcdef');
    mkdirSync(secret, { mode: 0o700 });
    writeFileSync(path.join(secret, 'key.pem'), 'secret');
    const temp = path.join(workspace, '.app.exe.0123abcd.signed.exe');
    writeFileSync(temp, 'half-signed');
    const lookalike = path.join(workspace, 'keep', '.app.exe.0123abcd.signed.exe');
    mkdirSync(lookalike);
    const { deps: d } = deps({
      [RUN_FOLDER_STATE]: folder,
      ...cleanupList({ paths: [secret, temp, lookalike] }),
    });
    await postStep(d);
    expect(existsSync(secret)).toBe(false);
    expect(existsSync(temp)).toBe(false);
    // A folder wearing a temp file's name is not a temp file.
    expect(existsSync(lookalike)).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('a post step whose state names no run folder removes only signing temp copies', async () => {
    const lookalike = path.join(root, 'sign-abcdef');
    mkdirSync(lookalike, { mode: 0o700 });
    const temp = path.join(workspace, '.app.exe.0123abcd.stamped.exe');
    writeFileSync(temp, 'half-signed');
    const { deps: d } = deps(cleanupList({ paths: [lookalike, temp] }));
    await postStep(d);
    expect(existsSync(lookalike)).toBe(true);
    expect(existsSync(temp)).toBe(false);
  });

  it('two jobs on one self-hosted machine (one RUNNER_TEMP): each post step removes only its own files', async () => {
    const [a, b] = [await createRunFolder(runnerTemp), await createRunFolder(runnerTemp)];
    expect(a).not.toBe(b);
    const secretOf = (folder: string): string => {
      const dir = path.join(folder, 'sign-Xy12Zw');
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(path.join(dir, 'key.pem'), 'secret');
      return dir;
    };
    const [secretA, secretB] = [secretOf(a), secretOf(b)];
    // Job A's list even names job B's folder (a shared or crafted list): it is still not A's to remove.
    const jobA = deps({ [RUN_FOLDER_STATE]: a, ...cleanupList({ paths: [secretA, secretB] }) });
    await postStep(jobA.deps);
    expect(existsSync(secretA)).toBe(false);
    expect(existsSync(path.join(secretB, 'key.pem'))).toBe(true);
    const jobB = deps({ [RUN_FOLDER_STATE]: b, ...cleanupList({ paths: [secretB] }) });
    await postStep(jobB.deps);
    expect(existsSync(secretB)).toBe(false);
  });

  it('hands only well-formed thumbprints to the certificate store script', async () => {
    const good = 'AB'.repeat(20);
    const { deps: d, spawns } = deps(
      cleanupList({ paths: [], thumbprints: [good, "x'; Remove-Item C:\\ -Recurse; '", 'ab'.repeat(20)] }),
      'win32',
    );
    const notes = await messages(d);
    expect(notes.filter((n) => n.includes('is not 40 hexadecimal digits'))).toHaveLength(2);
    const env = JSON.stringify(spawns.map((s) => s.options.env));
    expect(env).toContain(good);
    expect(env).not.toContain('Remove-Item');
  });

  it('a cleanup list that is not JSON, or not an object, removes nothing and says so', async () => {
    for (const raw of ['{not json', '"ae"', '["/"]']) {
      const { deps: d } = deps(cleanupList(raw));
      const notes = await messages(d);
      expect(notes.length).toBeLessThanOrEqual(1);
      expect(existsSync(path.join(workspace, 'a'))).toBe(true);
    }
  });
});

describe('the cleanup list a signing run keeps', () => {
  it('keeps every path recorded and not forgotten, in one store', async () => {
    const { recordForCleanup, forgetForCleanup, readSigningCleanup } =
      await import('../../src/sign/cleanup.js');
    const { deps: d } = deps({});
    for (const name of ['a', 'b', 'c']) recordForCleanup(d, { paths: [path.join(root, name)] });
    forgetForCleanup(d, { paths: [path.join(root, 'b')] });
    expect(readSigningCleanup(d).recorded.paths).toEqual([path.join(root, 'a'), path.join(root, 'c')]);
  });

  it('reads and checks the list again when another writer changed it since this process saved it', async () => {
    const { recordForCleanup, readSigningCleanup } = await import('../../src/sign/cleanup.js');
    const { deps: d, state } = deps({});
    recordForCleanup(d, { paths: [path.join(root, 'ours')] });
    state.set(SIGNING_CLEANUP_STATE, JSON.stringify({ paths: ['relative', path.join(root, 'theirs')] }));
    recordForCleanup(d, { paths: [path.join(root, 'next')] });
    expect(readSigningCleanup(d).recorded.paths).toEqual([
      path.join(root, 'theirs'),
      path.join(root, 'next'),
    ]);
  });
});
