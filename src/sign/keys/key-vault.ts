import { Buffer } from 'node:buffer';
import { azureCredential, type AzureCredential } from './azure-credential.js';
import { ecdsaJoseToDer, joseAlgorithm, keyTypeOf, readChainFile } from './certs.js';
import { DEFAULT_REMOTE_POLICY, KeySourceError, limitConcurrency, type RemotePolicy } from './remote.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * An Azure Key Vault (or Managed HSM) certificate whose key never leaves the vault: the certificate comes
 * from the certificates API, each digest goes to the keys API's `sign` operation. The SDKs load only here.
 */
const SERVICE = 'Azure Key Vault';

export interface KeyVaultOptions {
  vaultUrl: string;
  /** The certificate's name, optionally `name/version`. */
  certificate: string;
  /** Intermediates the vault does not hold (PEM; a leading copy of the signing certificate is dropped). */
  chainFile?: string;
  env: NodeJS.ProcessEnv;
  setSecret: (value: string) => void;
  policy?: Partial<RemotePolicy>;
  credential?: AzureCredential;
}

export async function keyVaultKey(o: KeyVaultOptions): Promise<SigningKey> {
  const policy = { ...DEFAULT_REMOTE_POLICY, ...o.policy };
  const azure = o.credential ?? (await azureCredential(o.env, o.setSecret, policy));
  const [{ CertificateClient }, { CryptographyClient }] = await Promise.all([
    import('@azure/keyvault-certificates'),
    import('@azure/keyvault-keys'),
  ]);
  // The SDK's pipeline answers 429/503 with Retry-After and backs off on 5xx and network errors.
  const clientOptions = {
    retryOptions: {
      maxRetries: policy.attempts - 1,
      retryDelayInMs: policy.baseDelayMs,
      maxRetryDelayInMs: policy.maxDelayMs,
    },
  };
  const [name = '', version] = o.certificate.split('/');
  const certificates = new CertificateClient(o.vaultUrl, azure.credential, clientOptions);
  const certificate = await explain('reading the certificate', o, () =>
    version
      ? certificates.getCertificateVersion(name, version, {
          abortSignal: AbortSignal.timeout(policy.requestTimeoutMs),
        })
      : certificates.getCertificate(name, { abortSignal: AbortSignal.timeout(policy.requestTimeoutMs) }),
  );
  if (!certificate.cer || !certificate.keyId)
    throw new KeySourceError(
      `${SERVICE}: certificate ${o.certificate} (azure-key-vault-certificate) has no issued certificate or key yet; check that its issuance completed`,
    );
  const leaf = new Uint8Array(certificate.cer);
  const extra = o.chainFile ? await readChainFile(o.chainFile, 'certificate-chain') : [];
  const chain = [leaf, ...extra.filter((c) => !Buffer.from(c).equals(Buffer.from(leaf)))];
  const keyType = keyTypeOf(leaf);
  const crypto = new CryptographyClient(certificate.keyId, azure.credential, clientOptions);

  const signDigest = async (digest: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array> => {
    const alg = joseAlgorithm(keyType, algorithm);
    const { result } = await explain('signing a digest', o, () =>
      crypto.sign(alg, digest, { abortSignal: AbortSignal.timeout(policy.requestTimeoutMs) }),
    );
    return keyType === 'ecdsa' ? ecdsaJoseToDer(result) : result;
  };

  return {
    description: `Azure Key Vault certificate ${o.certificate} (${azure.kind})`,
    keyType,
    chain: () => Promise.resolve(chain),
    signDigest: limitConcurrency(policy.maxConcurrency, signDigest),
    maxConcurrency: policy.maxConcurrency,
  };
}

/** Runs one SDK call and turns its failure into one message naming the input and what to check. */
async function explain<T>(what: string, o: KeyVaultOptions, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof KeySourceError) throw error;
    const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
    const said = (e.message ?? String(error)).split(/\r?\n/)[0];
    const status = e.statusCode;
    const hint =
      status === 401
        ? "the access token was refused; check AZURE_TENANT_ID (the vault's tenant)"
        : status === 403
          ? `the identity may not use certificate ${o.certificate}; give it the "Key Vault Crypto User" and "Key Vault Certificate User" roles (or get/sign access policies) on the vault`
          : status === 404
            ? `check azure-key-vault-certificate (${o.certificate}) and azure-key-vault-url (${o.vaultUrl})`
            : status === 429 || (status !== undefined && status >= 500)
              ? 'the vault is throttling or failing after several tries; lower concurrency or try again later'
              : e.name === 'AbortError' || e.name === 'TimeoutError'
                ? `no answer within ${Math.round(DEFAULT_REMOTE_POLICY.requestTimeoutMs / 1000)} s; check azure-key-vault-url and the network`
                : `check azure-key-vault-url (${o.vaultUrl}) and the credential`;
    throw new KeySourceError(
      `${SERVICE}: ${what} failed${status ? ` with ${status}` : ''} (${said}): ${hint}`,
    );
  }
}
