import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, runCli, type CliIo } from '../../src/cli.js';
import {
  CSP_PATHS,
  CSP_PROCESSES,
  formatPolicyReg,
  POLICY_KEY,
  regString,
  writeFleetPolicy,
  type OmaUriSetting,
} from '../../src/defender/fleet.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import type { Report } from '../../src/report/model.js';

/**
 * A .reg (REGEDIT5) reader written from the format regedit exports: a BOM-prefixed UTF-16LE text,
 * `[key]` lines, `"name"=dword:xxxxxxxx` and `"name"="string"` values with `\\` and `\"` escapes.
 */
function parseReg(bytes: Buffer): Record<string, Record<string, string | number>> {
  expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
  const text = bytes.subarray(2).toString('utf16le');
  expect(text.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const keys: Record<string, Record<string, string | number>> = {};
  let current: Record<string, string | number> | undefined;
  const quoted = '"((?:[^"\\\\]|\\\\.)*)"';
  const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');
  for (const line of text.split('\r\n').slice(1)) {
    if (line === '') continue;
    const key = /^\[(.+)\]$/.exec(line);
    if (key) {
      current = keys[key[1] as string] = {};
      continue;
    }
    const dword = new RegExp(`^${quoted}=dword:([0-9a-f]{8})$`).exec(line);
    const string = new RegExp(`^${quoted}=${quoted}$`).exec(line);
    if (!current) throw new Error(`value outside a key: ${line}`);
    if (dword) current[unescape(dword[1] as string)] = parseInt(dword[2] as string, 16);
    else if (string) current[unescape(string[1] as string)] = unescape(string[2] as string);
    else throw new Error(`not a .reg value line: ${line}`);
  }
  return keys;
}

const ADVERSARIAL = [
  'C:\\Users\\O"Brien\\go',
  'C:\\Пути\\日本語\\go-build',
  'C:\\trailing\\',
  'D:\\a "quoted" \\\\double',
  'C:\\emoji 🚀\\cache',
];

describe('fleet policy files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'gav-fleet-'));
    dirs.push(d);
    return d;
  };

  it('escapes backslashes and quotes as regedit does', () => {
    expect(regString('C:\\a"b')).toBe('"C:\\\\a\\"b"');
  });

  it('the .reg file parses back to the policy keys, with adversarial names intact', async () => {
    const dir = tempDir();
    const processes = ['C:\\Go\\bin\\go.exe', 'C:\\Program Files\\Go\\pkg\\tool\\windows_amd64\\compile.exe'];
    const written = await writeFleetPolicy(path.join(dir, 'out'), [
      ...ADVERSARIAL.map((value) => ({ kind: 'path' as const, value, reason: 'test' })),
      ...processes.map((value) => ({ kind: 'process' as const, value, reason: 'test' })),
      { kind: 'path', value: 'C:\\pipe|name', reason: 'test' },
      { kind: 'path', value: 'C:\\line\r\nbreak', reason: 'test' },
    ]);
    const keys = parseReg(readFileSync(written.reg));
    expect(keys).toEqual({
      [POLICY_KEY]: { Exclusions_Paths: 1, Exclusions_Processes: 1 },
      [`${POLICY_KEY}\\Paths`]: Object.fromEntries(ADVERSARIAL.map((p) => [p, '0'])),
      [`${POLICY_KEY}\\Processes`]: Object.fromEntries(processes.map((p) => [p, '0'])),
    });
    expect(written.skipped.map((s) => s.value)).toEqual(['C:\\pipe|name', 'C:\\line\r\nbreak']);

    const settings = JSON.parse(readFileSync(written.intune, 'utf8')) as OmaUriSetting[];
    expect(settings.map((s) => [s.omaUri, s.dataType])).toEqual([
      [CSP_PATHS, 'String'],
      [CSP_PROCESSES, 'String'],
    ]);
    expect(settings[0]?.value.split('|')).toEqual(ADVERSARIAL);
    expect(settings[1]?.value.split('|')).toEqual(processes);
  });

  it('writes only the keys it has entries for', () => {
    const text = formatPolicyReg(['C:\\Go'], []);
    expect(text).toContain('"Exclusions_Paths"=dword:00000001');
    expect(text).not.toContain('Exclusions_Processes');
    expect(text).not.toContain('\\Processes]');
  });

  it('CLI: doctor --fleet-policy DIR writes the planner’s wanted exclusions for this runner', async () => {
    const dir = tempDir();
    const goEnv = {
      GOVERSION: 'go1.22.4',
      GOROOT: 'C:\\Program Files\\Go',
      GOPATH: 'C:\\Users\\runner\\go',
      GOCACHE: 'C:\\Users\\runner\\AppData\\Local\\go-build',
      GOMODCACHE: 'C:\\Users\\runner\\go\\pkg\\mod',
      GOTMPDIR: '',
      GOOS: 'windows',
      GOARCH: 'amd64',
      GOHOSTOS: 'windows',
      GOHOSTARCH: 'amd64',
    };
    const calls: string[][] = [];
    const run: ProcessRunner = async (file, args) => {
      calls.push([file, ...args]);
      if (args.join(' ') === 'env -json')
        return { exitCode: 0, stdout: JSON.stringify(goEnv), stderr: '', durationMs: 1 };
      return {
        exitCode: null,
        stdout: '',
        stderr: '',
        spawnError: 'not here',
        spawnCode: 'ENOENT',
        durationMs: 1,
      };
    };
    const out: string[] = [];
    const io: CliIo = {
      stdout: (t) => void out.push(t),
      stderr: () => undefined,
      readStdin: async () => '',
      env: { PATH: '', RUNNER_TEMP: dir },
      cwd: dir,
    };
    // An absolute --go: the stand-in runner answers for it (a bare name is only searched on PATH).
    const code = await runCli(
      ['doctor', '--json', '--go', '/opt/go/bin/go', '--fleet-policy', 'policy'],
      io,
      {
        run,
        platform: 'linux',
      },
    );
    expect(code).toBe(EXIT.ok);
    expect(calls.some((c) => c.slice(1).join(' ') === 'env -json')).toBe(true);
    const report = JSON.parse(out.join('')) as Report;
    expect(report.fleetPolicy?.reg).toBe(path.join(dir, 'policy', 'defender-exclusions.reg'));
    const keys = parseReg(readFileSync(path.join(dir, 'policy', 'defender-exclusions.reg')));
    expect(Object.keys(keys[`${POLICY_KEY}\\Paths`] ?? {})).toEqual([
      'C:\\Program Files\\Go',
      'C:\\Users\\runner\\go\\bin',
      'C:\\Users\\runner\\go\\pkg\\mod',
      'C:\\Users\\runner\\AppData\\Local\\go-build',
    ]);
    expect(Object.keys(keys[`${POLICY_KEY}\\Processes`] ?? {})).toEqual([
      'C:\\Program Files\\Go\\bin\\go.exe',
      ...['compile', 'link', 'asm', 'cgo', 'vet', 'buildid', 'pack'].map(
        (t) => `C:\\Program Files\\Go\\pkg\\tool\\windows_amd64\\${t}.exe`,
      ),
    ]);
    const settings = JSON.parse(
      readFileSync(path.join(dir, 'policy', 'defender-exclusions-intune.json'), 'utf8'),
    ) as OmaUriSetting[];
    expect(settings[0]?.value.split('|')).toEqual(Object.keys(keys[`${POLICY_KEY}\\Paths`] ?? {}));
  });
});
