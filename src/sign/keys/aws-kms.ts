import { joseAlgorithm, keyTypeOf, readChainFile } from './certs.js';
import { DEFAULT_REMOTE_POLICY, KeySourceError, limitConcurrency, type RemotePolicy } from './remote.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * An asymmetric AWS KMS key (key usage SIGN_VERIFY) with its certificate chain in a file: KMS `Sign` with
 * MessageType DIGEST. Credentials and region come the AWS SDK's way (aws-actions/configure-aws-credentials
 * with GitHub OIDC, environment keys, a profile, an instance role). The SDK loads only here.
 */
const SERVICE = 'AWS KMS';

export interface AwsKmsOptions {
  /** Key id, key ARN, alias name or alias ARN. */
  keyId: string;
  chainFile: string;
  env: NodeJS.ProcessEnv;
  setSecret: (value: string) => void;
  policy?: Partial<RemotePolicy>;
}

/** KMS signing algorithm names (RSASSA_PKCS1_V1_5_SHA_256, ECDSA_SHA_384, ...) from the JOSE ones. */
export function kmsAlgorithm(keyType: SigningKey['keyType'], digest: DigestAlgorithm): string {
  const bits = joseAlgorithm(keyType, digest).slice(2);
  return keyType === 'rsa' ? `RSASSA_PKCS1_V1_5_SHA_${bits}` : `ECDSA_SHA_${bits}`;
}

export async function awsKmsKey(o: AwsKmsOptions): Promise<SigningKey> {
  const policy = { ...DEFAULT_REMOTE_POLICY, ...o.policy };
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
    if (o.env[name]) o.setSecret(o.env[name]);
  const chain = await readChainFile(o.chainFile, 'certificate-chain');
  const keyType = keyTypeOf(chain[0] as Uint8Array);
  const region =
    /^arn:aws[\w-]*:kms:([\w-]+):/.exec(o.keyId)?.[1] ?? o.env.AWS_REGION ?? o.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new KeySourceError(
      `${SERVICE}: no region for aws-kms-key ${o.keyId}; give the key's ARN or set AWS_REGION (aws-actions/configure-aws-credentials does)`,
    );
  const { KMSClient, SignCommand } = await import('@aws-sdk/client-kms');
  // The SDK's standard retry mode backs off on throttling and 5xx; maxAttempts counts the first try.
  const client = new KMSClient({
    region,
    maxAttempts: policy.attempts,
    ...(o.env.AWS_ENDPOINT_URL_KMS ? { endpoint: o.env.AWS_ENDPOINT_URL_KMS } : {}),
    // Keys in the run's environment are used as given; otherwise the SDK's chain (web identity, profile, role).
    ...(o.env.AWS_ACCESS_KEY_ID && o.env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: o.env.AWS_ACCESS_KEY_ID,
            secretAccessKey: o.env.AWS_SECRET_ACCESS_KEY,
            ...(o.env.AWS_SESSION_TOKEN ? { sessionToken: o.env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });

  const signDigest = async (digest: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array> => {
    try {
      const answer = await client.send(
        new SignCommand({
          KeyId: o.keyId,
          Message: digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: kmsAlgorithm(keyType, algorithm) as never,
        }),
        { abortSignal: AbortSignal.timeout(policy.requestTimeoutMs) },
      );
      if (!answer.Signature) throw new KeySourceError(`${SERVICE}: Sign answered without a signature`);
      // KMS answers ECDSA as a DER Ecdsa-Sig-Value already, RSA as the PKCS#1 v1.5 signature.
      return answer.Signature;
    } catch (error) {
      throw explain(error, o.keyId);
    }
  };

  return {
    description: `AWS KMS key ${o.keyId} (${region})`,
    keyType,
    chain: () => Promise.resolve(chain),
    signDigest: limitConcurrency(policy.maxConcurrency, signDigest),
    maxConcurrency: policy.maxConcurrency,
    close: async () => client.destroy(),
  };
}

/** One message per failure: the service's error name, the input, what to check. */
function explain(error: unknown, keyId: string): Error {
  if (error instanceof KeySourceError) return error;
  const e = error as { name?: string; message?: string };
  const name = e.name ?? 'Error';
  const said = `${name}: ${(e.message ?? String(error)).split(/\r?\n/)[0]}`;
  const hint =
    name === 'AccessDeniedException'
      ? `the identity may not call kms:Sign on ${keyId}; allow it in the key policy or the role's policy`
      : name === 'NotFoundException'
        ? `check aws-kms-key (${keyId}) and the region`
        : name === 'DisabledException' || name === 'KMSInvalidStateException'
          ? `key ${keyId} is disabled or pending deletion; enable it`
          : name === 'InvalidKeyUsageException'
            ? `key ${keyId} is not a SIGN_VERIFY key, or does not take this algorithm`
            : name === 'CredentialsProviderError'
              ? 'no AWS credentials: use aws-actions/configure-aws-credentials (GitHub OIDC) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
              : name === 'UnrecognizedClientException' || name === 'InvalidSignatureException'
                ? 'the AWS credentials were refused; check them and the region'
                : name === 'ThrottlingException' || name === 'TimeoutError' || name === 'AbortError'
                  ? 'KMS is throttling or not answering after several tries; lower concurrency or try again later'
                  : 'check aws-kms-key and the AWS credentials';
  return new KeySourceError(`${SERVICE}: signing a digest failed (${said}): ${hint}`);
}
