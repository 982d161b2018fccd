import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoEnv } from '../../src/doctor/types.js';
import { runSmoke } from '../../src/smoke/index.js';
import { EXPECTED_OUTPUT, EXPECTED_TEST_OUTPUT, MARKER_ENV } from '../../src/smoke/module.js';
import { recordingRunner, smokeDeps } from './deps.js';

/** Windows is not this machine: the argv that would run there is asserted with a recording runner. */
describe('runSmoke on win32 (recorded argv)', () => {
  let tempDir: string;
  let gotmpdir: string;
  beforeAll(() => {
    tempDir = mkdtempSync(path.join(tmpdir(), 'gav-smoke-win-'));
    gotmpdir = mkdtempSync(path.join(tmpdir(), 'gav-gotmp-'));
  });
  afterAll(() => {
    rmSync(tempDir, { recursive: true, force: true });
    rmSync(gotmpdir, { recursive: true, force: true });
  });

  const goEnv = (): GoEnv => ({
    version: 'go1.22.5',
    goroot: 'C:\\hostedtoolcache\\windows\\go\\1.22.5\\x64',
    gopath: 'C:\\Users\\runneradmin\\go',
    gocache: 'C:\\Users\\runneradmin\\AppData\\Local\\go-build',
    gomodcache: 'C:\\Users\\runneradmin\\go\\pkg\\mod',
    gotmpdir,
    goos: 'windows',
    goarch: 'amd64',
    gohostos: 'windows',
    gohostarch: 'amd64',
    executable: 'go',
  });

  it('builds .exe files, passes -ldflags as separate argv elements, and proves the windowsgui program ran by its marker file', async () => {
    const { run, calls } = recordingRunner({
      printed: EXPECTED_OUTPUT,
      testPrinted: EXPECTED_TEST_OUTPUT,
      markerEnv: MARKER_ENV,
    });
    const report = await runSmoke(
      { enabled: true, variants: ['default', 'cgo-off', 'stripped', 'windowsgui', 'test', 'run'] },
      { found: true, env: goEnv() },
      { tempDir },
      smokeDeps({ run, platform: 'win32' }),
    );
    expect(report.variants.map((v) => [v.variant, v.status])).toEqual([
      ['default', 'passed'],
      ['cgo-off', 'passed'],
      ['stripped', 'passed'],
      ['windowsgui', 'passed'],
      ['test', 'passed'],
      ['run', 'passed'],
    ]);
    const moduleDir = path.join(report.workDir as string, 'module');
    const argv = calls.map((c) => [c.file, ...c.args]);
    const exe = (name: string): string => path.join(moduleDir, name);
    expect(argv[0]).toEqual(['go', 'build', '-o', exe('smoke-default.exe'), '.']);
    expect(argv[1]).toEqual([exe('smoke-default.exe')]);
    expect(argv[2]).toEqual(['go', 'build', '-o', exe('smoke-cgo-off.exe'), '.']);
    expect(calls[2]?.options?.env).toMatchObject({ CGO_ENABLED: '0', GOOS: 'windows', GOARCH: 'amd64' });
    expect(calls[0]?.options?.env?.CGO_ENABLED).toBeUndefined();
    expect(argv[4]).toEqual(['go', 'build', '-o', exe('smoke-stripped.exe'), '-ldflags', '-s -w', '.']);
    expect(argv[6]).toEqual([
      'go',
      'build',
      '-o',
      exe('smoke-windowsgui.exe'),
      '-ldflags',
      '-H=windowsgui',
      '.',
    ]);
    expect(argv[7]).toEqual([exe('smoke-windowsgui.exe')]);
    expect(calls[7]?.options?.env?.[MARKER_ENV]).toBe(path.join(moduleDir, 'windowsgui-ran.txt'));
    // The test binary is built into and run from GOTMPDIR.
    const testBinary = argv[8]?.[4] as string;
    expect(argv[8]?.slice(0, 4)).toEqual(['go', 'test', '-c', '-o']);
    expect(testBinary.startsWith(path.join(gotmpdir, 'go-av-guard-smoke-'))).toBe(true);
    expect(testBinary.endsWith(`${path.sep}smoke.test.exe`)).toBe(true);
    expect(argv[9]).toEqual([testBinary, '-test.v', '-test.run', '^TestSmoke$']);
    expect(argv[10]).toEqual(['go', 'run', '.']);
    expect(calls.every((c) => c.file !== 'go' || c.options?.cwd === moduleDir)).toBe(true);
  });

  it('a windowsgui program that exits 0 without writing its marker has not proven it ran', async () => {
    const { run } = recordingRunner({
      printed: EXPECTED_OUTPUT,
      testPrinted: EXPECTED_TEST_OUTPUT,
      markerEnv: 'SOMETHING_ELSE',
    });
    const report = await runSmoke(
      { enabled: true, variants: ['windowsgui'] },
      { found: true, env: goEnv() },
      { tempDir },
      smokeDeps({ run, platform: 'win32' }),
    );
    expect(report.variants[0]).toMatchObject({ status: 'failed', outputSeen: false, exitCode: 0 });
    expect(report.variants[0]?.diagnosis?.evidence).toMatch(/expected output did not appear/);
  });

  it('a run blocked with ERROR_VIRUS_INFECTED on Windows is antivirus for certain', async () => {
    const { run: base } = recordingRunner({
      printed: EXPECTED_OUTPUT,
      testPrinted: EXPECTED_TEST_OUTPUT,
      markerEnv: MARKER_ENV,
    });
    const report = await runSmoke(
      { enabled: true, variants: ['default'] },
      { found: true, env: goEnv() },
      { tempDir },
      smokeDeps({
        platform: 'win32',
        run: async (file, args, options) =>
          file === 'go'
            ? base(file, args, options)
            : {
                exitCode: null,
                stdout: '',
                stderr: '',
                durationMs: 1,
                spawnError:
                  'spawn UNKNOWN: Operation did not complete successfully because the file contains a virus or potentially unwanted software.',
              },
      }),
    );
    expect(report.variants[0]?.diagnosis?.verdict).toBe('av-certain');
    expect(report.result).toBe('failed');
  });
});
