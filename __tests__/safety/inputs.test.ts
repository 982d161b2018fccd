import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { renderSummary } from '../../src/report/summary.js';
import { stepOutputs } from '../../src/report/outputs.js';
import { runPipeline, type RunOptions } from '../../src/run.js';
import { runInPrivateFolder } from '../../src/runscope.js';
import type { Report } from '../../src/report/model.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { cliInProcess, EXIT, testDeps } from '../helpers/harness.js';
import { recordingRunner } from '../helpers/recorder.js';
import { scratchDir } from '../helpers/tmp.js';
import { describeWithTool } from '../helpers/tools.js';

const cli = (args: string[], cwd: string) => cliInProcess(args, cwd);
const deps = (run: Deps['run']): Deps => testDeps({ run });
/** As the CLI runs it: in a private run folder, removed afterwards. */
const pipeline = (config: Config, d: Deps, options: RunOptions): Promise<Report> =>
  runInPrivateFolder(config, d, (inRun) => runPipeline(inRun, d, options));

describeWithTool(['go'], 'inputs that would hang, eat memory or lose work are refused first', () => {
  let ws: string;
  let app: string;
  let original: Buffer;
  beforeAll(async () => {
    ws = scratchDir('gav-inputs-');
    app = await copyPe(await buildWindowsPe(), ws, 'app.exe');
    original = readFileSync(app);
  }, 180_000);

  it.runIf(process.platform !== 'win32')('certificate-file: /dev/zero is refused at once', async () => {
    const result = await cli(['sign', '--certificate-file', '/dev/zero', 'app.exe'], ws);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toBe(
      'go-av-guard sign: certificate-file: /dev/zero is a character device, not a regular file\n' +
        'Run "go-av-guard sign --help" for its flags.\n',
    );
    expect(result.ms).toBeLessThan(5_000);
    expect(readFileSync(app).equals(original)).toBe(true);
  });

  it.runIf(process.platform !== 'win32')(
    'certificate-file: a FIFO is refused instead of hanging',
    async () => {
      const fifo = path.join(ws, 'cert.pfx');
      execFileSync('mkfifo', [fifo]);
      const result = await cli(['sign', '--certificate-file', 'cert.pfx', 'app.exe'], ws);
      expect(result.code).toBe(EXIT.usage);
      expect(result.err).toContain(`certificate-file: ${fifo} is a named pipe (FIFO), not a regular file`);
      expect(result.ms).toBeLessThan(5_000);
    },
  );

  it('certificate-file: an oversized file is refused without being read', async () => {
    const big = path.join(ws, 'big.pfx');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024));
    const result = await cli(['sign', '--certificate-file', 'big.pfx', 'app.exe'], ws);
    expect(result.err).toContain(`certificate-file: ${big} is 2097152 bytes, more than the 1048576 allowed`);
  });

  it.runIf(process.platform === 'linux')(
    'allowlist-dir: /proc/nope fails before any file is signed, in bounded time',
    async () => {
      const { run, spawns } = recordingRunner([]);
      const config = parseConfig(
        (name) =>
          ({
            sign: 'app.exe',
            certificate: 'ephemeral',
            'allowlist-dir': '/proc/nope',
            'timestamp-urls': 'none',
          })[name] ?? '',
        { GITHUB_WORKSPACE: ws },
      );
      const started = Date.now();
      await expect(
        pipeline(config, deps(run), { capabilities: new Set(['sign', 'analyze']), reportPhase: 'cli' }),
      ).rejects.toThrow(
        'allowlist-dir: could not create /proc/nope: /proc does not accept new folders (ENOENT)',
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(spawns).toEqual([]);
      expect(readFileSync(app).equals(original)).toBe(true);
    },
  );

  describe('smoke requested with no Go is a failure, not a pass', () => {
    it('CLI smoke with a Go that does not exist exits 1 and says why', async () => {
      const result = await cli(['smoke', '--json', '--go', path.join(ws, 'no-such-go')], ws);
      expect(result.code).toBe(EXIT.failure);
      expect(JSON.parse(result.out).failures).toEqual([
        expect.stringMatching(/^smoke: requested but not run: Go is not available/),
      ]);
    });

    it('action: smoke: true fails without Go; the default (auto) does not', async () => {
      const { run } = recordingRunner([]);
      for (const [smoke, failures] of [
        ['true', [expect.stringMatching(/^smoke: requested but not run/)]],
        ['', []],
      ] as const) {
        const config = parseConfig((name) => ({ smoke, go: path.join(ws, 'no-such-go') })[name] ?? '', {
          GITHUB_WORKSPACE: ws,
        });
        const report = await pipeline(config, deps(run), {
          capabilities: new Set(['doctor', 'smoke']),
          reportPhase: 'main',
        });
        expect(report.failures).toEqual(failures);
      }
    });
  });
});

describeWithTool(['go', 'osslsigncode'], 'credentials in a timestamp URL never reach the report', () => {
  it('the JSON report, the job summary and the step outputs show the URL masked', async () => {
    const ws = scratchDir('gav-url-');
    await copyPe(await buildWindowsPe(), ws, 'app.exe');
    mkdirSync(path.join(ws, 'out'));
    // Nothing listens on port 9: the timestamp fails, and its error message names the server.
    const url = 'http://tsuser:Pa55SECRETword@127.0.0.1:9/tsa';
    const config = parseConfig(
      (name) => ({ sign: 'app.exe', certificate: 'ephemeral', 'timestamp-urls': url })[name] ?? '',
      { GITHUB_WORKSPACE: ws },
    );
    const { runProcess } = await import('../../src/platform/runprocess.js');
    const report = await pipeline(config, deps(runProcess), {
      capabilities: new Set(['sign']),
      reportPhase: 'cli',
    });
    const rendered = [
      JSON.stringify(report),
      renderSummary(report, { reportFile: 'report.json' }),
      JSON.stringify(stepOutputs(report, path.join(ws, 'report.json'))),
    ];
    expect(JSON.stringify(report)).toContain('http://***@127.0.0.1:9/tsa');
    for (const text of rendered) {
      expect(text).not.toContain('Pa55SECRETword');
      expect(text).not.toContain('tsuser:');
    }
  }, 120_000);
});
