import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { preparePe, signPe } from '../../src/sign/authenticode/engine.js';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';
import { verifyPe } from '../../src/sign/authenticode/verify.js';
import { peChecksum, peLayout } from '../../src/sign/authenticode/image.js';
import type { DigestAlgorithm, SigningKey } from '../../src/sign/keys/types.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { keyOf, osslVerify } from './keys.js';
import { issue, makeTestPki, type Issued, type TestPki } from '../helpers/pki.js';
import { startTsa, type TestTsa } from '../helpers/tsa.js';
import { describeWithTool, pythonWithPefile } from '../helpers/tools.js';

const run = promisify(execFile);

describeWithTool(['go', 'osslsigncode', 'openssl'], 'in-process Authenticode engine', () => {
  let dir: string;
  let pki: TestPki;
  let pe: Buffer;
  let tsa: TestTsa;
  const keys: Record<string, Issued> = {};
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-engine-'));
    pki = makeTestPki(path.join(dir, 'pki'));
    keys.rsa = pki.leaf;
    keys.rsa4096 = issue(pki.dir, 'rsa4096', {
      cn: 'RSA 4096 Signer',
      issuer: pki.ca,
      eku: ['codeSigning'],
      key: 'rsa4096',
    });
    keys.p256 = issue(pki.dir, 'p256', {
      cn: 'P-256 Signer',
      issuer: pki.ca,
      eku: ['codeSigning'],
      key: 'p256',
    });
    keys.p384 = issue(pki.dir, 'p384', {
      cn: 'P-384 Signer',
      issuer: pki.ca,
      eku: ['codeSigning'],
      key: 'p384',
    });
    pe = await readFile(await buildWindowsPe());
    tsa = await startTsa(pki);
  });
  afterAll(async () => {
    await tsa?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, DigestAlgorithm, boolean, boolean]> = [];
  for (const key of ['rsa', 'p256', 'p384', 'rsa4096'])
    for (const digest of ['sha256', 'sha384', 'sha512'] as const)
      for (const timestamped of [false, true])
        for (const append of [false, true]) {
          if (key === 'rsa4096' && (digest !== 'sha256' || append)) continue;
          cases.push([key, digest, timestamped, append]);
        }

  it.each(cases)(
    '%s key, %s, timestamp %s, append %s: osslsigncode verify passes',
    async (name, digest, timestamped, append) => {
      const key = keyOf(keys[name] as Issued, pki);
      let input = pe;
      if (append) input = (await signPe(pe, keyOf(pki.leaf, pki), { digest: 'sha256' })).bytes;
      const signed = await signPe(input, key, {
        digest,
        description: 'go-av-guard test',
        descriptionUrl: 'https://example.com/',
        append,
        ...(timestamped ? { timestamp: (sig, d) => timestampToken(tsa.url('good'), sig, d) } : {}),
      });
      expect(signed.index).toBe(append ? 1 : 0);
      const file = path.join(dir, `${name}-${digest}-${timestamped}-${append}.exe`);
      await writeFile(file, signed.bytes);
      const { code, out } = await osslVerify(file, pki);
      expect(out).toContain(`Signature Index: ${append ? 1 : 0}`);
      expect(code, out).toBe(0);
      expect(out).toMatch(new RegExp(`Message digest algorithm\\s*:\\s*${digest.toUpperCase()}`));
      if (timestamped) expect(out).toContain('Timestamp time:');
      // The checksum we wrote is what imagehlp's algorithm gives for the file.
      const layout = await peLayout(signed.bytes);
      expect(signed.bytes.readUInt32LE(layout.checksumOffset)).toBe(
        peChecksum(signed.bytes, layout.checksumOffset),
      );
      expect(layout.tableOffset % 8).toBe(0);
      expect(layout.tableSize % 8).toBe(0);
      // Our own verifier agrees: intact and trusted with the test CA as anchor.
      const verdict = await verifyPe(signed.bytes, { anchors: readAnchors([pki.ca.certPem]) });
      expect(verdict.detail).not.toMatch(/broken|not trusted/);
      expect(verdict.signatures).toHaveLength(append ? 2 : 1);
      expect(verdict.signatures.at(-1)?.digest).toBe(digest);
      expect(Boolean(verdict.signatures.at(-1)?.timestamp?.intact)).toBe(timestamped);
    },
  );

  it('tampered: osslsigncode and our verify both call the file broken; without the CA it is intact but untrusted', async () => {
    const signed = await signPe(pe, keyOf(pki.leaf, pki), {
      digest: 'sha256',
      timestamp: (sig, d) => timestampToken(tsa.url('good'), sig, d),
    });
    const anchors = readAnchors([pki.ca.certPem]);
    const untrusted = await verifyPe(signed.bytes, { anchors: readAnchors([]) });
    expect(untrusted.intact).toBe(true);
    expect(untrusted.trusted).toBe(false);
    expect(untrusted.detail).toMatch(/intact, chain not trusted/);
    const tampered = Buffer.from(signed.bytes);
    tampered[0x400] = (tampered[0x400] as number) ^ 0xff;
    const file = path.join(dir, 'tampered.exe');
    await writeFile(file, tampered);
    const { code, out } = await osslVerify(file, pki);
    expect(code).not.toBe(0);
    expect(out).toMatch(/MISMATCH/);
    const verdict = await verifyPe(tampered, { anchors });
    expect(verdict.intact).toBe(false);
    expect(verdict.detail).toMatch(/image hash mismatch/);
  });

  it.each([
    ['an aligned file', 0],
    ['content of odd length (the padding counts)', 3],
  ])(
    'verifying %s just signed takes the signed hash only while the image is the bytes that were hashed',
    async (_name, extra) => {
      const input = Buffer.concat([pe, Buffer.alloc(extra, 0xab)]);
      const prepared = await preparePe(input, { digest: 'sha256' });
      const signed = await signPe(input, keyOf(pki.leaf, pki), { digest: 'sha256' });
      const trust = { anchors: readAnchors([pki.ca.certPem]) };
      const known = {
        digest: 'sha256',
        hash: prepared.imageHash,
        fingerprint: prepared.imageFingerprint,
      } as const;
      expect((await verifyPe(signed.bytes, trust, known)).intact).toBe(true);
      // Taken as the image's hash when the image matches: offered a wrong one, the signature does not verify.
      const wrong = { ...known, hash: Buffer.alloc(32) };
      const misled = await verifyPe(signed.bytes, trust, wrong);
      expect(misled.intact).toBe(false);
      expect(misled.detail).toMatch(/image hash mismatch/);
      // A byte of the image changed since it was hashed: hashed again, the change is caught.
      const tampered = Buffer.from(signed.bytes);
      tampered[0x400] = (tampered[0x400] as number) ^ 0xff;
      const caught = await verifyPe(tampered, trust, known);
      expect(caught.intact).toBe(false);
      expect(caught.detail).toMatch(/image hash mismatch/);
      // Not taken for other bytes, nor for another digest: hashed again, the file verifies on its own.
      const other = Buffer.from(input);
      other[0x400] = (other[0x400] as number) ^ 0xff;
      const otherFingerprint = (await preparePe(other, { digest: 'sha256' })).imageFingerprint;
      expect((await verifyPe(signed.bytes, trust, { ...wrong, fingerprint: otherFingerprint })).intact).toBe(
        true,
      );
      expect((await verifyPe(signed.bytes, trust, { ...wrong, digest: 'sha384' })).intact).toBe(true);
    },
  );

  it('a timestamp moved from another signature is broken', async () => {
    const key = keyOf(pki.leaf, pki);
    let stolen: Buffer | undefined;
    const first = await signPe(pe, key, {
      digest: 'sha256',
      timestamp: async (sig, d) => (stolen = await timestampToken(tsa.url('good'), sig, d)),
    });
    expect(first.timestamped).toBe(true);
    const second = await signPe(pe, key, {
      digest: 'sha256',
      description: 'other',
      timestamp: async () => stolen as Buffer,
    });
    const verdict = await verifyPe(second.bytes, { anchors: readAnchors([pki.ca.certPem]) });
    expect(verdict.intact).toBe(false);
    expect(verdict.detail).toMatch(/timestamp belongs to another signature/);
  });

  it.each(['rsa', 'p256'])(
    'a %s key that only signs digests (as tokens and cloud services do) signs through signDigest',
    async (name) => {
      const full = keyOf(keys[name] as Issued, pki);
      let digests = 0;
      const digestOnly: SigningKey = {
        description: 'digest-only',
        keyType: full.keyType,
        chain: () => full.chain(),
        signDigest: async (digest, algorithm) => {
          digests++;
          if (full.keyType === 'rsa') return full.signDigest(digest, algorithm);
          // ECDSA over a digest, as a token would: node:crypto signs data, so re-derive via a raw-digest key.
          return ecdsaOverDigest(keys[name] as Issued, digest);
        },
      };
      const signed = await signPe(pe, digestOnly, { digest: 'sha256' });
      expect(digests).toBe(1);
      const file = path.join(dir, `digest-only-${name}.exe`);
      await writeFile(file, signed.bytes);
      const { code, out } = await osslVerify(file, pki);
      expect(code, out).toBe(0);
    },
  );

  it.each([
    ['a signed file re-signed (its old table dropped)', 'resign'],
    ['content of odd length (padded to 8 bytes)', 'odd'],
  ])('writes the right checksum for %s', async (_name, kind) => {
    const key = keyOf(pki.leaf, pki);
    const input =
      kind === 'resign'
        ? (await signPe(pe, key, { digest: 'sha384' })).bytes
        : Buffer.concat([pe, Buffer.from([0xab])]);
    const signed = await signPe(input, key, { digest: 'sha256' });
    const layout = await peLayout(signed.bytes);
    expect(signed.bytes.readUInt32LE(layout.checksumOffset)).toBe(
      peChecksum(signed.bytes, layout.checksumOffset),
    );
  });

  it('writes the checksum pefile computes', async () => {
    const python = pythonWithPefile();
    if (!python && process.env.CI !== 'true') return;
    const signed = await signPe(pe, keyOf(pki.leaf, pki), { digest: 'sha256' });
    const file = path.join(dir, 'checksum.exe');
    await writeFile(file, signed.bytes);
    const { stdout } = await run(python ?? 'python3', [
      '-c',
      'import pefile,sys; p=pefile.PE(sys.argv[1]); print(p.OPTIONAL_HEADER.CheckSum, p.generate_checksum())',
      file,
    ]);
    const [stored, computed] = stdout.trim().split(' ');
    expect(stored).toBe(computed);
  });
});

import { requestTimestamp } from '../../src/sign/authenticode/timestamp.js';
async function timestampToken(url: string, signature: Buffer, digest: DigestAlgorithm): Promise<Buffer> {
  return requestTimestamp(url, signature, digest, { timeoutMs: 10_000 });
}

/** ECDSA over a precomputed digest with `openssl pkeyutl -sign` (raw digest in, DER signature out). */
async function ecdsaOverDigest(issued: Issued, digest: Uint8Array): Promise<Buffer> {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync('openssl', ['pkeyutl', '-sign', '-inkey', issued.keyFile], {
    input: Buffer.from(digest),
  });
  if (result.status !== 0) throw new Error(String(result.stderr));
  return result.stdout;
}
