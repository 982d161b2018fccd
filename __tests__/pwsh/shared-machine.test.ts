import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { guardExclusions } from '../../src/defender/apply.js';
import { recordedExclusions } from '../../src/defender/readback.js';
import { restoreExclusions } from '../../src/defender/restore.js';
import { probeDefender } from '../../src/defender/status.js';
import type { ExclusionsReport } from '../../src/defender/types.js';
import { sharePowerShell } from '../../src/platform/powershell.js';
import { memoryState } from '../../src/platform/state.js';
import { doctorWith, windowsDeps } from '../defender/helpers.js';
import { describePwsh, EXCLUSIONS, standInMachine, type Machine } from './harness.js';

/** A stand-in runner process: alive until killed, like Runner.Worker for the length of a job. */
function runnerProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
}

describePwsh(
  'two jobs on one machine share exclusions through the machine-wide record (pwsh, Constrained Language Mode)',
  () => {
    let machine: Machine;
    const runners: ChildProcess[] = [];
    beforeAll(async () => {
      machine = await standInMachine('ConstrainedLanguage');
    }, 60_000);
    afterAll(async () => {
      for (const r of runners) r.kill();
      await machine?.cleanup();
    });

    /** One job's state and runner; each step is one PowerShell start, as in the action. */
    function job(workspace: string) {
      const state = memoryState();
      const runner = runnerProcess();
      runners.push(runner);
      const ctx = { workspace, goTmpDir: `${workspace}\\..\\_temp\\gotmp`, runnerPid: runner.pid as number };
      const step = async <T>(work: (deps: ReturnType<typeof windowsDeps>) => Promise<T>): Promise<T> => {
        const ps = sharePowerShell(machine.run, { tempDir: machine.dir });
        try {
          return await work(windowsDeps(ps.run, { env: machine.env, state }));
        } finally {
          await ps.close();
        }
      };
      return {
        state,
        runner,
        main: (): Promise<ExclusionsReport> =>
          step(async (deps) => {
            const doctor = doctorWith((await probeDefender(deps.run)).defender);
            return guardExclusions(EXCLUSIONS, doctor, ctx, deps);
          }),
        post: () => step((deps) => restoreExclusions(deps)),
      };
    }
    const paths = async (): Promise<string[]> => (await machine.read()).preference.ExclusionPath;
    const record = async (): Promise<unknown> => {
      const file = path.join(machine.programData, 'go-av-guard', 'exclusions.json');
      return existsSync(file) ? JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, '')) : undefined;
    };

    it('the first post step keeps what the second job still needs; the last one removes it', async () => {
      const a = job('D:\\a\\repo');
      const b = job('D:\\a\\repo');
      const mainA = await a.main();
      expect(mainA.added.length).toBeGreaterThan(0);
      const added = mainA.added.filter((e) => e.kind === 'path').map((e) => e.value);
      expect(await paths()).toEqual(added);

      // B starts while A runs: everything is present, added by A, so B shares it.
      const mainB = await b.main();
      expect(mainB.added).toEqual([]);
      expect(mainB.notes.map((n) => n.message).join('\n')).toMatch(
        /Sharing \d+ exclusion\(s\) another go-av-guard job/,
      );
      expect(recordedExclusions(b.state).length).toBe(mainA.added.length);

      const postA = await a.post();
      expect(postA.removed).toEqual([]);
      expect(postA.failed).toEqual([]);
      expect(postA.kept?.length).toBe(mainA.added.length);
      expect(postA.kept?.[0]?.reason).toMatch(/still needed by another go-av-guard job/);
      expect(await paths()).toEqual(added);

      const postB = await b.post();
      expect(postB.failed).toEqual([]);
      expect(postB.removed.length).toBe(mainA.added.length);
      expect(await paths()).toEqual([]);
      expect(await record()).toEqual({ Entries: [] });
      const acl = (await machine.read()).calls.filter((c) => c.name === 'icacls');
      expect(acl).toHaveLength(1);
      expect((acl[0]?.parameters as { args: string[] }).args.slice(1)).toEqual([
        '/inheritance:r',
        '/grant:r',
        '*S-1-5-32-544:(OI)(CI)F',
        '*S-1-5-18:(OI)(CI)F',
      ]);
    }, 300_000);

    it("a dead job's exclusions are reaped by the next job; a pre-existing exclusion is never touched", async () => {
      await machine.update((s) => (s.preference.ExclusionPath = ['D:\\users-own']));
      const dead = job('E:\\w\\repo');
      const mainDead = await dead.main();
      expect(mainDead.added.length).toBeGreaterThan(0);
      dead.runner.kill();
      await new Promise((resolve) => dead.runner.once('exit', resolve));

      const next = job('F:\\w\\repo');
      const mainNext = await next.main();
      expect(mainNext.notes.map((n) => n.message).join('\n')).toMatch(
        /left by go-av-guard jobs whose runner is gone/,
      );
      const now = await paths();
      for (const e of mainDead.added.filter((x) => x.kind === 'path')) expect(now).not.toContain(e.value);
      expect(now).toContain('D:\\users-own');
      await next.post();
      expect(await paths()).toEqual(['D:\\users-own']);
    }, 300_000);
  },
);
