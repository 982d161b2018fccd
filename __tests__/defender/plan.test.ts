import { describe, expect, it } from 'vitest';
import type { DefenderExclusions } from '../../src/doctor/types.js';
import {
  pathExclusionCovers,
  planExclusions,
  processExclusionCovers,
  wantedExclusions,
} from '../../src/defender/plan.js';
import { CTX, defenderOn, RUNNER_GO } from './helpers.js';

const NO_EXTRAS = { extraPaths: [], extraProcesses: [] };
const wanted = wantedExclusions(RUNNER_GO, NO_EXTRAS, CTX);
const exclusions = (paths: string[], processes: string[] = [], hidden = false): DefenderExclusions => ({
  paths,
  processes,
  extensions: [],
  hidden,
});
const actions = (plan: ReturnType<typeof planExclusions>): Record<string, string> =>
  Object.fromEntries(plan.planned.map((p) => [p.value, p.action]));

describe('wantedExclusions', () => {
  it('lists the Go folders, the temp dir, the workspace and the Go tools by full path', () => {
    expect(wanted.map((w) => `${w.kind} ${w.value}`)).toEqual([
      'path C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64',
      'path C:\\Users\\runneradmin\\go\\bin',
      'path C:\\Users\\runneradmin\\go\\pkg\\mod',
      'path C:\\Users\\runneradmin\\AppData\\Local\\go-build',
      'path D:\\a\\_temp\\go-av-guard\\gotmp',
      'path D:\\a\\repo\\repo',
      'process C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe',
      ...['compile', 'link', 'asm', 'cgo', 'vet', 'buildid', 'pack'].map(
        (t) => `process C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\pkg\\tool\\windows_amd64\\${t}.exe`,
      ),
    ]);
    expect(wanted.every((w) => w.reason.length > 0)).toBe(true);
  });

  it('uses the host os/arch for the tool folder (a cross-compiling job still runs windows_amd64 tools)', () => {
    const cross = wantedExclusions({ ...RUNNER_GO, goos: 'linux', goarch: 'arm64' }, NO_EXTRAS, CTX);
    expect(cross.some((w) => w.value.endsWith('\\pkg\\tool\\windows_amd64\\link.exe'))).toBe(true);
    expect(cross.some((w) => w.value.includes('linux_arm64'))).toBe(false);
  });

  it('adds extras, every GOPATH entry, a user GOTMPDIR, and drops duplicates and relative paths', () => {
    const list = wantedExclusions(
      { ...RUNNER_GO, gopath: 'C:\\go1;D:\\go2', gotmpdir: 'E:\\gotmp', gocache: 'off' },
      {
        extraPaths: ['E:\\cache\\', 'e:/cache', 'relative\\dir'],
        extraProcesses: ['myapp.exe', 'C:\\tools\\gen.exe'],
      },
      CTX,
    );
    const values = list.map((w) => w.value);
    expect(values).toContain('C:\\go1\\bin');
    expect(values).toContain('D:\\go2\\bin');
    expect(values).toContain('E:\\gotmp');
    expect(values.filter((v) => v.toLowerCase() === 'e:\\cache')).toEqual(['E:\\cache']);
    expect(values).not.toContain('off');
    expect(values.some((v) => v.includes('relative'))).toBe(false);
    expect(list.filter((w) => w.kind === 'process').map((w) => w.value)).toEqual(
      expect.arrayContaining(['myapp.exe', 'C:\\tools\\gen.exe']),
    );
  });

  it('still excludes the workspace and temp dir when Go was not found', () => {
    expect(wantedExclusions(undefined, NO_EXTRAS, CTX).map((w) => w.value)).toEqual([
      CTX.goTmpDir,
      CTX.workspace,
    ]);
  });
});

