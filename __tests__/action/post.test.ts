import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE } from '../../src/constants.js';
import { EXCLUSIONS_STATE_KEY, recordExclusions, recordedExclusions } from '../../src/defender/readback.js';
import type { Deps } from '../../src/deps.js';
import { memoryState } from '../../src/platform/state.js';
import { run } from '../../src/post.js';
import { recordForCleanup } from '../../src/sign/cleanup.js';
import { createRunFolder, RUN_FOLDER_STATE } from '../../src/platform/runfolder.js';
import { isPowerShell, recordingRunner } from '../helpers/recorder.js';
import { scratchDir } from '../helpers/tmp.js';
import { hasPwsh, standInMachine } from '../pwsh/harness.js';

const saved = { ...process.env };
beforeEach(() => {
  process.exitCode = undefined;
  const dir = scratchDir('post-');
  process.env.RUNNER_TEMP = dir;
  process.env.GITHUB_WORKSPACE = dir;
  process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary.md');
  process.env.GITHUB_OUTPUT = path.join(dir, 'output');
  writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
  writeFileSync(process.env.GITHUB_OUTPUT, '');
});
afterEach(() => {
  process.env = { ...saved };
  process.exitCode = undefined;
});

function deps(
  state: ReturnType<typeof memoryState>,
  run: Deps['run'],
  platform: NodeJS.Platform = 'win32',
): Deps {
  return {
    run,
    platform,
    arch: 'x64',
    env: process.env,
    state,
    setSecret: () => undefined,
    now: () => new Date('2026-11-24T12:00:00Z'),
  };
}

describe('the action post step', () => {
  it('does nothing when the main step never ran', async () => {
    const { run: runner, spawns } = recordingRunner([]);
    await run(deps(memoryState(), runner));
    expect(spawns).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('removes secret files, the imported certificate and exactly the recorded exclusions, even after a failed main step (real scripts under pwsh, one start)', async () => {
    if (!hasPwsh() && process.env.CI !== 'true') return;
    const machine = await standInMachine('FullLanguage', (s) => {
      s.preference.ExclusionPath = ['C:\\existing', 'C:\\a\\go-tmp'];
    });
    try {
      // The main step's run folder, as it records it; the secret folder lies inside it.
      const runFolder = await createRunFolder(process.env.RUNNER_TEMP as string);
      const state = memoryState({ [STATE.isPost]: 'true', [RUN_FOLDER_STATE]: runFolder });
      const secretDir = path.join(runFolder, 'sign-Ab12Cd');
      mkdirSync(secretDir, { mode: 0o700 });
      writeFileSync(path.join(secretDir, 'cert.pfx'), 'secret');
      recordForCleanup({ state }, { paths: [secretDir], thumbprints: ['A'.repeat(40)] });
      recordExclusions(state, [{ kind: 'path', value: 'C:\\a\\go-tmp', reason: 'Go build temp dir' }]);
      await run(deps(state, machine.run));
      expect(existsSync(secretDir)).toBe(false);
      // What the real restore script did to the stand-in Defender: only the recorded entry is gone.
      const after = await machine.read();
      expect(after.preference.ExclusionPath).toEqual(['C:\\existing']);
      const removals = after.calls.filter((c) => c.name === 'Remove-MpPreference');
      expect(removals.map((c) => c.parameters.ExclusionPath)).toEqual([['C:\\a\\go-tmp']]);
      expect(recordedExclusions(state)).toEqual([]);
      // Restore, certificate removal and the detections read: one PowerShell start.
      expect(machine.starts()).toBe(1);
      expect(after.calls.map((c) => c.name)).toContain('Get-MpThreatDetection');
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      await machine.cleanup();
    }
  }, 180_000);

  it('turns cleanup problems into warnings, never a failed job', async () => {
    const state = memoryState({ [STATE.isPost]: 'true' });
    recordExclusions(state, [{ kind: 'path', value: 'C:\\a\\go-tmp', reason: 'Go build temp dir' }]);
    const { run: runner } = recordingRunner([
      [isPowerShell, { stdout: '', stderr: 'Remove-MpPreference : 0x800106ba', exitCode: 1 }],
    ]);
    await run(deps(state, runner));
    expect(process.exitCode ?? 0).toBe(0);
    // What was not removed stays recorded for a later try.
    expect(recordedExclusions(state).map((e) => e.value)).toEqual(['C:\\a\\go-tmp']);
    expect(state.values[EXCLUSIONS_STATE_KEY]).toBeDefined();
  });
});
