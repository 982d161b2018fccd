import { execFileSync } from 'node:child_process';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePkcs11Uri, pkcs11Key } from '../../../src/sign/keys/pkcs11.js';
import type { ProcessRunner } from '../../../src/platform/process.js';
import { runProcess } from '../../../src/platform/runprocess.js';
import { issueEcCertificate } from '../../helpers/ec-cert.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../helpers/softhsm.js';
import { describeWithTool } from '../../helpers/tools.js';

const PIN = 'pin-4711-secret';

/** Records every spawn (argv, env, stdin) so the test can prove where the PIN went. */
function recordingRunner(): {
  run: ProcessRunner;
  calls: Array<{ file: string; args: readonly string[]; env: string; input: string }>;
} {
  const calls: Array<{ file: string; args: readonly string[]; env: string; input: string }> = [];
  const run: ProcessRunner = (file, args, options = {}) => {
    calls.push({ file, args, env: JSON.stringify(options.env ?? {}), input: String(options.input ?? '') });
    return runProcess(file, args, options);
  };
  return { run, calls };
}

describeWithTool(['softhsm2-util', 'pkcs11-tool', 'openssl'], 'PKCS#11 key on a SoftHSM2 token', () => {
  let work: string;
  let pki: TestPki;
  let token: SoftHsmToken;
  let ecCert: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gag-pkcs11-'));
    pki = makeTestPki(path.join(work, 'pki'));
    // An ECDSA P-256 leaf from the same CA, the way tokens that generate EC keys hold them.
    const ec = issueEcCertificate(work, 'ec', 'EC Signer', pki.ca);
    ecCert = ec.certFile;
    token = createSoftHsmToken('ci', PIN, [
      {
        keyFile: pki.leaf.keyFile,
        certFile: pki.leaf.certFile,
        label: 'signing',
        id: '01',
        withCertificate: true,
      },
      { keyFile: ec.keyFile, certFile: ecCert, label: 'ec', id: '02' },
    ]);
    token.activate();
  });

  afterAll(() => {
    token?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const options = (run: ProcessRunner, uri: string, pin = PIN, chainFile?: string) => ({
    module: token.module,
    uri,
    pin,
    chainFile,
    run,
    env: process.env,
    platform: process.platform,
    tempDir: path.join(work, 'run'),
    setSecret: () => undefined,
  });

  it('signs a digest with an RSA key and reads the certificate beside it from the token', async () => {
    const { run, calls } = recordingRunner();
    const key = await pkcs11Key(options(run, 'pkcs11:token=ci;object=signing'));
    const data = Buffer.from('a PE image hash stands in here');
    const signature = await key.signDigest(createHash('sha384').update(data).digest(), 'sha384');
    await key.close?.();

    expect(key.keyType).toBe('rsa');
    const [leaf] = await key.chain();
    expect(new X509Certificate(leaf as Uint8Array).fingerprint256).toBe(
      new X509Certificate(pki.leaf.certPem).fingerprint256,
    );
    expect(verify('sha384', data, new X509Certificate(pki.leaf.certPem).publicKey, signature)).toBe(true);
    // The PIN went to openssl on stdin only: never argv, never the child's environment.
    const sign = calls.find((c) => c.args.includes('pkeyutl'));
    expect(sign?.input).toBe(`${PIN}\n`);
    for (const call of calls) {
      expect(call.args.join(' ')).not.toContain(PIN);
      expect(call.env).not.toContain(PIN);
    }
    expect(existsSync(path.join(work, 'run')) ? readdirSync(path.join(work, 'run')) : []).toEqual([]);
  });

  it('signs with an ECDSA key and a certificate-chain file, answering DER ECDSA-Sig-Value', async () => {
    const key = await pkcs11Key(options(runProcess, 'pkcs11:token=ci;id=%02', PIN, ecCert));
    const data = Buffer.from('another image hash');
    const signature = await key.signDigest(createHash('sha256').update(data).digest(), 'sha256');
    await key.close?.();
    expect(key.keyType).toBe('ecdsa');
    expect(signature[0]).toBe(0x30);
    expect(
      verify(
        'sha256',
        data,
        { key: new X509Certificate(readPem(ecCert)).publicKey, dsaEncoding: 'der' },
        signature,
      ),
    ).toBe(true);
  });

  it('stops after one wrong PIN, with a message that names pkcs11-pin', async () => {
    const { run, calls } = recordingRunner();
    const key = await pkcs11Key(options(run, 'pkcs11:token=ci;object=signing', 'wrong-pin'));
    const digest = createHash('sha256').update('x').digest();
    await expect(key.signDigest(digest, 'sha256')).rejects.toThrow(
      /login to the token failed; check pkcs11-pin/,
    );
    const spawned = calls.length;
    await expect(key.signDigest(digest, 'sha256')).rejects.toThrow(/pkcs11-pin/);
    expect(calls.length).toBe(spawned);
    await key.close?.();
  });

  it('names pkcs11-key when no key matches', async () => {
    const key = await pkcs11Key(
      options(runProcess, 'pkcs11:token=ci;object=nothing', PIN, pki.leaf.certFile),
    );
    await expect(key.signDigest(createHash('sha256').update('x').digest(), 'sha256')).rejects.toThrow(
      /pkcs11-key/,
    );
    await key.close?.();
  });
});

it('refuses a PIN inside the URI and a URI that names no key', () => {
  expect(() => parsePkcs11Uri('pkcs11:token=ci;object=k?pin-value=1234')).toThrow(/pkcs11-pin/);
  expect(() => parsePkcs11Uri('pkcs11:token=ci')).toThrow(/object=/);
  expect(() => parsePkcs11Uri('token=ci')).toThrow(/RFC 7512/);
  expect(parsePkcs11Uri('pkcs11:token=my%20token;id=%01').get('token')).toBe('my token');
});

function readPem(file: string): string {
  return execFileSync('openssl', ['x509', '-in', file]).toString();
}
