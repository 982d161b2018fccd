import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  findSigntool,
  locateSigningTool,
  parseSdkVersion,
  windowsKitsRoots,
} from '../../src/sign/locate.js';
import { scratchDir } from '../helpers/tmp.js';

/** A folder tree shaped like `Windows Kits\10\bin` on windows-latest (several SDKs, several archs). */
function fakeKits(files: string[]): string {
  const root = scratchDir('kits-');
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), 'MZ');
  }
  return root;
}

describe('signtool discovery', () => {
  it('parses SDK versions and orders them numerically, not as text', () => {
    expect(parseSdkVersion('10.0.22621.0')).toEqual([10, 0, 22621, 0]);
    expect(parseSdkVersion('x64')).toBeUndefined();
    expect(parseSdkVersion('10.0.x')).toBeUndefined();
    expect(compareVersions([10, 0, 9600, 0], [10, 0, 22621, 0])).toBeLessThan(0);
  });

  it('picks the newest SDK by parsed version for the host architecture', async () => {
    const root = fakeKits([
      '10.0.9600.0/x64/signtool.exe', // "9600" sorts after "22621" as text: must not win
      '10.0.22621.0/x64/signtool.exe',
      '10.0.26100.0/x86/signtool.exe',
      '10.0.26100.0/arm64/signtool.exe',
      'x64/makecert.exe',
    ]);
    expect(await findSigntool([root], 'x64')).toBe(path.join(root, '10.0.22621.0', 'x64', 'signtool.exe'));
    expect(await findSigntool([root], 'arm64')).toBe(
      path.join(root, '10.0.26100.0', 'arm64', 'signtool.exe'),
    );
  });

  it('falls back to the newest x86 signtool, which runs on every host', async () => {
    const root = fakeKits(['10.0.19041.0/x86/signtool.exe', '10.0.17763.0/x86/signtool.exe']);
    expect(await findSigntool([root], 'x64')).toBe(path.join(root, '10.0.19041.0', 'x86', 'signtool.exe'));
  });

  it('searches every root and ignores missing ones', async () => {
    const a = fakeKits(['10.0.17763.0/x64/signtool.exe']);
    const b = fakeKits(['10.0.26100.0/x64/signtool.exe']);
    expect(await findSigntool([path.join(a, 'missing'), a, b], 'x64')).toBe(
      path.join(b, '10.0.26100.0', 'x64', 'signtool.exe'),
    );
  });

  it('derives the Windows Kits roots from Program Files variables', () => {
    expect(
      windowsKitsRoots({ 'ProgramFiles(x86)': 'C:\\Program Files (x86)', ProgramFiles: 'C:\\Program Files' }),
    ).toEqual(['C:\\Program Files (x86)\\Windows Kits\\10\\bin', 'C:\\Program Files\\Windows Kits\\10\\bin']);
  });

  it('honours an explicit signtool-path, and says clearly when it is wrong', async () => {
    const root = fakeKits(['custom dir/signtool.exe']);
    const explicit = path.join(root, 'custom dir', 'signtool.exe');
    expect(
      await locateSigningTool({ platform: 'win32', arch: 'x64', env: {}, signtoolPath: explicit }),
    ).toEqual({
      name: 'signtool',
      found: true,
      path: explicit,
    });
    const missing = await locateSigningTool({
      platform: 'win32',
      arch: 'x64',
      env: {},
      signtoolPath: '/nope/signtool.exe',
    });
    expect(missing).toEqual({
      name: 'signtool',
      found: false,
      reason: 'signtool-path: no file at /nope/signtool.exe',
    });
  });

  it('reports where it looked when no SDK is installed', async () => {
    const root = fakeKits([]);
    const probe = await locateSigningTool({
      platform: 'win32',
      arch: 'x64',
      env: { PATH: '' },
      kitsRoots: [root],
    });
    expect(probe.found).toBe(false);
    expect(probe.reason).toContain(root);
    expect(probe.reason).toMatch(/install the Windows SDK or set signtool-path/);
  });
});

describe('signing off Windows', () => {
  it('is the built-in engine: nothing to find or install, no process started', async () => {
    const probe = await locateSigningTool({ platform: 'linux', arch: 'x64', env: { PATH: '' } });
    expect(probe).toEqual({ name: 'built-in', found: true, version: 'in process' });
  });
});
