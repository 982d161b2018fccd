import { Buffer } from 'node:buffer';
import { accessToken, azureCredential, type AzureCredential } from './azure-credential.js';
import { ecdsaJoseToDer, joseAlgorithm, keyTypeOf, orderChain, parseCertificates } from './certs.js';
import {
  DEFAULT_REMOTE_POLICY,
  fetchWithRetry,
  KeySourceError,
  limitConcurrency,
  serviceDetail,
  sleep,
  type HttpAnswer,
  type RemotePolicy,
} from './remote.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * Azure Artifact Signing (formerly Trusted Signing) through its digest-signing data-plane API, the one
 * its signtool dlib calls: POST .../sign with the digest, poll .../sign/{operationId} until it succeeds,
 * take the signature and the signing certificate. The chain comes from .../sign/certchain (PKCS#7).
 * Shapes: __tests__/fixtures/azure/README.md.
 */
export const ARTIFACT_SIGNING_API_VERSION = '2022-06-15-preview';
export const ARTIFACT_SIGNING_SCOPE = 'https://codesigning.azure.net/.default';
const SERVICE = 'Azure Artifact Signing';

export interface ArtifactSigningOptions {
  endpoint: string;
  account: string;
  profile: string;
  env: NodeJS.ProcessEnv;
  setSecret: (value: string) => void;
  policy?: Partial<RemotePolicy>;
  /** Tests may hand in a credential; normally it is chosen from the environment. */
  credential?: AzureCredential;
}

interface SignStatus {
  operationId?: string;
  status?: string;
  signature?: string;
  signingCertificate?: string;
}

export async function artifactSigningKey(o: ArtifactSigningOptions): Promise<SigningKey> {
  const policy = { ...DEFAULT_REMOTE_POLICY, ...o.policy };
  const azure = o.credential ?? (await azureCredential(o.env, o.setSecret, policy));
  const base = `${o.endpoint.replace(/\/+$/, '')}/codesigningaccounts/${encodeURIComponent(o.account)}/certificateprofiles/${encodeURIComponent(o.profile)}`;
  const url = (path: string): string => `${base}${path}?api-version=${ARTIFACT_SIGNING_API_VERSION}`;

  const call = async (what: string, path: string, init: RequestInit = {}): Promise<HttpAnswer> => {
    let answer: HttpAnswer;
    try {
      answer = await fetchWithRetry(
        url(path),
        async () => ({
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            Authorization: `Bearer ${await accessToken(azure, ARTIFACT_SIGNING_SCOPE, o.setSecret, SERVICE)}`,
          },
        }),
        policy,
      );
    } catch (error) {
      if (error instanceof KeySourceError) throw error;
      throw new KeySourceError(
        `${SERVICE}: ${what} at ${o.endpoint} failed: ${(error as Error).message}. Check artifact-signing-endpoint (your account's region, such as https://eus.codesigning.azure.net)`,
      );
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw new KeySourceError(`${SERVICE}: ${what} answered ${answer.status}${statusHint(answer, o)}`);
  };

  let chain: Promise<Uint8Array[]> | undefined;
  const loadChain = (): Promise<Uint8Array[]> =>
    (chain ??= call('reading the certificate chain', '/sign/certchain', {
      headers: { Accept: 'application/pkcs7-mime' },
    }).then((answer) => {
      const certificates = orderChain(parseCertificates(answer.body));
      if (certificates.length === 0)
        throw new KeySourceError(`${SERVICE}: the certificate chain of profile ${o.profile} is empty`);
      return certificates;
    }));
  const first = await loadChain();
  const keyType = keyTypeOf(first[0] as Uint8Array);

  const signDigest = async (digest: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array> => {
    const started = Date.now();
    const submitted = await call('submitting the digest', '/sign', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        signatureAlgorithm: joseAlgorithm(keyType, algorithm),
        digest: Buffer.from(digest).toString('base64'),
      }),
    });
    let status = parseStatus(submitted);
    for (
      let poll = 0;
      status.status === 'InProgress' || status.status === 'Running' || status.status === 'NotStarted';
      poll++
    ) {
      if (Date.now() - started > policy.operationTimeoutMs)
        throw new KeySourceError(
          `${SERVICE}: signing operation ${status.operationId} did not finish within ${Math.round(policy.operationTimeoutMs / 1000)} s; the service may be degraded, try again later`,
        );
      await (policy.wait ?? sleep)(Math.min(1_000, 50 + 100 * poll));
      status = parseStatus(
        await call('polling the signing operation', `/sign/${encodeURIComponent(status.operationId ?? '')}`, {
          headers: { Accept: 'application/json' },
        }),
      );
    }
    if (status.status !== 'Succeeded' || !status.signature)
      throw new KeySourceError(
        `${SERVICE}: signing operation ${status.operationId} ended ${status.status ?? 'without a status'}. Check that certificate profile ${o.profile} (artifact-signing-profile) is active and its identity validation is complete`,
      );
    if (status.signingCertificate) {
      const leaf = orderChain(parseCertificates(status.signingCertificate))[0];
      const expected = (await loadChain())[0];
      if (leaf && expected && !Buffer.from(leaf).equals(Buffer.from(expected)))
        throw new KeySourceError(
          `${SERVICE}: profile ${o.profile} signed with a different certificate than its chain named (the daily certificate rotated during the run); run the step again`,
        );
    }
    const signature = Buffer.from(status.signature, 'base64');
    return keyType === 'ecdsa' ? ecdsaJoseToDer(signature) : signature;
  };

  return {
    description: `Azure Artifact Signing profile ${o.profile} (account ${o.account}, ${azure.kind})`,
    keyType,
    chain: loadChain,
    signDigest: limitConcurrency(policy.maxConcurrency, signDigest),
    maxConcurrency: policy.maxConcurrency,
  };
}

function parseStatus(answer: HttpAnswer): SignStatus {
  try {
    return JSON.parse(answer.body.toString()) as SignStatus;
  } catch {
    throw new KeySourceError(
      `${SERVICE}: the service answered ${answer.status} with a body that is not JSON`,
    );
  }
}

/** What to check for each documented failure, after the service's own words. */
function statusHint(answer: HttpAnswer, o: ArtifactSigningOptions): string {
  const detail = serviceDetail(answer.body);
  const said = detail ? ` (${detail})` : '';
  switch (answer.status) {
    case 401:
      return `${said}: the access token was refused. Check AZURE_TENANT_ID (the account's tenant) and that artifact-signing-endpoint is the account's region endpoint`;
    case 403:
      return `${said}: the identity may not sign with profile ${o.profile}. Give it the "Artifact Signing Certificate Profile Signer" role (formerly "Trusted Signing Certificate Profile Signer") on account ${o.account}`;
    case 404:
      return `${said}: check artifact-signing-account (${o.account}) and artifact-signing-profile (${o.profile}), and that artifact-signing-endpoint is the region the account lives in`;
    case 429:
      return `${said} after ${answer.attempts} tries: the service is throttling; lower concurrency or try again later`;
    default:
      return answer.status >= 500
        ? `${said} after ${answer.attempts} tries: the service failed; try again later`
        : `${said}: check artifact-signing-endpoint, artifact-signing-account and artifact-signing-profile`;
  }
}
