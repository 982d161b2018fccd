import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { publishRelease } from '../../src/report/release.js';
import { allowlistDirFor, runPipeline } from '../../src/run.js';
import { startActionRun } from '../../src/runscope.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { releaseAcceptingUploads, strictNetwork, TOKEN } from '../helpers/github.js';
import { testDeps } from '../helpers/harness.js';
import { scratchDir } from '../helpers/tmp.js';
import { describeWithTool } from '../helpers/tools.js';

strictNetwork();

describeWithTool(['go', 'osslsigncode', 'sha256sum'], 'SHA256SUMS on a release', () => {
  it('checks out with `sha256sum -c` in a folder a user downloaded the release into', async () => {
    const root = scratchDir('gav-release-sums-');
    const workspace = path.join(root, 'ws');
    const runnerTemp = path.join(root, 'runner-temp');
    mkdirSync(runnerTemp);
    const pe = await buildWindowsPe();
    await copyPe(pe, path.join(workspace, 'dist', 'windows_amd64'), 'app.exe');
    await copyPe(pe, path.join(workspace, 'dist', 'windows_arm64'), 'tool.exe');
    const env = { ...process.env, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp };
    const deps = testDeps({ run: runProcess, env });
    const inputs: Record<string, string> = {
      sign: 'dist/**/*.exe',
      certificate: 'ephemeral',
      'timestamp-urls': 'none',
    };
    const config = await startActionRun(
      parseConfig((name) => inputs[name] ?? '', env),
      deps,
    );
    const report = await runPipeline(config, deps, {
      capabilities: new Set(['sign', 'analyze']),
      reportPhase: 'main',
    });
    expect(
      report.signing?.files.map((f) => f.status),
      JSON.stringify(report.signing),
    ).toEqual(['signed', 'signed']);

    const names = ['app.exe', 'tool.exe', 'SHA256SUMS', 'applocker-policy.xml', 'defender-indicators.csv'];
    const downloads = releaseAcceptingUploads(names);

    const outcome = await publishRelease(report, {
      token: TOKEN,
      owner: 'octo',
      repo: 'app',
      tag: 'v1.0.0',
      retry: { delayMs: 1 },
      allowlistDir: allowlistDirFor(config, report),
    });
    expect('uploaded' in outcome && outcome.uploaded.map((a) => a.name)).toEqual(names);

    // A user downloads every asset into one flat folder and checks it.
    const download = path.join(root, 'download');
    mkdirSync(download);
    for (const [name, data] of downloads) writeFileSync(path.join(download, name), data);
    const sums = readFileSync(path.join(download, 'SHA256SUMS'), 'utf8');
    expect(
      sums
        .trim()
        .split('\n')
        .map((l) => l.slice(66)),
    ).toEqual(['app.exe', 'tool.exe']);
    const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: download, encoding: 'utf8' });
    expect(check).toBe('app.exe: OK\ntool.exe: OK\n');
    // The checksums are of the signed bytes that were uploaded (and are on disk).
    expect(
      downloads
        .get('app.exe')
        ?.equals(readFileSync(path.join(workspace, 'dist', 'windows_amd64', 'app.exe'))),
    ).toBe(true);
  }, 180_000);
});
