import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { exportPfx, makeTestPki } from '../helpers/pki.js';
import { scratchDir } from '../helpers/tmp.js';
import { describeWithTool } from '../helpers/tools.js';

/**
 * Every process the action starts, during a whole main step on this machine (doctor, smoke builds with the
 * real Go, signing, analysis), has its environment recorded twice: at the spawn call (node:child_process,
 * wrapped) and from inside the program (a `go` first on PATH that writes its environment down, then runs the
 * real tool; the compiler, linker and test binaries that go starts inherit exactly that). None may hold a
 * secret. Signing itself (the built-in engine, with the PFX password) starts no process at all.
 */
const recorded = vi.hoisted(
  () => [] as Array<{ via: string; file: string; env: Record<string, string | undefined> }>,
);

vi.mock('node:child_process', async (importOriginal) => {
  const { promisify } = await import('node:util');
  const real = await importOriginal<typeof import('node:child_process')>();
  const wrap = <F extends (...args: never[]) => unknown>(
    name: string,
    fn: F,
    optionsAt: (args: unknown[]) => unknown,
  ): F => {
    const record = (args: unknown[]): void => {
      const options = optionsAt(args) as { env?: Record<string, string | undefined> } | undefined;
      // No env given means the child inherits this process's whole environment: record that.
      recorded.push({ via: name, file: String(args[0]), env: options?.env ?? { ...process.env } });
    };
    const call = (...args: unknown[]): unknown => {
      record(args);
      return (fn as unknown as (...a: unknown[]) => unknown)(...args);
    };
    // util.promisify(execFile) uses execFile's own promisified form: record that path too.
    const custom = (fn as unknown as Record<symbol, unknown>)[promisify.custom];
    if (typeof custom === 'function')
      Object.assign(call, {
        [promisify.custom]: (...args: unknown[]) => {
          record(args);
          return (custom as (...a: unknown[]) => unknown)(...args);
        },
      });
    return call as unknown as F;
  };
  const options = (args: unknown[]): unknown =>
    args.find((a, i) => i > 0 && a && typeof a === 'object' && !Array.isArray(a));
  return {
    ...real,
    default: real,
    spawn: wrap('spawn', real.spawn, options),
    spawnSync: wrap('spawnSync', real.spawnSync, options),
    execFile: wrap('execFile', real.execFile, options),
    exec: wrap('exec', real.exec, options),
    fork: wrap('fork', real.fork, options),
  };
});

const PASSWORD = 'Pa55-SECRET-pw';
const TOKEN = 'ghs_SECRETtoken0123456789abcdef';
const RUNTIME = 'runtime-SECRET-4f2a';
const ID_TOKEN = 'idtoken-SECRET-9c1b';

const saved = { ...process.env };
let root: string;
let envLog: string;
let pfxBase64: string;

function shim(bin: string, tool: string): void {
  const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  const script = path.join(bin, tool);
  writeFileSync(script, `#!/bin/sh\n{ echo "=== ${tool}"; env; } >> "${envLog}"\nexec "${real}" "$@"\n`);
  chmodSync(script, 0o755);
}

describeWithTool(['go', 'openssl'], 'secrets never reach a child process', () => {
  beforeAll(async () => {
    root = scratchDir('gav-childenv-');
    envLog = path.join(root, 'env.log');
    writeFileSync(envLog, '');
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    shim(bin, 'go');
    const pki = makeTestPki(path.join(root, 'pki'));
    pfxBase64 = readFileSync(exportPfx(path.join(root, 'pki'), 'leaf', pki.leaf, PASSWORD)).toString(
      'base64',
    );
    const workspace = path.join(root, 'ws');
    mkdirSync(workspace);
    await copyPe(await buildWindowsPe(), workspace, 'dist/app.exe');
    const runnerTemp = path.join(root, 'runner-temp');
    mkdirSync(runnerTemp);
    for (const name of ['summary.md', 'output', 'state', 'env']) writeFileSync(path.join(root, name), '');
    Object.assign(process.env, {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: runnerTemp,
      GITHUB_STEP_SUMMARY: path.join(root, 'summary.md'),
      GITHUB_OUTPUT: path.join(root, 'output'),
      GITHUB_STATE: path.join(root, 'state'),
      GITHUB_ENV: path.join(root, 'env'),
      GITHUB_TOKEN: TOKEN,
      ACTIONS_RUNTIME_TOKEN: RUNTIME,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: ID_TOKEN,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/',
      INPUT_SIGN: 'dist/*.exe',
      INPUT_CERTIFICATE: pfxBase64,
      'INPUT_CERTIFICATE-PASSWORD': PASSWORD,
      'INPUT_GITHUB-TOKEN': TOKEN,
      'INPUT_TIMESTAMP-URLS': 'none',
      INPUT_SMOKE: 'true',
      'INPUT_SMOKE-VARIANTS': 'default\ntest',
      INPUT_CHECKS: 'false',
    });
  }, 180_000);
  afterAll(() => {
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  it('a whole main step (doctor, smoke, signing, analysis): no INPUT_*, token or password in any child', async () => {
    const { run } = await import('../../src/main.js');
    await run();
    const outputs = readFileSync(path.join(root, 'output'), 'utf8');
    // The run really did the work whose children we look at.
    expect(outputs).toMatch(/signed-files<<[\s\S]*app\.exe/);
    expect(outputs).toMatch(/smoke-result<<[^\n]*\npassed/);

    const started = recorded.map((r) => `${r.via} ${path.basename(r.file)}`);
    expect(started.some((s) => s.endsWith(' go'))).toBe(true);
    expect(recorded.length).toBeGreaterThanOrEqual(4);

    const fromInside = readFileSync(envLog, 'utf8');
    expect(fromInside).toContain('=== go');
    const secrets = [PASSWORD, TOKEN, RUNTIME, ID_TOKEN, pfxBase64.slice(0, 64)];
    const envs = [
      ...recorded.map((r) => ({
        who: `${r.via} ${r.file}`,
        text: Object.entries(r.env)
          .map(([k, v]) => `${k}=${v ?? ''}`)
          .join('\n'),
      })),
      ...fromInside
        .split('=== ')
        .filter(Boolean)
        .map((block) => ({ who: `inside ${block.split('\n')[0]}`, text: block })),
    ];
    for (const { who, text } of envs) {
      for (const secret of secrets) expect(text.includes(secret), `${who} got a secret`).toBe(false);
      expect(text, who).not.toMatch(/^(INPUT_|ACTIONS_|GITHUB_TOKEN=)/m);
    }
  }, 300_000);
});