describe('coverage rules', () => {
  it('a drive root covers everything on that drive, nothing on another', () => {
    expect(pathExclusionCovers('C:\\', 'C:\\hostedtoolcache\\windows\\go')).toBe(true);
    expect(pathExclusionCovers('c:', 'C:\\x')).toBe(true);
    expect(pathExclusionCovers('C:\\', 'D:\\a\\repo')).toBe(false);
  });
  it('a folder covers its children but not a sibling that shares a prefix', () => {
    expect(pathExclusionCovers('C:\\Go', 'C:\\Go\\bin')).toBe(true);
    expect(pathExclusionCovers('C:\\Go', 'C:\\Gopath\\bin')).toBe(false);
  });
  it('wildcards: * stands for one level, and the match covers children', () => {
    expect(pathExclusionCovers('C:\\Users\\*\\go', 'C:\\Users\\runneradmin\\go\\pkg\\mod')).toBe(true);
    expect(pathExclusionCovers('C:\\Users\\*\\go', 'C:\\Users\\a\\b\\go')).toBe(false);
  });
  it('a bare process name matches that name in any folder; a full path only itself', () => {
    expect(processExclusionCovers('go.exe', 'C:\\Go\\bin\\go.exe')).toBe(true);
    expect(processExclusionCovers('C:\\Go\\bin\\go.exe', 'c:/go/bin/GO.EXE')).toBe(true);
    expect(processExclusionCovers('C:\\Go\\bin\\go.exe', 'C:\\Go2\\bin\\go.exe')).toBe(false);
    expect(
      processExclusionCovers('C:\\Go\\pkg\\tool\\*\\link.exe', 'C:\\Go\\pkg\\tool\\windows_amd64\\link.exe'),
    ).toBe(true);
  });
});

