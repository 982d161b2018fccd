import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';
import { runProcess } from '../src/platform/process.js';
import { memoryState } from '../src/platform/state.js';
import { expectValidReport } from './helpers/schema.js';
import { describeWithTool } from './helpers/tools.js';

describeWithTool(['go', 'osslsigncode'], 'npm run demo', () => {
  it('runs the whole pipeline offline and writes a summary with every section', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'demo-')), 'demo-output');
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
    for (const section of [
      'Doctor',
      'Defender exclusions',
      'Smoke builds',
      'Signing',
      'PE risk report',
      'Allowlisting files',
      'Defender detections',
      'Artifact scan',
    ]) {
      expect(summary).toContain(`## ${section}`);
    }
    expect(result.report.smoke?.result).toBe('passed');
    expect(result.report.signing?.files.map((f) => f.status)).toEqual(['signed', 'signed']);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'allowlist'), stdio: 'pipe' });
  }, 240_000);
});
