import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as image from '../../src/sign/authenticode/image.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { describeWithTool } from '../helpers/tools.js';
import { engineSign, keyOf } from './keys.js';

// Counts the image hashes a signing run takes (each is a SHA-256 pass over the whole file).
vi.mock('../../src/sign/authenticode/image.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/sign/authenticode/image.js')>();
  return { ...original, imageDigest: vi.fn(original.imageDigest) };
});

describeWithTool(['go', 'osslsigncode', 'openssl'], 'the image hash of a file signed in process', () => {
  let root: string;
  let pki: TestPki;
  let pe: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'gag-hash-once-'));
    pki = makeTestPki(path.join(root, 'pki'));
    pe = await buildWindowsPe();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is taken once per file: the signed file is verified against it by fingerprint, and osslsigncode agrees', async () => {
    const files = ['a.exe', 'b.exe', 'c.exe'].map((name) => path.join(root, name));
    for (const file of files) copyFileSync(pe, file);
    vi.mocked(image.imageDigest).mockClear();
    const results = await engineSign(files, keyOf(pki.leaf, pki), pki);
    expect(results.map((r) => [r.status, r.verification?.ok])).toEqual(files.map(() => ['signed', true]));
    expect(vi.mocked(image.imageDigest)).toHaveBeenCalledTimes(files.length);
    for (const file of files) {
      const out = execFileSync('osslsigncode', ['verify', '-in', file, '-CAfile', pki.ca.certFile], {
        encoding: 'utf8',
      });
      expect(out).toMatch(/Signature verification: ok/);
    }
  });
});
