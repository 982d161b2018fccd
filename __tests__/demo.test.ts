import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { inspectSummary } from './report/render.js';
import { runDemo } from '../src/demo.js';
import { runProcess } from '../src/platform/runprocess.js';
import { memoryState } from '../src/platform/state.js';
import { expectValidReport } from './helpers/schema.js';
import { describeWithTool } from './helpers/tools.js';

describeWithTool(['go', 'osslsigncode', 'chromium'], 'npm run demo', () => {
  it('runs the whole pipeline offline and writes a summary that reads well on GitHub', async () => {
    const top = mkdtempSync(path.join(tmpdir(), 'demo-'));
    const dir = path.join(top, 'demo-output');
    // No network: a proxy that goes nowhere would make any download or timestamp request fail.
    const env = {
      ...process.env,
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      GOPROXY: 'off',
    };
    const result = await runDemo(dir, {
      run: runProcess,
      platform: process.platform,
      arch: process.arch,
      env,
      state: memoryState(),
      setSecret: () => undefined,
      now: () => new Date(),
    });
    expect(result.report.failures).toEqual([]);
    expectValidReport(JSON.parse(readFileSync(result.reportPath, 'utf8')));
    const summary = readFileSync(result.summaryPath, 'utf8');
    // The overview names every capability; skipped ones (Defender, off Windows) need no section of their own.
    for (const check of [
      'Doctor',
      'Defender exclusions',
      'Smoke builds',
      'Signing',
      'PE risk report',
      'Allowlisting files',
      'Defender detections',
      'Artifact scan',
    ])
      expect(summary).toMatch(new RegExp(`<tr><td>\\S+ ${check}</td>|<tr><td>${check}</td>`));
    for (const section of ['Doctor', 'Smoke builds', 'Signing', 'PE risk report', 'Allowlisting files'])
      expect(summary).toContain(`## ${section}`);
    // As GitHub renders it, at 1000 px: nothing scrolls sideways and no Markdown is left raw.
    const seen = inspectSummary(summary, top);
    expect(seen.overflow).toEqual([]);
    expect(seen.backticks).toBe(0);
    expect(seen.markdown).toEqual([]);
    // Paths a reader can use: relative to the workspace, never the runner's temp disk.
    expect(summary).not.toContain(dir);
    expect(result.report.smoke?.result).toBe('passed');
    expect(result.report.signing?.files.map((f) => f.status)).toEqual(['signed', 'signed']);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'allowlist'), stdio: 'pipe' });
    rmSync(top, { recursive: true, force: true });
  }, 240_000);
});
