import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { expectValidReport } from '../helpers/schema.js';
import { readOutputs, runnerEnv } from '../helpers/runner.js';
import { describeWithTool } from '../helpers/tools.js';
import { captureStdout } from '../helpers/harness.js';

describeWithTool(['go'], 'the action main step', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  it('writes a summary with a doctor table and an output naming the JSON report (in process)', async () => {
    const { env, files } = runnerEnv({});
    Object.assign(process.env, env);
    const { run } = await import('../../src/main.js');
    await run();
    expect(process.exitCode ?? 0).toBe(0);
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain('## Doctor');
    expect(summary).toMatch(/<tr><td>Go<\/td><td>go\d/);
    const outputs = readOutputs(files.output);
    // The report lies in this run's own fresh folder under RUNNER_TEMP, which the state names for the post step.
    const runFolder = path.dirname(outputs.report as string);
    expect(path.dirname(runFolder)).toBe(env.RUNNER_TEMP);
    expect(path.basename(runFolder)).toMatch(/^go-av-guard-[A-Za-z0-9]{6}$/);
    expect(path.basename(outputs.report as string)).toBe('report-main.json');
    expect(readFileSync(files.state, 'utf8')).toContain(runFolder);
    const report = JSON.parse(readFileSync(outputs.report as string, 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, phase: 'main', doctor: { go: { found: true } } });
    expectValidReport(report);
    expect(readFileSync(files.state, 'utf8')).toMatch(/go-av-guard-detections-since/);
  });

  it('fails the step with one clear message for a bad input', async () => {
    const { env, files } = runnerEnv({ 'if-no-files-found': 'maybe' });
    Object.assign(process.env, env);
    const { run } = await import('../../src/main.js');
    await run();
    expect(process.exitCode).toBe(1);
    expect(readFileSync(files.summary, 'utf8')).toBe('');
  });

  it('prints each error once: an annotated failure is not repeated in the failure message', async () => {
    const { env } = runnerEnv({
      sign: 'missing/*.exe',
      certificate: 'ephemeral',
      analyze: '',
      detections: 'false',
    });
    Object.assign(process.env, env);
    const { run } = await import('../../src/main.js');
    const log = await captureStdout(run);
    expect(process.exitCode).toBe(1);
    expect(log.match(/no files matched/g)).toHaveLength(1);
    expect(log).toMatch(/::error::1 more problem\(s\) are annotated above/);
  });

  it('the bundled dist/main/index.js does the same as a real process', () => {
    const bundle = path.resolve('dist/main/index.js');
    expect(existsSync(bundle)).toBe(true);
    const { env, files } = runnerEnv({});
    execFileSync(process.execPath, [bundle], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: 'pipe',
    });
    expect(readFileSync(files.summary, 'utf8')).toContain('## Doctor');
    const outputs = readOutputs(files.output);
    expect(existsSync(outputs.report as string)).toBe(true);
  });
});
