import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyVaultKey } from '../../../src/sign/keys/key-vault.js';
import { CERTIFICATE_NAME, keyVaultStandin, type KeyVaultStandin } from '../../helpers/azure-key-vault.js';
import {
  azureEnv,
  CLIENT_SECRET,
  resolveLocalhostNames,
  startAzureStandin,
  trustTestCa,
  VAULT_HOST,
  type AzureStandin,
} from '../../helpers/azure-standin.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';

describe('Azure Key Vault key against the local stand-in', () => {
  let work: string;
  let pki: TestPki;
  let standin: AzureStandin;
  let vault: KeyVaultStandin;
  let restore: Array<() => void>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'gag-vault-'));
    pki = makeTestPki(path.join(work, 'pki'));
    restore = [trustTestCa(pki.ca), resolveLocalhostNames()];
    vault = keyVaultStandin(pki.leaf);
    standin = await startAzureStandin(work, pki.ca, [vault.route]);
  });
  afterAll(async () => {
    await standin?.close();
    for (const r of restore ?? []) r();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    vault.faults.length = 0;
    standin.requests.length = 0;
  });

  const vaultUrl = () => `https://${VAULT_HOST}:${new URL(standin.url).port}`;
  const key = (
    kind: 'client-secret' | 'github-oidc',
    certificate = CERTIFICATE_NAME,
    secrets: string[] = [],
    maxConcurrency = 4,
  ) =>
    keyVaultKey({
      vaultUrl: vaultUrl(),
      certificate,
      chainFile: pki.ca.certFile,
      env: azureEnv(standin, kind),
      setSecret: (s) => void secrets.push(s),
      policy: { attempts: 3, baseDelayMs: 10, maxDelayMs: 2_000, maxConcurrency },
    });

  for (const kind of ['client-secret', 'github-oidc'] as const) {
    it(`signs a digest in the vault with a ${kind} credential; certificate and chain file make the chain`, async () => {
      const secrets: string[] = [];
      const signer = await key(kind, CERTIFICATE_NAME, secrets);
      const signature = await signer.signDigest(createHash('sha256').update('image').digest(), 'sha256');
      expect(
        verify('sha256', Buffer.from('image'), new X509Certificate(pki.leaf.certPem).publicKey, signature),
      ).toBe(true);
      const chain = await signer.chain();
      expect(chain.map((c) => new X509Certificate(c).subject)).toEqual([
        new X509Certificate(pki.leaf.certPem).subject,
        new X509Certificate(pki.ca.certPem).subject,
      ]);
      expect(vault.signs).toBeGreaterThan(0);
      if (kind === 'client-secret') expect(secrets).toContain(CLIENT_SECRET);
      // the digest went to the vault's sign operation, base64url, with RS256
      const sign = standin.requests.find((r) => r.method === 'POST' && r.path.includes('/sign'));
      expect(JSON.parse(sign?.body ?? '{}')).toEqual({
        alg: 'RS256',
        value: createHash('sha256').update('image').digest('base64url'),
      });
    });
  }

  it('signs by certificate name/version too', async () => {
    const signer = await key('client-secret', `${CERTIFICATE_NAME}/0123456789abcdef0123456789abcdef`);
    expect(signer.keyType).toBe('rsa');
  });

  it('explains 403 with the roles to assign', async () => {
    vault.faults.push({
      match: '/certificates/',
      status: 403,
      body: {
        error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.' },
      },
    });
    await expect(key('client-secret')).rejects.toThrow(
      /^Azure Key Vault: reading the certificate failed with 403 .*"Key Vault Crypto User"/,
    );
  });

  it('names azure-key-vault-certificate when the certificate does not exist', async () => {
    await expect(key('client-secret', 'missing')).rejects.toThrow(
      /404 .*check azure-key-vault-certificate \(missing\)/,
    );
  });

  it('honours 429 Retry-After on sign, then succeeds', async () => {
    const signer = await key('client-secret');
    vault.faults.push({ match: 'POST /keys/', status: 429, headers: { 'Retry-After': '1' }, times: 1 });
    const started = Date.now();
    await signer.signDigest(createHash('sha256').update('t').digest(), 'sha256');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives up on persistent 500s with one message', async () => {
    const signer = await key('client-secret');
    vault.faults.push({
      match: 'POST /keys/',
      status: 500,
      body: { error: { code: 'InternalServerError', message: 'boom' } },
    });
    await expect(signer.signDigest(createHash('sha256').update('t').digest(), 'sha256')).rejects.toThrow(
      /^Azure Key Vault: signing a digest failed with 500 .*try again later$/,
    );
  });

  it('keeps at most maxConcurrency signs in flight', async () => {
    const signer = await key('client-secret', CERTIFICATE_NAME, [], 2);
    vault.peakInFlight = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        signer.signDigest(createHash('sha256').update(`${i}`).digest(), 'sha256'),
      ),
    );
    expect(vault.peakInFlight).toBe(2);
  });
});
