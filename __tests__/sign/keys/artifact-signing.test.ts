import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactSigningKey } from '../../../src/sign/keys/artifact-signing.js';
import type { RemotePolicy } from '../../../src/sign/keys/remote.js';
import {
  ACCOUNT,
  artifactSigningStandin,
  PROFILE,
  type ArtifactSigningStandin,
} from '../../helpers/azure-artifact-signing.js';
import {
  azureEnv,
  CLIENT_SECRET,
  GITHUB_OIDC_JWT,
  startAzureStandin,
  trustTestCa,
  type AzureStandin,
} from '../../helpers/azure-standin.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';

describe('Azure Artifact Signing key against the local stand-in', () => {
  let work: string;
  let pki: TestPki;
  let standin: AzureStandin;
  let service: ArtifactSigningStandin;
  let untrust: () => void;
  let waits: number[];
  let secrets: string[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'gag-trusted-'));
    pki = makeTestPki(path.join(work, 'pki'));
    untrust = trustTestCa(pki.ca);
    service = artifactSigningStandin(pki.leaf, pki.ca);
    standin = await startAzureStandin(work, pki.ca, [service.route]);
  });
  afterAll(async () => {
    await standin?.close();
    untrust?.();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    service.faults.length = 0;
    service.outcome = 'Succeeded';
    standin.requests.length = 0;
    waits = [];
    secrets = [];
  });

  const policy = (): Partial<RemotePolicy> => ({
    attempts: 3,
    baseDelayMs: 5,
    maxDelayMs: 5_000,
    wait: async (ms) => void waits.push(ms),
  });
  const key = (kind: 'client-secret' | 'github-oidc', profile = PROFILE, extra: Partial<RemotePolicy> = {}) =>
    artifactSigningKey({
      endpoint: standin.url,
      account: ACCOUNT,
      profile,
      env: azureEnv(standin, kind),
      setSecret: (s) => void secrets.push(s),
      policy: { ...policy(), ...extra },
    });
  const digestOf = (text: string) => createHash('sha256').update(text).digest();
  const leafKey = () => new X509Certificate(pki.leaf.certPem).publicKey;

  for (const kind of ['client-secret', 'github-oidc'] as const) {
    it(`signs a digest with a ${kind} credential; the chain comes back leaf first`, async () => {
      const signer = await key(kind);
      const signature = await signer.signDigest(digestOf('image'), 'sha256');
      expect(verify('sha256', Buffer.from('image'), leafKey(), signature)).toBe(true);
      const chain = await signer.chain();
      expect(chain.map((c) => new X509Certificate(c).subject)).toEqual([
        new X509Certificate(pki.leaf.certPem).subject,
        new X509Certificate(pki.ca.certPem).subject,
      ]);
      expect(signer.keyType).toBe('rsa');
      const token = standin.requests.find((r) => r.path.includes('/oauth2/v2.0/token'));
      const form = new URLSearchParams(token?.body);
      expect(form.get('scope')?.split(' ')).toContain('https://codesigning.azure.net/.default');
      if (kind === 'github-oidc') {
        expect(form.get('client_assertion')).toBe(GITHUB_OIDC_JWT);
        expect(form.get('client_secret')).toBeNull();
        expect(
          standin.requests.some((r) => r.path.includes('audience=api%3A%2F%2FAzureADTokenExchange')),
        ).toBe(true);
        expect(secrets).toContain(GITHUB_OIDC_JWT);
      } else expect(secrets).toContain(CLIENT_SECRET);
      // every access token handed out was registered as a secret before use
      for (const issued of standin.tokens.keys())
        if (standin.requests.some((r) => r.headers.authorization === `Bearer ${issued}`))
          expect(secrets).toContain(issued);
    });
  }

  it('honours 429 Retry-After, then succeeds', async () => {
    const signer = await key('client-secret');
    service.faults.push({
      match: 'POST /codesigningaccounts',
      status: 429,
      headers: { 'Retry-After': '2' },
      times: 1,
    });
    const signature = await signer.signDigest(digestOf('throttled'), 'sha256');
    expect(verify('sha256', Buffer.from('throttled'), leafKey(), signature)).toBe(true);
    expect(waits).toContain(2000);
  });

  it("gives up on persistent 503 after the policy's tries with one message", async () => {
    const signer = await key('client-secret');
    service.faults.push({
      match: 'POST /codesigningaccounts',
      status: 503,
      body: { error: { code: 'ServiceUnavailable', message: 'try later' } },
    });
    await expect(signer.signDigest(digestOf('x'), 'sha256')).rejects.toThrow(
      /^Azure Artifact Signing: submitting the digest answered 503 \(ServiceUnavailable: try later\) after 3 tries: the service failed; try again later$/,
    );
    expect(waits).toEqual([5, 10]);
  });

  it('explains 403 with the role to assign and the account', async () => {
    service.faults.push({
      match: 'certchain',
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Caller is not authorized.' } },
    });
    await expect(key('client-secret')).rejects.toThrow(
      /403 .*"Artifact Signing Certificate Profile Signer" role .* on account gag-account/,
    );
  });

  it('explains a 401 from the service with the tenant and the endpoint to check', async () => {
    service.faults.push({
      match: 'certchain',
      status: 401,
      body: { error: { code: 'Unauthorized', message: 'bad audience' } },
    });
    await expect(key('client-secret')).rejects.toThrow(
      /answered 401 .*AZURE_TENANT_ID.*artifact-signing-endpoint/,
    );
  });

  it('explains a refused client secret (token endpoint 401) without printing the secret', async () => {
    standin.failTokenOnce = {
      status: 401,
      error: 'invalid_client',
      description: 'AADSTS7000215: Invalid client secret provided.',
    };
    const failure = await key('client-secret').then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(failure).toMatch(
      /^Azure Artifact Signing: could not get an Azure access token with the client secret credential: .*AADSTS7000215/,
    );
    expect(failure).not.toContain(CLIENT_SECRET);
  });

  it('names the profile input when the profile does not exist', async () => {
    await expect(key('client-secret', 'no-such-profile')).rejects.toThrow(
      /404 .*artifact-signing-profile \(no-such-profile\)/,
    );
  });

  it('reports an operation that ends Failed', async () => {
    const signer = await key('client-secret');
    service.outcome = 'Failed';
    await expect(signer.signDigest(digestOf('x'), 'sha256')).rejects.toThrow(
      /signing operation [0-9a-f-]+ ended Failed\. Check that certificate profile gag-profile \(artifact-signing-profile\) is active/,
    );
  });

  it('keeps at most maxConcurrency operations in flight', async () => {
    const signer = await key('client-secret', PROFILE, { maxConcurrency: 2 });
    service.peakInFlight = 0;
    const signatures = await Promise.all(
      Array.from({ length: 6 }, (_, i) => signer.signDigest(digestOf(`f${i}`), 'sha256')),
    );
    expect(signatures).toHaveLength(6);
    expect(service.peakInFlight).toBe(2);
  });

  it('fails clearly when the endpoint does not answer', async () => {
    const signer = artifactSigningKey({
      endpoint: 'https://127.0.0.1:1',
      account: ACCOUNT,
      profile: PROFILE,
      env: azureEnv(standin, 'client-secret'),
      setSecret: () => undefined,
      policy: { ...policy(), attempts: 2 },
    });
    await expect(signer).rejects.toThrow(
      /reading the certificate chain at https:\/\/127\.0\.0\.1:1 failed: no answer after 2 tries .*Check artifact-signing-endpoint/,
    );
  });
});
