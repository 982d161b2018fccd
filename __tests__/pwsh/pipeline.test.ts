import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { memoryState } from '../../src/platform/state.js';
import { runPipeline } from '../../src/run.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { describePwsh, standInMachine, type Machine } from './harness.js';

describePwsh('PowerShell starts per step: the main step through runPipeline (real scripts, pwsh)', () => {
  let machine: Machine;
  let work: string;
  let pe: string;
  beforeAll(async () => {
    machine = await standInMachine('ConstrainedLanguage');
    work = mkdtempSync(path.join(tmpdir(), 'pipeline-'));
    pe = await copyPe(await buildWindowsPe(), work, 'app.exe');
  }, 240_000);
  afterAll(async () => {
    await machine?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('doctor, exclusions, detections and the scan run four scripts in ONE PowerShell start (before: four starts)', async () => {
    const config = parseConfig((name) => (name === 'analyze' ? pe : name === 'checks' ? 'false' : ''), {
      RUNNER_TEMP: work,
      GITHUB_WORKSPACE: work,
    });
    // A Windows workspace path, so the exclusions step has something to add on this Linux machine.
    config.workspace = 'D:\\a\\repo\\repo';
    const report = await runPipeline(
      config,
      {
        run: machine.run,
        platform: 'win32',
        arch: 'x64',
        env: { ...machine.env, PATH: '' },
        state: memoryState(),
        setSecret: () => undefined,
        now: () => new Date(),
      },
      { capabilities: new Set(['doctor', 'exclusions', 'analyze', 'detections', 'scan']) },
    );
    expect(report.doctor?.defender?.available).toBe(true);
    expect(report.exclusions?.added.map((a) => a.value)).toContain('D:\\a\\repo\\repo');
    expect(report.detections?.available).toBe(true);
    expect(report.scan).toBeDefined();
    const calls = (await machine.read()).calls.map((c) => c.name);
    expect(calls.filter((c) => c === 'Get-MpComputerStatus')).toHaveLength(1);
    expect(calls).toContain('Add-MpPreference');
    expect(calls.filter((c) => c === 'Get-MpThreatDetection')).toHaveLength(1);
    expect(machine.starts()).toBe(1);
  }, 240_000);
});
