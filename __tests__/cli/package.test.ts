import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeBinary } from '../../scripts/node-binary.mjs';
import { VERSION } from '../../src/version.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { describeWithTool } from '../helpers/tools.js';

const run = promisify(execFile);
const root = process.cwd();

/**
 * The package as users get it: bundled from this source into a throwaway copy (dist/ in the repository is
 * the maintainers' to rebuild), packed with npm, installed globally into an empty prefix with the network
 * off, and run from there on Node 22 and 24, and on Node 20 to see it refuse.
 */
describeWithTool(['go', 'osslsigncode', 'npm'], 'the npm package', () => {
  let dir: string;
  let tarball: string;
  let prefix: string;
  let bin: string;
  const env = (node: string): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${path.dirname(node)}${path.delimiter}${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    // npm turns on Node's compile cache, which would leave $TMPDIR/node-compile-cache behind.
    NODE_DISABLE_COMPILE_CACHE: '1',
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-package-'));
    const copy = path.join(dir, 'package');
    mkdirSync(copy);
    for (const entry of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'action.yml', 'schema'])
      cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
    await run(process.execPath, ['scripts/bundle.mjs', '--out', path.join(copy, 'dist'), '--only', 'cli'], {
      cwd: root,
    });
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
      cwd: copy,
      env: { ...process.env, npm_config_cache: path.join(dir, 'npm-cache'), NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    tarball = path.join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
    prefix = path.join(dir, 'prefix');
    mkdirSync(prefix);
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      env: env(nodeBinary(22)),
    });
    bin = path.join(prefix, 'bin', 'go-av-guard');
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the bundle, action.yml, schema, README and LICENSE, and no tests or TypeScript sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/cli/index.js',
        'package/action.yml',
        'package/schema/report.schema.json',
        'package/README.md',
        'package/LICENSE',
        'package/package.json',
      ]),
    );
    expect(files.filter((f) => /\.ts$|\.map$|__tests__|^package\/(src|bench|scripts)\//.test(f))).toEqual([]);
  });

  it('installs offline into an empty prefix and pulls in nothing else', () => {
    const installed = path.join(prefix, 'lib', 'node_modules', 'go-av-guard');
    expect(existsSync(path.join(installed, 'dist', 'cli', 'index.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'node_modules'))).toBe(false);
    expect(readdirSync(path.join(prefix, 'lib', 'node_modules'))).toEqual(['go-av-guard']);
  });

  it.each([22, 24])('go-av-guard --help and a command help work on Node %i', async (major) => {
    const node = nodeBinary(major);
    const help = await run(bin, ['--help'], { env: env(node) });
    expect(help.stdout).toMatch(/^go-av-guard .*\n\nUsage: go-av-guard <command> \[flags\]/);
    const sign = await run(bin, ['sign', '--help'], { env: env(node) });
    expect(sign.stdout).toMatch(/--timestamp-urls URL\.\.\. +RFC 3161 timestamp servers/);
    const version = await run(node, [bin, '--version'], { env: env(node) });
    expect(version.stdout).toBe(`${VERSION}\n`);
  });

  it('on Node 20 stops at once with one line naming the Node it needs, exit 1', async () => {
    const node = nodeBinary(20);
    const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    const failed = await run(node, [bin, 'sign', 'x.exe'], { env: env(node) }).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `go-av-guard needs Node.js 22 or newer (found ${version})\n`,
    });
  });

  it('npx runs it from the packed tarball in another folder', async () => {
    const elsewhere = mkdtempSync(path.join(dir, 'elsewhere-'));
    const node = nodeBinary(22);
    const npx = await run('npx', ['--yes', '--package', tarball, 'go-av-guard', '--version'], {
      cwd: elsewhere,
      env: env(node),
    });
    expect(npx.stdout.trim()).toBe(VERSION);
  });

  // Each CLI run works in its own private folder: parallel hooks never remove each other's files.
  it("the README's GoReleaser hook: six hook processes at once, each signs its own build", async () => {
    const pe = await buildWindowsPe();
    const work = mkdtempSync(path.join(dir, 'goreleaser-'));
    const builds = await Promise.all(
      Array.from({ length: 6 }, (_, i) => copyPe(pe, path.join(work, `app_windows_amd64_v${i}`), 'app.exe')),
    );
    const node = nodeBinary(22);
    // GoReleaser runs each build's post hook as soon as that build is done, several at once.
    const results = await Promise.all(
      builds.map((file) =>
        run(bin, ['sign', '--certificate', 'ephemeral', '--timestamp-urls', 'none', '--json', file], {
          cwd: work,
          env: { ...env(node), TMPDIR: path.join(work, 'tmp') },
        }).catch((e: { code?: number; stderr?: string; stdout?: string }) => e),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(result, `hook ${i}: ${String(result.stderr)}`).not.toHaveProperty('code');
      const report = JSON.parse(String(result.stdout));
      expect(report.signing.files).toMatchObject([{ path: builds[i], status: 'signed' }]);
      expect(String(result.stderr)).toContain(`sign: app_windows_amd64_v${i}/app.exe: signed`);
    }
  }, 240_000);
});
