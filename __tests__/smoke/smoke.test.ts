import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Detection } from '../../src/defender/types.js';
import { probeGo } from '../../src/doctor/goenv.js';
import type { GoProbe } from '../../src/doctor/types.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { runSmoke } from '../../src/smoke/index.js';
import { describeWithTool } from '../helpers/tools.js';
import { smokeDeps } from './deps.js';

describeWithTool(['go'], 'runSmoke with the real Go toolchain', () => {
  let go: GoProbe;
  let tempDir: string;
  beforeAll(async () => {
    go = await probeGo(runProcess, 'go');
    tempDir = mkdtempSync(path.join(tmpdir(), 'gav-smoke-'));
  });
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  it('every variant that applies to this platform builds, runs and shows its output; windowsgui is skipped with a reason', async () => {
    const report = await runSmoke(
      { enabled: true, variants: ['default', 'cgo-off', 'stripped', 'windowsgui', 'test', 'run'] },
      go,
      { tempDir },
      smokeDeps(),
    );
    const byVariant = Object.fromEntries(report.variants.map((v) => [v.variant, v]));
    for (const variant of ['default', 'cgo-off', 'stripped', 'test', 'run']) {
      const v = byVariant[variant];
      expect(v?.status, `${variant}: ${v?.output} ${JSON.stringify(v?.diagnosis)}`).toBe('passed');
      expect(v?.outputSeen).toBe(true);
      expect(v?.exitCode).toBe(0);
      expect(v?.runMs).toBeGreaterThan(0);
      expect(v?.diagnosis).toBeUndefined();
    }
    for (const variant of ['default', 'cgo-off', 'stripped', 'test']) {
      expect(byVariant[variant]?.buildMs).toBeGreaterThan(0);
      expect(byVariant[variant]?.existedAfterBuild).toBe(true);
    }
    expect(byVariant.windowsgui).toMatchObject({
      status: 'skipped',
      skipReason: expect.stringMatching(/only applies on Windows/),
    });
    expect(report.result).toBe('passed');
    expect(report.workDir?.startsWith(tempDir)).toBe(true);
  });

  it('a binary deleted between build and run is "quarantined, most likely", and cites detections of that file', async () => {
    const deleted: string[] = [];
    const detection: Detection = {
      id: '{94BBE9CF-CDEB-4885-9178-CC93FB10822D}',
      threatName: 'Trojan:Win32/Wacatac.B!ml',
      resources: [],
      origins: ['Get-MpThreatDetection'],
    };
    const report = await runSmoke(
      { enabled: true, variants: ['default', 'stripped'] },
      go,
      {
        tempDir,
        detections: [detection],
        afterBuild: async (variant, binary) => {
          if (variant !== 'default') return;
          await unlink(binary);
          deleted.push(binary);
          detection.resources.push({ kind: 'file', path: binary, raw: `file:_${binary}` });
        },
      },
      smokeDeps(),
    );
    expect(deleted).toHaveLength(1);
    const [first, second] = report.variants;
    expect(first?.status).toBe('failed');
    expect(first?.existedAfterBuild).toBe(true);
    // With a detection of the very file, the suspicion becomes certainty and the threat is named.
    expect(first?.diagnosis?.verdict).toBe('av-certain');
    expect(first?.diagnosis?.detections).toEqual(['Trojan:Win32/Wacatac.B!ml']);
    expect(first?.diagnosis?.nextStep).toMatch(/exclude/i);
    expect(second?.status).toBe('passed');
    expect(report.result).toBe('failed');

    const plain = await runSmoke(
      { enabled: true, variants: ['default'] },
      go,
      { tempDir, afterBuild: (_v, binary) => unlink(binary) },
      smokeDeps(),
    );
    expect(plain.variants[0]?.diagnosis).toMatchObject({ verdict: 'quarantined-likely' });
    expect(plain.variants[0]?.diagnosis?.detections).toBeUndefined();
  });

  it('the test binary is written to and run from the Go build temp dir (GOTMPDIR), which is cleaned up afterwards', async () => {
    if (!go.found) throw new Error(go.reason);
    const gotmpdir = mkdtempSync(path.join(tempDir, 'gotmp-'));
    const seen: string[] = [];
    const report = await runSmoke(
      { enabled: true, variants: ['test'] },
      { found: true, env: { ...go.env, gotmpdir } },
      {
        tempDir,
        afterBuild: (_variant, binary) => {
          seen.push(binary);
        },
      },
      smokeDeps(),
    );
    expect(report.variants[0]?.status).toBe('passed');
    expect(seen[0]?.startsWith(gotmpdir + path.sep)).toBe(true);
    expect(existsSync(seen[0] as string)).toBe(false);
  });

  it('a failing build is diagnosed from its output, not guessed', async () => {
    const report = await runSmoke(
      { enabled: true, variants: ['default'] },
      go,
      { tempDir },
      smokeDeps({ env: process.env }),
    );
    expect(report.result).toBe('passed');
    if (!go.found) throw new Error(go.reason);
    const broken = await runSmoke(
      { enabled: true, variants: ['cgo-off'] },
      { found: true, env: { ...go.env, gohostos: 'no-such-os' } },
      { tempDir },
      smokeDeps(),
    );
    expect(broken.variants[0]?.status).toBe('failed');
    expect(broken.variants[0]?.diagnosis?.verdict).toBe('not-av');
    expect(broken.variants[0]?.output).toMatch(/no-such-os/);
  });
});

it('without Go, every variant is skipped with the reason', async () => {
  const go = await probeGo(runProcess, '/nonexistent/go');
  const report = await runSmoke(
    { enabled: true, variants: ['default', 'test'] },
    go,
    { tempDir: tmpdir() },
    smokeDeps(),
  );
  expect(report.result).toBe('skipped');
  expect(report.reason).toMatch(/Go is not available: Go was not found/);
  expect(report.variants.map((v) => [v.variant, v.status])).toEqual([
    ['default', 'skipped'],
    ['test', 'skipped'],
  ]);
});

it('smoke turned off: skipped, nothing built', async () => {
  const report = await runSmoke(
    { enabled: false, variants: ['default'] },
    { found: false, reason: 'unused' },
    { tempDir: tmpdir() },
    smokeDeps({ run: () => Promise.reject(new Error('must not run')) }),
  );
  expect(report).toMatchObject({ result: 'skipped', reason: expect.stringMatching(/turned off/) });
});
