import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getSystemErrorName } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { collectAnnotations } from '../../src/report/annotations.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { runPipeline } from '../../src/run.js';
import { classifyFailure } from '../../src/smoke/classify.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { describeWithTool } from '../helpers/tools.js';
import { smokeDeps } from './deps.js';

/**
 * Node's spawn throws synchronously for every start failure but EACCES/EAGAIN/EMFILE/ENFILE/ENOENT; on
 * Windows an antivirus block (CreateProcess: 225/226) reaches it as UNKNOWN (-4094). This machine cannot
 * make CreateProcess fail that way, so the one libuv call under spawn answers -4094 instead: what follows
 * is Node's own code path and Node's own ErrnoException, not a hand-made object.
 */
function withSpawnAnswering<T>(errno: number, work: () => T): T {
  // process.binding is deprecated but still the only way to reach the handle spawn() calls.
  const binding = (
    process as unknown as { binding: (name: string) => { Process: { prototype: { spawn: unknown } } } }
  ).binding('process_wrap');
  const original = binding.Process.prototype.spawn;
  binding.Process.prototype.spawn = () => errno;
  try {
    return work();
  } finally {
    binding.Process.prototype.spawn = original;
  }
}

/** A runner whose starts of `blocked` fail the way Defender makes them fail on Windows. */
function blockingRunner(blocked: (file: string) => boolean): ProcessRunner {
  return (file, args, options) =>
    blocked(file)
      ? withSpawnAnswering(-4094, () => runProcess(file, args, options))
      : runProcess(file, args, options);
}

describe('start failures are results, in the shape Node really gives them', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spawn-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('UNKNOWN (-4094) thrown synchronously by spawn becomes spawnCode/spawnErrno, never an exception', async () => {
    expect(getSystemErrorName(-4094)).toBe('UNKNOWN');
    const result = await withSpawnAnswering(-4094, () => runProcess(process.execPath, ['-e', '0']));
    expect(result).toMatchObject({
      exitCode: null,
      spawnCode: 'UNKNOWN',
      spawnErrno: -4094,
      spawnError: 'spawn UNKNOWN',
    });
    const diagnosis = classifyFailure({
      exitCode: null,
      output: 'could not start: spawn UNKNOWN',
      spawnCode: 'UNKNOWN',
      spawnErrno: -4094,
      fileExists: true,
    });
    expect(diagnosis.verdict).toBe('av-certain');
    expect(diagnosis.summary).toMatch(/^Blocked by antivirus/);
    expect(diagnosis.nextStep).toMatch(/Exclude Go's build folders/);
  });

  it('EACCES from a file that is not executable and from a folder: "possibly blocked", not certain', async () => {
    const file = path.join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o644);
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    for (const target of [file, folder]) {
      const result = await runProcess(target, []);
      expect(result.spawnCode, target).toBe('EACCES');
      expect(result.spawnErrno).toBe(-13);
      const d = classifyFailure({
        exitCode: null,
        output: `could not start: ${result.spawnError}`,
        spawnCode: result.spawnCode,
        spawnErrno: result.spawnErrno,
        fileExists: true,
      });
      expect(d.verdict).toBe('possibly-av');
      expect(d.summary).toMatch(/Possibly blocked \(antivirus or application control\)/);
    }
    // The same errno for a file that is gone says nothing about antivirus on its own.
    expect(
      classifyFailure({ exitCode: null, output: '', spawnCode: 'EACCES', fileExists: false }).verdict,
    ).toBe('not-av');
  });

  it('WDAC refusals (4551, 0x800711C7, the policy text) are application control, said as such', () => {
    for (const input of [
      { exitCode: null, output: '', spawnErrno: 4551 },
      {
        exitCode: 1,
        output: 'fork/exec C:\\a\\hello.exe: An Application Control policy has blocked this file.',
      },
      { exitCode: 1, output: 'CreateProcess failed: 0x800711C7' },
    ]) {
      const d = classifyFailure(input);
      expect(d.verdict).toBe('possibly-av');
      expect(d.summary).toMatch(/application control/i);
    }
  });
});

describeWithTool(
  ['go'],
  'a smoke binary antivirus blocks from starting (real go, Node-thrown UNKNOWN)',
  () => {
    let workspace: string;
    let runnerTemp: string;
    beforeAll(async () => {
      workspace = mkdtempSync(path.join(tmpdir(), 'blocked-ws-'));
      runnerTemp = mkdtempSync(path.join(tmpdir(), 'blocked-tmp-'));
      await copyPe(await buildWindowsPe(), workspace, 'app.exe');
    }, 240_000);
    afterAll(() => {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(runnerTemp, { recursive: true, force: true });
    });

    it('is "blocked by antivirus" with advice, and signing, analysis, detections and the report still run', async () => {
      const env = { ...process.env, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp };
      const inputs: Record<string, string> = {
        'smoke-variants': 'default',
        sign: 'app.exe',
        certificate: 'ephemeral',
        'timestamp-urls': 'none',
        checks: 'false',
      };
      const config = parseConfig((name) => inputs[name] ?? '', env);
      const blocked = (file: string): boolean => path.basename(file).startsWith('smoke-default');
      const report = await runPipeline(config, smokeDeps({ run: blockingRunner(blocked), env }), {
        capabilities: new Set(['doctor', 'smoke', 'sign', 'analyze', 'detections']),
      });
      const variant = report.smoke?.variants[0];
      expect(variant?.status).toBe('failed');
      expect(variant?.diagnosis?.verdict).toBe('av-certain');
      expect(variant?.diagnosis?.evidence).toMatch(/UNKNOWN \(-4094\)/);
      expect(variant?.diagnosis?.nextStep).toMatch(/exclusions input/);
      expect(report.signing?.files.map((f) => f.status)).toEqual(['signed']);
      expect(report.analysis?.files).toHaveLength(1);
      expect(report.detections).toBeDefined();
      expect(collectAnnotations(report).some((a) => /antivirus/i.test(`${a.title} ${a.message}`))).toBe(true);
    }, 240_000);
  },
);
