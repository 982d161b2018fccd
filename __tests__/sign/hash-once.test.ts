import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';
import * as image from '../../src/sign/authenticode/image.js';
import { signWithEngine } from '../../src/sign/builtin.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { describeWithTool } from '../helpers/tools.js';
import { keyOf } from './keys.js';

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
    const results = await signWithEngine(
      files.map((f) => ({ path: f, target: f, size: statSync(f).size })),
      {
        key: keyOf(pki.leaf, pki),
        digest: 'sha256',
        skipSigned: true,
        appendSignature: false,
        signerSubject: 'CN=Leaf Signer',
        selfSigned: false,
        trust: { anchors: readAnchors([pki.ca.certPem]) },
      },
    );
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
