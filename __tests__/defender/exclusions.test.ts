import { describe, expect, it } from 'vitest';
import type { ExclusionsConfig } from '../../src/config.js';
import {
  APPLY_EXCLUSIONS_SCRIPT,
  EXCLUSIONS_STATE_KEY,
  folderExcludedAfter,
  guardExclusions,
  RESTORE_EXCLUSIONS_SCRIPT,
  restoreExclusions,
} from '../../src/defender/exclusions.js';
import {
  framePowerShellScript,
  powerShellScriptOf,
  POWERSHELL_INPUT_VAR,
  POWERSHELL_ARGS,
} from '../../src/platform/powershell.js';
import { memoryState } from '../../src/platform/state.js';
import { normalizeWindowsPath } from '../../src/defender/paths.js';
import { CTX, defenderOn, doctorWith, psReply, recordingRunner, windowsDeps, type Call } from './helpers.js';

const config = (overrides: Partial<ExclusionsConfig> = {}): ExclusionsConfig => ({
  mode: 'auto',
  extraPaths: [],
  extraProcesses: [],
  dryRun: false,
  restore: true,
  ...overrides,
});

interface Entry {
  Kind: 'path' | 'process';
  Value: string;
}

/**
 * Plays Defender for the apply script: takes the entries the script was given and answers in the shape the
 * script writes (see APPLY_EXCLUSIONS_SCRIPT): Results[] with Called/Error/Before/After, then the read-back.
 */
function fakeDefender(options: {
  before?: { paths?: string[]; processes?: string[] };
  ignore?: (e: Entry) => boolean;
  fail?: (e: Entry) => string | undefined;
  hidden?: boolean;
  checkExclusion?: (path: string, phase: 'before' | 'after', added: boolean) => string | undefined;
}) {
  const paths = [...(options.before?.paths ?? [])];
  const processes = [...(options.before?.processes ?? [])];
  return (call: Call) => {
    const input = call.input as { Entries: Entry[]; Hidden: boolean };
    const results = input.Entries.map((e) => {
      const r: Record<string, unknown> = { Kind: e.Kind, Value: e.Value };
      if (input.Hidden && e.Kind === 'path' && options.checkExclusion) {
        const out = options.checkExclusion(e.Value, 'before', false);
        r.Before = out === undefined ? null : { ExitCode: 0, Output: out };
        if (out && / is excluded/.test(out)) return r;
      }
      const failure = options.fail?.(e);
      if (failure) {
        r.Error = { Message: failure, HResult: '0x80131500' };
        return r;
      }
      r.Called = true;
      if (!options.ignore?.(e)) (e.Kind === 'path' ? paths : processes).push(e.Value);
      if (input.Hidden && e.Kind === 'path' && options.checkExclusion) {
        const out = options.checkExclusion(e.Value, 'after', !options.ignore?.(e));
        r.After = out === undefined ? null : { ExitCode: 0, Output: out };
      }
      return r;
    });
    const marker = 'N/A: Must be an administrator to view exclusions';
    return psReply({
      Results: results,
      MpCmdRun: input.Hidden
        ? 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25010.11-0\\MpCmdRun.exe'
        : null,
      ExclusionPath: options.hidden ? [marker] : paths,
      ExclusionProcess: options.hidden ? [marker] : processes,
    });
  };
}

/** A reply for the restore script: removes what it is asked to, unless told to ignore or fail. */
function fakeRemoval(
  current: { paths: string[]; processes: string[] },
  ignore: (e: Entry) => boolean = () => false,
) {
  return (call: Call) => {
    const input = call.input as { Entries: Entry[] };
    const results = input.Entries.map((e) => {
      const list = e.Kind === 'path' ? current.paths : current.processes;
      if (!ignore(e)) {
        const at = list.findIndex((v) => normalizeWindowsPath(v) === normalizeWindowsPath(e.Value));
        if (at >= 0) list.splice(at, 1);
      }
      return { Kind: e.Kind, Value: e.Value, Called: true };
    });
    return psReply({ Results: results, ExclusionPath: current.paths, ExclusionProcess: current.processes });
  };
}