describe('planExclusions', () => {
  it('treats C:\\ and D:\\ (GitHub-hosted runners) as covering every path: nothing to add', () => {
    const plan = planExclusions(wanted, exclusions(['C:\\', 'D:\\'], []), defenderOn(), 'auto', true);
    const paths = plan.planned.filter((p) => p.kind === 'path');
    expect(paths.every((p) => p.action === 'covered')).toBe(true);
    expect(paths.find((p) => p.value === CTX.workspace)?.coveredBy).toBe('D:\\');
    // Process exclusions are a different kind: a path exclusion does not cover files a process opens.
    expect(plan.planned.filter((p) => p.kind === 'process').every((p) => p.action === 'add')).toBe(true);
  });

  it('ignores case, slash direction and trailing backslashes when an entry is already there', () => {
    const current = exclusions([
      'c:/HOSTEDTOOLCACHE/windows/go/1.24.1/x64\\',
      'C:\\Users\\runneradmin\\AppData\\Local\\go-build\\\\',
    ]);
    const plan = planExclusions(wanted, current, defenderOn(), 'auto', true);
    expect(actions(plan)[RUNNER_GO.goroot]).toBe('present');
    expect(actions(plan)[RUNNER_GO.gocache]).toBe('present');
    expect(actions(plan)[RUNNER_GO.gomodcache]).toBe('add');
    // GOROOT present also covers the tools inside it? No: those are process exclusions.
    expect(actions(plan)[`${RUNNER_GO.goroot}\\bin\\go.exe`]).toBe('add');
  });

  it('marks a path under a parent exclusion as covered, naming the parent', () => {
    const plan = planExclusions(
      wanted,
      exclusions(['C:\\Users\\runneradmin\\go']),
      defenderOn(),
      'auto',
      true,
    );
    const modcache = plan.planned.find((p) => p.value === RUNNER_GO.gomodcache);
    expect(modcache).toMatchObject({ action: 'covered', coveredBy: 'C:\\Users\\runneradmin\\go' });
  });

  it('does not add a wanted folder that lies inside another wanted folder', () => {
    const nested = wantedExclusions(RUNNER_GO, NO_EXTRAS, {
      workspace: 'D:\\a\\repo\\repo',
      goTmpDir: 'D:\\a\\repo\\repo\\.gotmp',
    });
    const plan = planExclusions(nested, exclusions([]), defenderOn(), 'auto', true);
    expect(plan.planned.find((p) => p.value === 'D:\\a\\repo\\repo\\.gotmp')).toMatchObject({
      action: 'covered',
      coveredBy: 'D:\\a\\repo\\repo',
    });
  });

  it('adds nothing in auto mode when real-time protection is off, and says why', () => {
    const plan = planExclusions(
      wanted,
      exclusions([]),
      defenderOn({ realTimeProtectionEnabled: false }),
      'auto',
      true,
    );
    expect(plan.skipped).toMatch(/real-time protection is off/);
    expect(plan.failure).toBeUndefined();
    expect(plan.notes.map((n) => n.message).join(' ')).toMatch(/exclusions: true to add them anyway/);
  });

  it('adds anyway with exclusions: true when real-time protection is off', () => {
    const plan = planExclusions(
      wanted,
      exclusions([]),
      defenderOn({ realTimeProtectionEnabled: false }),
      'true',
      true,
    );
    expect(plan.skipped).toBeUndefined();
    expect(plan.planned.filter((p) => p.action === 'add')).toHaveLength(wanted.length);
  });

  it('not elevated: auto warns and goes on, true fails', () => {
    const auto = planExclusions(wanted, exclusions([]), defenderOn(), 'auto', false);
    expect(auto.skipped).toMatch(/not elevated/);
    expect(auto.failure).toBeUndefined();
    expect(auto.notes.some((n) => n.level === 'warning' && /not elevated/.test(n.message))).toBe(true);
    const strict = planExclusions(wanted, exclusions([]), defenderOn(), 'true', false);
    expect(strict.failure).toMatch(/^exclusions: true, but this process is not elevated/);
  });

  it('Defender off or replaced (0x800106ba): auto warns, true fails, both name the code', () => {
    const off = {
      available: false,
      errorCode: '0x800106ba',
      error: 'Operation failed with the following error: 0x800106ba',
      exclusions: exclusions([]),
    };
    expect(planExclusions(wanted, off.exclusions, off, 'auto', true).notes[0]?.message).toMatch(/0x800106ba/);
    expect(planExclusions(wanted, off.exclusions, off, 'true', true).failure).toMatch(/0x800106ba/);
  });

  it('passive mode in auto: another product is primary, nothing is added', () => {
    const plan = planExclusions(
      wanted,
      exclusions([]),
      defenderOn({ amRunningMode: 'Passive Mode' }),
      'auto',
      true,
    );
    expect(plan.skipped).toMatch(/Passive Mode/);
  });

  it('needs no rights when nothing is missing (not elevated, but all covered)', () => {
    const current = exclusions(
      ['C:\\', 'D:\\'],
      wanted.filter((w) => w.kind === 'process').map((w) => w.value),
    );
    const plan = planExclusions(wanted, current, defenderOn(), 'true', false);
    expect(plan.failure).toBeUndefined();
    expect(plan.skipped).toBeUndefined();
  });

  it('hidden exclusions: plans every path for a MpCmdRun check and holds back process exclusions', () => {
    const plan = planExclusions(
      wanted,
      exclusions([], [], true),
      defenderOn({ hideExclusionsFromLocalAdmins: true }),
      'auto',
      true,
    );
    expect(plan.planned.filter((p) => p.kind === 'path').every((p) => p.action === 'add')).toBe(true);
    expect(plan.held.map((h) => h.value)).toEqual(
      wanted.filter((w) => w.kind === 'process').map((w) => w.value),
    );
    expect(plan.held[0]?.reason).toMatch(/never remove one that was there before/);
    expect(plan.notes.some((n) => /MpCmdRun\.exe -CheckExclusion/.test(n.message))).toBe(true);
  });

  it('tamper protection on: says each entry will be read back', () => {
    const plan = planExclusions(
      wanted,
      exclusions([]),
      defenderOn({ isTamperProtected: true }),
      'auto',
      true,
    );
    expect(plan.notes.some((n) => /Tamper protection/.test(n.message))).toBe(true);
  });

  it('mode false plans nothing', () => {
    expect(planExclusions(wanted, exclusions([]), defenderOn(), 'false', true)).toMatchObject({
      planned: [],
      skipped: 'exclusions is false',
    });
  });
});
