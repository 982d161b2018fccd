import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { bundleCli } from '../helpers/cli-bundle.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { scratchDir } from '../helpers/tmp.js';
import { describeWithTool } from '../helpers/tools.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let cli: string;
let pe: string;

/** One CLI process, as a user or a GoReleaser hook starts it. */
function runCli(args: string[], cwd: string, tmp: string, onStart?: (pid: number) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp, RUNNER_TEMP: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (child.pid) onStart?.(child.pid);
  });
}

const signArgs = (file: string, ...extra: string[]): string[] => [
  'sign',
  '--json',
  '--certificate',
  'ephemeral',
  ...extra,
  file,
];

describeWithTool(['go', 'osslsigncode'], 'CLI runs on a shared machine', () => {
  beforeAll(async () => {
    cli = bundleCli();
    pe = await buildWindowsPe();
  }, 180_000);

  it('8 parallel CLI runs sharing one TMPDIR all succeed and leave nothing behind', async () => {
    const tmp = scratchDir('gav-shared-tmp-');
    chmodSync(tmp, 0o1777); // like /tmp
    const ws = scratchDir('gav-parallel-ws-');
    const files = await Promise.all(Array.from({ length: 8 }, (_, i) => copyPe(pe, ws, `app${i}.exe`)));
    const runs = await Promise.all(
      files.map((f) => runCli(signArgs(f, '--timestamp-urls', 'none'), ws, tmp)),
    );
    for (const [i, run] of runs.entries()) {
      expect(run.stderr, `run ${i}`).not.toMatch(/ENOENT/);
      expect(run.code, `run ${i}: ${run.stderr}`).toBe(0);
      const report = JSON.parse(run.stdout) as {
        signing: { files: Array<{ path: string; status: string }> };
      };
      expect(report.signing.files).toEqual([expect.objectContaining({ path: files[i], status: 'signed' })]);
    }
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(ws).sort()).toEqual(files.map((f) => path.basename(f)).sort());
  }, 180_000);

  it.runIf(process.getuid?.() === 0)(
    'a planted, foreign-owned $TMPDIR/go-av-guard with a state file is neither read nor used',
    async () => {
      const tmp = scratchDir('gav-hostile-tmp-');
      chmodSync(tmp, 0o1777);
      const victim = path.join(scratchDir('gav-victim-'), 'precious');
      mkdirSync(victim);
      writeFileSync(path.join(victim, 'data'), 'keep me');
      const planted = path.join(tmp, 'go-av-guard');
      mkdirSync(planted, { mode: 0o777 });
      const list = JSON.stringify({ paths: [victim, '/'], thumbprints: [] });
      writeFileSync(
        path.join(planted, 'cli-state.json'),
        JSON.stringify({ 'go-av-guard.sign.cleanup': list }),
      );
      chmodSync(planted, 0o777);
      chownSync(planted, 65534, 65534);
      const ws = scratchDir('gav-hostile-ws-');
      const file = await copyPe(pe, ws, 'app.exe');

      const run = await runCli(signArgs(file, '--timestamp-urls', 'none'), ws, tmp);

      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(path.join(victim, 'data'), 'utf8')).toBe('keep me');
      expect(readdirSync(planted)).toEqual(['cli-state.json']);
      expect(readdirSync(tmp)).toEqual(['go-av-guard']);
    },
    120_000,
  );

  it.runIf(process.getuid?.() === 0)(
    'refuses a TMPDIR that another user owns and anyone can write to, before touching anything',
    async () => {
      const tmp = scratchDir('gav-loose-tmp-');
      chmodSync(tmp, 0o777);
      chownSync(tmp, 65534, 65534);
      const ws = scratchDir('gav-loose-ws-');
      const file = await copyPe(pe, ws, 'app.exe');
      const before = readFileSync(file);

      const run = await runCli(signArgs(file, '--timestamp-urls', 'none'), ws, tmp);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /the temp folder .* belongs to another user or lets others replace what is in it/,
      );
      expect(readdirSync(tmp)).toEqual([]);
      expect(readFileSync(file).equals(before)).toBe(true);
    },
    120_000,
  );

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)(
    'a full disk is named as a full disk (a real, full tmpfs as TMPDIR)',
    async () => {
      const tmp = scratchDir('gav-full-tmp-');
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,nr_inodes=4,mode=1777', 'tmpfs', tmp]);
      } catch (error) {
        throw new Error(`this test needs root with CAP_SYS_ADMIN to mount a tmpfs: ${String(error)}`, {
          cause: error,
        });
      }
      try {
        // Use up every inode, so not even a folder can be made.
        for (let i = 0; ; i++) {
          try {
            writeFileSync(path.join(tmp, `fill-${i}`), '');
          } catch {
            break;
          }
        }
        const ws = scratchDir('gav-full-ws-');
        const file = await copyPe(pe, ws, 'app.exe');
        const run = await runCli(signArgs(file, '--timestamp-urls', 'none'), ws, tmp);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(
          /could not create this run's temp folder in .*: the disk is full \(ENOSPC\); free some space and run again/,
        );
      } finally {
        execFileSync('umount', [tmp]);
      }
    },
    60_000,
  );

  it('an interrupted run (SIGTERM while waiting on a timestamp server) removes its folder and temp copies', async () => {
    // A timestamp server that accepts the request and never answers.
    const held: Array<{ destroy: () => void }> = [];
    const server: Server = createServer((req) => held.push(req.socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const tmp = scratchDir('gav-signal-tmp-');
      const ws = scratchDir('gav-signal-ws-');
      const file = await copyPe(pe, ws, 'app.exe');
      const before = readFileSync(file);
      let pid = 0;
      const exited = runCli(signArgs(file, '--timestamp-urls', url), ws, tmp, (p) => (pid = p));
      await expect
        .poll(() => held.length > 0 && readdirSync(tmp).length === 1, { timeout: 60_000, interval: 100 })
        .toBe(true);
      process.kill(pid, 'SIGTERM');
      const run = await exited;

      expect(run.signal).toBe('SIGTERM');
      expect(readdirSync(tmp)).toEqual([]);
      for (const socket of held) socket.destroy();
      // The signing child gives up once the server is gone; nothing it leaves may survive as a temp copy.
      await expect.poll(() => readdirSync(ws), { timeout: 30_000 }).toEqual(['app.exe']);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(existsSync(file)).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 120_000);
});