describe('guardExclusions: apply and verify', () => {
  it('adds the missing entries in ONE PowerShell start with the constant script, and records exactly those verified', async () => {
    const run = recordingRunner(fakeDefender({}));
    const deps = windowsDeps(run);
    const report = await guardExclusions(config(), doctorWith(defenderOn()), CTX, deps);

    expect(run.calls).toHaveLength(1);
    const [call] = run.calls as [Call];
    expect(call.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(call.args).toEqual(POWERSHELL_ARGS);
    expect(Object.keys(call.options?.env ?? {})).toEqual([POWERSHELL_INPUT_VAR]);
    expect(report.added).toHaveLength(14);
    expect(report.notApplied).toEqual([]);
    expect(report.failure).toBeUndefined();
    expect(report.gotmpdir).toBe(CTX.goTmpDir);
    const recorded = JSON.parse(deps.state.values[EXCLUSIONS_STATE_KEY] ?? '[]') as Array<{ value: string }>;
    expect(recorded.map((r) => r.value)).toEqual(report.added.map((a) => a.value));
  });

  it('tamper protection ignoring a call (exit 0, nothing changed) -> not applied, not recorded', async () => {
    const ignoredGocache = (e: Entry) => e.Value.endsWith('go-build');
    const run = recordingRunner(fakeDefender({ ignore: ignoredGocache }));
    const deps = windowsDeps(run);
    const report = await guardExclusions(
      config(),
      doctorWith(defenderOn({ isTamperProtected: true })),
      CTX,
      deps,
    );
    expect(report.notApplied).toEqual([
      expect.objectContaining({
        value: 'C:\\Users\\runneradmin\\AppData\\Local\\go-build',
        reason: expect.stringMatching(/not there when read back/),
      }),
    ]);
    expect(deps.state.values[EXCLUSIONS_STATE_KEY]).not.toMatch(/go-build/);
    expect(report.failure).toBeUndefined();
    expect(report.notes.some((n) => n.level === 'warning' && /did not take effect/.test(n.message))).toBe(
      true,
    );

    const strict = await guardExclusions(
      config({ mode: 'true' }),
      doctorWith(defenderOn()),
      CTX,
      windowsDeps(recordingRunner(fakeDefender({ ignore: ignoredGocache }))),
    );
    expect(strict.failure).toMatch(
      /^exclusions: true, but 1 exclusion\(s\) did not take effect: C:\\Users\\runneradmin\\AppData\\Local\\go-build/,
    );
  });

  it('an Add-MpPreference error (0x800106ba) is reported per entry with what the code means', async () => {
    const run = recordingRunner(
      fakeDefender({ fail: () => 'Operation failed with the following error: 0x800106ba' }),
    );
    const report = await guardExclusions(config(), doctorWith(defenderOn()), CTX, windowsDeps(run));
    expect(report.added).toEqual([]);
    expect(report.notApplied[0]?.reason).toMatch(/0x800106ba: the Defender service is not running/);
  });

  it('hidden exclusions: a path MpCmdRun already calls excluded is left alone; others are verified by MpCmdRun', async () => {
    const hiddenDefender = defenderOn({
      hideExclusionsFromLocalAdmins: true,
      exclusions: { paths: [], processes: [], extensions: [], hidden: true },
    });
    const run = recordingRunner(
      fakeDefender({
        hidden: true,
        ignore: (e) => e.Value.endsWith('gotmp'),
        checkExclusion: (p, phase, added) => {
          if (p.startsWith('C:\\hostedtoolcache')) return `Path "${p}" is excluded`;
          if (p.endsWith('go-build')) return undefined; // MpCmdRun not found / no answer
          return phase === 'after' && added ? `Path "${p}" is excluded` : `Path "${p}" is not excluded`;
        },
      }),
    );
    const deps = windowsDeps(run);
    const report = await guardExclusions(config(), doctorWith(hiddenDefender), CTX, deps);
    const input = run.calls[0]?.input as { Entries: Entry[]; Hidden: boolean };
    expect(input.Hidden).toBe(true);
    expect(input.Entries.every((e) => e.Kind === 'path')).toBe(true);
    expect(report.planned.find((p) => p.value.endsWith('x64'))).toMatchObject({ action: 'covered' });
    expect(report.added.map((a) => a.value)).toEqual([
      'C:\\Users\\runneradmin\\go\\bin',
      'C:\\Users\\runneradmin\\go\\pkg\\mod',
      CTX.workspace,
    ]);
    const reasons = Object.fromEntries(report.notApplied.map((n) => [n.value, n.reason]));
    expect(reasons[CTX.goTmpDir]).toMatch(/still not excluded/);
    expect(reasons['C:\\Users\\runneradmin\\AppData\\Local\\go-build']).toMatch(/could not be verified/);
    expect(reasons['C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe']).toMatch(/hidden/);
    expect(JSON.parse(deps.state.values[EXCLUSIONS_STATE_KEY] ?? '[]')).toHaveLength(3);
    // Held-back process exclusions are explained, never a failure, even with exclusions: true.
    const strict = await guardExclusions(
      config({ mode: 'true' }),
      doctorWith(hiddenDefender),
      CTX,
      windowsDeps(
        recordingRunner(
          fakeDefender({
            hidden: true,
            checkExclusion: (p, phase, added) =>
              phase === 'after' && added ? `${p} is excluded` : `${p} is not excluded`,
          }),
        ),
      ),
    );
    expect(strict.failure).toBeUndefined();
  });

  it('hidden exclusions: an entry MpCmdRun could not check before the change is never recorded for removal', async () => {
    const hiddenDefender = defenderOn({
      exclusions: { paths: [], processes: [], extensions: [], hidden: true },
    });
    const run = recordingRunner(
      fakeDefender({
        hidden: true,
        // No answer before (it may already have been excluded), "excluded" after.
        checkExclusion: (p, phase) => (phase === 'before' ? undefined : `Path "${p}" is excluded`),
      }),
    );
    const deps = windowsDeps(run);
    const report = await guardExclusions(config(), doctorWith(hiddenDefender), CTX, deps);
    expect(report.added).toEqual([]);
    expect(
      report.notApplied
        .filter((n) => n.kind === 'path')
        .every((n) => /may have existed already/.test(n.reason)),
    ).toBe(true);
    expect(JSON.parse(deps.state.values[EXCLUSIONS_STATE_KEY] ?? '[]')).toEqual([]);
  });

  it('records what it is about to add before PowerShell starts, so a killed start still gets cleaned up', async () => {
    const run = recordingRunner(() => ({
      stdout: '',
      stderr: '',
      exitCode: null,
      timedOut: true,
      durationMs: 120_000,
    }));
    const deps = windowsDeps(run);
    const report = await guardExclusions(config(), doctorWith(defenderOn()), CTX, deps);
    expect(report.added).toEqual([]);
    expect(report.notApplied[0]?.reason).toMatch(/the post step removes any that did get added/);
    const recorded = JSON.parse(deps.state.values[EXCLUSIONS_STATE_KEY] ?? '[]') as Entry[];
    expect(recorded.length).toBe(report.planned.filter((p) => p.action === 'add').length);
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('dry run, mode false, non-Windows, not elevated and RTP off (auto) start no process', async () => {
    const run = recordingRunner();
    const on = doctorWith(defenderOn());
    const dry = await guardExclusions(config({ dryRun: true }), on, CTX, windowsDeps(run));
    expect(dry.planned.filter((p) => p.action === 'add')).toHaveLength(14);
    expect(dry.notes.some((n) => /Dry run: 14 exclusion/.test(n.message))).toBe(true);
    expect((await guardExclusions(config({ mode: 'false' }), on, CTX, windowsDeps(run))).skipped).toBe(
      'exclusions is false',
    );
    expect(
      (await guardExclusions(config(), { ...on, platform: 'linux' }, CTX, windowsDeps(run))).skipped,
    ).toMatch(/Windows only/);
    const notElevated = await guardExclusions(
      config({ mode: 'true' }),
      { ...on, elevated: false },
      CTX,
      windowsDeps(run),
    );
    expect(notElevated.failure).toMatch(/not elevated/);
    const rtpOff = await guardExclusions(
      config(),
      doctorWith(defenderOn({ realTimeProtectionEnabled: false })),
      CTX,
      windowsDeps(run),
    );
    expect(rtpOff.skipped).toMatch(/real-time protection is off/);
    expect(run.calls).toHaveLength(0);
  });

  it('a PowerShell start that fails outright marks every entry not applied, and fails with exclusions: true', async () => {
    const run = recordingRunner({
      exitCode: 1,
      stdout: '',
      stderr: 'Add-MpPreference : Access denied',
      durationMs: 1,
    });
    const report = await guardExclusions(
      config({ mode: 'true' }),
      doctorWith(defenderOn()),
      CTX,
      windowsDeps(run),
    );
    expect(report.notApplied).toHaveLength(14);
    expect(report.notApplied[0]?.reason).toMatch(/Access denied/);
    expect(report.failure).toMatch(/^exclusions: true/);
  });
});

describe('folderExcludedAfter', () => {
  it('true when the Go temp dir was added, is present, or is covered (D:\\ on hosted runners); false when it did not stick', async () => {
    const added = await guardExclusions(
      config(),
      doctorWith(defenderOn()),
      CTX,
      windowsDeps(recordingRunner(fakeDefender({}))),
    );
    expect(folderExcludedAfter(added, CTX.goTmpDir.toLowerCase())).toBe(true);
    const hosted = defenderOn({
      realTimeProtectionEnabled: false,
      exclusions: { paths: ['C:\\', 'D:\\'], processes: [], extensions: [], hidden: false },
    });
    expect(
      folderExcludedAfter(
        await guardExclusions(config(), doctorWith(hosted), CTX, windowsDeps(recordingRunner())),
        CTX.goTmpDir,
      ),
    ).toBe(true);
    const ignored = await guardExclusions(
      config(),
      doctorWith(defenderOn()),
      CTX,
      windowsDeps(recordingRunner(fakeDefender({ ignore: (e) => e.Value === CTX.goTmpDir }))),
    );
    expect(folderExcludedAfter(ignored, CTX.goTmpDir)).toBe(false);
  });
});

describe('injection: exclusion paths travel only as data', () => {
  const nasty = [
    "C:\\it's\\here",
    'C:\\"quoted"\\dir',
    'C:\\$(Remove-Item C:\\ -Recurse)\\x',
    'C:\\back`tick`n\\x',
    'C:\\a; Set-MpPreference -DisableRealtimeMonitoring $true',
    'C:\\line\nbreak',
    'C:\\%USERPROFILE%\\x',
  ];
  it('the decoded script is the constant and contains no input; GO_AV_GUARD_INPUT carries them exactly', async () => {
    const run = recordingRunner(fakeDefender({}));
    await guardExclusions(
      config({ extraPaths: nasty, extraProcesses: ['C:\\p\\$(calc).exe'] }),
      doctorWith(defenderOn()),
      CTX,
      windowsDeps(run),
    );
    const call = run.calls[0] as Call;
    expect(call.args).toEqual(POWERSHELL_ARGS);
    const script = powerShellScriptOf(call.options);
    expect(script).toContain(APPLY_EXCLUSIONS_SCRIPT);
    for (const value of [...nasty, 'C:\\p\\$(calc).exe']) {
      expect(script).not.toContain(value);
      expect(call.args.join(' ')).not.toContain(value);
    }
    const sent = (call.input as { Entries: Entry[] }).Entries.map((e) => e.Value);
    expect(sent).toEqual(expect.arrayContaining([...nasty, 'C:\\p\\$(calc).exe']));
    expect(JSON.parse(call.options?.env?.[POWERSHELL_INPUT_VAR] ?? 'null')).toEqual(call.input);
  });

  it('the restore script is constant too, with the recorded entries as data', async () => {
    const state = memoryState({
      [EXCLUSIONS_STATE_KEY]: JSON.stringify(nasty.map((value) => ({ kind: 'path', value, reason: 'x' }))),
    });
    const run = recordingRunner(fakeRemoval({ paths: [...nasty], processes: [] }));
    const restore = await restoreExclusions(windowsDeps(run, { state }));
    const call = run.calls[0] as Call;
    expect(call.args).toEqual(POWERSHELL_ARGS);
    const script = powerShellScriptOf(call.options);
    expect(script).toBe(framePowerShellScript(RESTORE_EXCLUSIONS_SCRIPT));
    for (const value of nasty) expect(script).not.toContain(value);
    expect((call.input as { Entries: Entry[] }).Entries.map((e) => e.Value)).toEqual(nasty);
    expect(restore.removed).toHaveLength(nasty.length);
  });
});

describe('restoreExclusions', () => {
  it("main -> post through state: removes only this run's additions, never the overlapping pre-existing ones", async () => {
    const preExisting = {
      paths: [
        'C:\\hostedtoolcache\\windows\\go',
        'D:\\a\\repo\\repo\\bin',
        'c:\\users\\runneradmin\\go\\BIN',
      ],
      processes: ['C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe'],
    };
    const state = memoryState();
    const defender = defenderOn({ exclusions: { ...preExisting, extensions: [], hidden: false } });
    const main = await guardExclusions(
      config(),
      doctorWith(defender),
      CTX,
      windowsDeps(recordingRunner(fakeDefender({ before: preExisting })), { state }),
    );
    expect(main.added.filter((a) => a.kind === 'process')).toHaveLength(7); // go.exe was there already
    expect(main.added.filter((a) => a.kind === 'path').map((a) => a.value)).toEqual([
      'C:\\Users\\runneradmin\\go\\pkg\\mod',
      'C:\\Users\\runneradmin\\AppData\\Local\\go-build',
      CTX.goTmpDir,
      CTX.workspace,
    ]);

    // The post step is a new process: only the state string survives.
    const postState = memoryState({ ...state.values });
    const machine = {
      paths: [...preExisting.paths, ...main.added.filter((a) => a.kind === 'path').map((a) => a.value)],
      processes: [
        ...preExisting.processes,
        ...main.added.filter((a) => a.kind === 'process').map((a) => a.value),
      ],
    };
    const run = recordingRunner(fakeRemoval(machine));
    const restore = await restoreExclusions(windowsDeps(run, { state: postState }));
    expect(run.calls).toHaveLength(1);
    expect((run.calls[0]?.input as { Entries: Entry[] }).Entries).toEqual(
      main.added.map((a) => ({ Kind: a.kind, Value: a.value })),
    );
    expect(restore.removed.map((r) => r.value)).toEqual(main.added.map((a) => a.value));
    expect(restore.failed).toEqual([]);
    expect(machine.paths).toEqual(preExisting.paths);
    expect(machine.processes).toEqual(preExisting.processes);
    expect(JSON.parse(postState.values[EXCLUSIONS_STATE_KEY] ?? '')).toEqual([]);
  });

  it('an entry still there after removal is a failed entry and stays recorded', async () => {
    const state = memoryState({
      [EXCLUSIONS_STATE_KEY]: JSON.stringify([
        { kind: 'path', value: 'E:\\x', reason: 'r' },
        { kind: 'process', value: 'E:\\x.exe', reason: 'r' },
      ]),
    });
    const run = recordingRunner(
      fakeRemoval({ paths: ['E:\\x'], processes: ['E:\\x.exe'] }, (e) => e.Kind === 'path'),
    );
    const restore = await restoreExclusions(windowsDeps(run, { state }));
    expect(restore.removed.map((r) => r.value)).toEqual(['E:\\x.exe']);
    expect(restore.failed).toEqual([
      expect.objectContaining({ value: 'E:\\x', reason: expect.stringMatching(/still there/) }),
    ]);
    expect(JSON.parse(state.values[EXCLUSIONS_STATE_KEY] ?? '')).toEqual([
      { kind: 'path', value: 'E:\\x', reason: 'r' },
    ]);
  });

  it('never throws: a crashing runner or garbage output become failed entries', async () => {
    const state = () =>
      memoryState({
        [EXCLUSIONS_STATE_KEY]: JSON.stringify([{ kind: 'path', value: 'E:\\x', reason: 'r' }]),
      });
    const crash = recordingRunner(() => {
      throw new Error('spawn EPERM');
    });
    await expect(restoreExclusions(windowsDeps(crash, { state: state() }))).resolves.toMatchObject({
      removed: [],
      failed: [{ value: 'E:\\x', reason: expect.stringMatching(/EPERM/) }],
    });
    const garbage = recordingRunner({
      exitCode: 0,
      stdout: 'GO_AV_GUARD_RESULT:{not json',
      stderr: '',
      durationMs: 1,
    });
    const result = await restoreExclusions(windowsDeps(garbage, { state: state() }));
    expect(result.failed[0]?.reason).toMatch(/not JSON/);
  });

  it('nothing recorded (or a damaged state value) -> no PowerShell start', async () => {
    const run = recordingRunner();
    expect(await restoreExclusions(windowsDeps(run))).toEqual({ removed: [], failed: [] });
    expect(
      await restoreExclusions(windowsDeps(run, { state: memoryState({ [EXCLUSIONS_STATE_KEY]: '{oops' }) })),
    ).toEqual({ removed: [], failed: [] });
    expect(run.calls).toHaveLength(0);
  });
});
