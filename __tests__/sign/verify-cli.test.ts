import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { analyzeFiles } from '../../src/pe/index.js';
import type { ProgressEvent } from '../../src/progress.js';
import { signPe } from '../../src/sign/authenticode/engine.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { describeWithTool } from '../helpers/tools.js';
import { keyOf } from './keys.js';

const REAL = path.join(import.meta.dirname, '..', 'fixtures', 'sign', 'real');
const original = path.join(REAL, 'ms-nested-sha1-sha256.dll');
const tampered = path.join(REAL, 'ms-nested-sha1-sha256-tampered.dll');

async function cli(args: string[], progress?: (e: ProgressEvent) => void) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      readStdin: async () => '',
      env: process.env,
      cwd: REAL,
    },
    progress ? { progress } : {},
  );
  return { code, stdout, stderr };
}

describe('go-av-guard verify on real files', () => {
  it('exits 0 on the intact original and 1 on the tampered copy, naming why', async () => {
    const ok = await cli(['verify', original]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^OK {6}ms-nested-sha1-sha256\.dll: signature 0 \(sha1\): intact, chain not trusted .*signature 1 \(sha256\): intact/,
    );
    const bad = await cli(['verify', original, tampered]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /FAILED {2}ms-nested-sha1-sha256-tampered\.dll: signature 0 \(sha1\): broken: the file was changed after signing \(image hash mismatch\)/,
    );
  });

  it('--require-trusted fails an intact signature whose chain this machine does not trust; --json has the verdicts', async () => {
    const events: ProgressEvent[] = [];
    const strict = await cli(['verify', '--require-trusted', '--json', original], (e) => events.push(e));
    expect(strict.code).toBe(1);
    const [result] = JSON.parse(strict.stdout) as Array<{
      ok: boolean;
      intact: boolean;
      trusted: boolean;
      reason: string;
    }>;
    expect(result).toMatchObject({
      ok: false,
      intact: true,
      trusted: false,
      reason: expect.stringMatching(/^not trusted: /),
    });
    expect(events).toEqual([expect.objectContaining({ kind: 'file', capability: 'verify', ok: false })]);
  });

  it('an unsigned or unreadable file fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gag-verify-'));
    try {
      const unsigned = path.join(dir, 'plain.exe');
      writeFileSync(unsigned, 'MZ not much');
      const folder = path.join(dir, 'folder.exe');
      mkdirSync(folder);
      // A FIFO in a file's place is refused, not waited on (the open would block for a writer).
      const fifo = path.join(dir, 'fifo.exe');
      if (process.platform !== 'win32') execFileSync('mkfifo', [fifo]);
      const result = await cli(['verify', unsigned, path.join(dir, 'missing.exe'), folder, fifo]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('missing.exe: cannot read the file: ENOENT');
      expect(result.stdout).toMatch(/FAILED {2}.*plain\.exe: /);
      expect(result.stdout).toContain('folder.exe: cannot read the file: not a regular file');
      if (process.platform !== 'win32')
        expect(result.stdout).toContain('fifo.exe: cannot read the file: not a regular file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the PE report agrees: intact for the original, a broken-signature error finding for the tampered copy', async () => {
    const [good, bad] = await analyzeFiles([original, tampered]);
    expect(good).toMatchObject({ signature: { present: true, verdict: { intact: true, trusted: false } } });
    expect(bad).toMatchObject({ signature: { present: true, verdict: { intact: false } } });
    expect((bad as { findings: Array<{ id: string; severity: string }> }).findings).toContainEqual(
      expect.objectContaining({ id: 'GAV-PE-SIGNATURE-BROKEN', severity: 'error' }),
    );
    expect((good as { findings: Array<{ id: string }> }).findings.map((f) => f.id)).not.toContain(
      'GAV-PE-SIGNATURE-BROKEN',
    );
  });
});

describeWithTool(['go', 'openssl'], 'the PE report verdict for files we sign', () => {
  let dir: string;
  let pki: TestPki;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-verdict-'));
    pki = makeTestPki(path.join(dir, 'pki'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the image hash in the same pass and trusts the test CA when asked; a junk table is broken', async () => {
    const pe = readFileSync(await buildWindowsPe());
    const file = path.join(dir, 'signed.exe');
    writeFileSync(file, (await signPe(pe, keyOf(pki.leaf, pki), { digest: 'sha384' })).bytes);
    const { readAnchors } = await import('../../src/sign/authenticode/anchors.js');
    const [report] = await analyzeFiles([file], { trust: { anchors: readAnchors([pki.ca.certPem]) } });
    expect(report).toMatchObject({ signature: { verdict: { intact: true, trusted: true } } });
    const junk = Buffer.from(readFileSync(file));
    junk[junk.length - 40] = (junk[junk.length - 40] as number) ^ 0xff;
    writeFileSync(file, junk);
    const [broken] = await analyzeFiles([file], { trust: { anchors: readAnchors([]) } });
    expect(broken).toMatchObject({ signature: { verdict: { intact: false } } });
  });
});
