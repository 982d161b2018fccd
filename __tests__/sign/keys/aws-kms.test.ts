import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsKmsKey, kmsAlgorithm } from '../../../src/sign/keys/aws-kms.js';
import { KMS_KEY_ID, startKmsStandin, type KmsStandin } from '../../helpers/aws-kms.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';

describe('AWS KMS key against the local stand-in', () => {
  let work: string;
  let pki: TestPki;
  let kms: KmsStandin;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'gag-kms-'));
    pki = makeTestPki(work);
    kms = await startKmsStandin(pki.leaf);
  });
  afterAll(async () => {
    await kms?.close();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    kms.requests.length = 0;
    kms.errors.length = 0;
  });
  const key = (secrets: string[] = [], keyId = KMS_KEY_ID) =>
    awsKmsKey({
      keyId,
      chainFile: pki.leaf.certFile,
      env: kms.env,
      setSecret: (s) => void secrets.push(s),
      policy: { attempts: 3 },
    });

  it('signs a digest (MessageType DIGEST) that verifies against the certificate', async () => {
    const secrets: string[] = [];
    const signer = await key(secrets);
    const signature = await signer.signDigest(createHash('sha256').update('image').digest(), 'sha256');
    await signer.close?.();
    expect(
      verify('sha256', Buffer.from('image'), new X509Certificate(pki.leaf.certPem).publicKey, signature),
    ).toBe(true);
    expect(kms.requests[0]?.body).toMatchObject({
      KeyId: KMS_KEY_ID,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    expect(kms.requests[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN00000000\/\d+\/eu-west-1\/kms\//,
    );
    expect(secrets).toContain('aws-secret-key-do-not-print');
    expect(kmsAlgorithm('ecdsa', 'sha384')).toBe('ECDSA_SHA_384');
  });

  it('retries throttling, then succeeds', async () => {
    const signer = await key();
    kms.errors.push('ThrottlingException');
    await signer.signDigest(createHash('sha256').update('t').digest(), 'sha256');
    expect(kms.requests).toHaveLength(2);
  });

  it.each([
    ['AccessDeniedException', /may not call kms:Sign on arn:aws:kms:eu-west-1/],
    ['DisabledException', /is disabled or pending deletion/],
  ])('explains %s in one message', async (type, message) => {
    const signer = await key();
    kms.errors.push(type);
    await expect(signer.signDigest(createHash('sha256').update('t').digest(), 'sha256')).rejects.toThrow(
      message,
    );
  });

  it('names the region when neither the ARN nor AWS_REGION gives one', async () => {
    await expect(
      awsKmsKey({
        keyId: 'alias/release',
        chainFile: pki.leaf.certFile,
        env: {},
        setSecret: () => undefined,
      }),
    ).rejects.toThrow(/no region for aws-kms-key alias\/release/);
  });
});
