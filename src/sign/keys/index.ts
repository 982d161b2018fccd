import type { CertificateSource, KeySource } from '../../config.js';
import type { ProcessRunner } from '../../platform/process.js';
import { loadPkcs12Certificate, makeEphemeralCertificate, type SigningCertificate } from '../certificate.js';
import type { SigningKey } from './types.js';

export type { DigestAlgorithm, SigningKey } from './types.js';
export { localKey } from './local.js';

/**
 * Opens the configured key: one case per place a key can live. PFX (base64 or file) and ephemeral keys are
 * held in process memory; further sources (PKCS#11, Azure Artifact Signing, Key Vault) add a case here.
 */
export async function openSigningKey(
  source: Exclude<CertificateSource, { kind: 'thumbprint' } | KeySource>,
  now: Date,
  setSecret: (value: string) => void,
): Promise<SigningCertificate> {
  switch (source.kind) {
    case 'ephemeral':
      return makeEphemeralCertificate(now);
    case 'pkcs12-base64':
    case 'pkcs12-file':
      return loadPkcs12Certificate(source, now, setSecret);
  }
}

/** What opening a key that lives outside this process needs from the run. */
export interface KeySourceContext {
  run: ProcessRunner;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** This run's scratch folder (PKCS#11 digests and signatures, never the PIN). */
  tempDir: string;
  setSecret: (value: string) => void;
}

/**
 * Opens a key that never leaves its token, HSM or cloud service. Each SDK loads here, by dynamic import,
 * only when its source is used, so the bundle's start-up does not pay for the others.
 */
export async function openKeySource(source: KeySource, ctx: KeySourceContext): Promise<SigningKey> {
  switch (source.kind) {
    case 'pkcs11': {
      const { pkcs11Key } = await import('./pkcs11.js');
      return pkcs11Key({
        module: source.module,
        uri: source.key,
        pin: source.pin,
        ...(source.chainFile ? { chainFile: source.chainFile } : {}),
        run: ctx.run,
        env: ctx.env,
        platform: ctx.platform,
        tempDir: ctx.tempDir,
        setSecret: ctx.setSecret,
      });
    }
    case 'artifact-signing': {
      const { artifactSigningKey } = await import('./artifact-signing.js');
      return artifactSigningKey({ ...source, env: ctx.env, setSecret: ctx.setSecret });
    }
    case 'aws-kms': {
      const { awsKmsKey } = await import('./aws-kms.js');
      return awsKmsKey({
        keyId: source.keyId,
        chainFile: source.chainFile,
        env: ctx.env,
        setSecret: ctx.setSecret,
      });
    }
    case 'azure-key-vault': {
      const { keyVaultKey } = await import('./key-vault.js');
      return keyVaultKey({
        vaultUrl: source.vaultUrl,
        certificate: source.certificate,
        ...(source.chainFile ? { chainFile: source.chainFile } : {}),
        env: ctx.env,
        setSecret: ctx.setSecret,
      });
    }
  }
}

/** The input a key source's messages name. */
export function keySourceInput(source: KeySource): string {
  const inputs: Record<KeySource['kind'], string> = {
    pkcs11: 'pkcs11-key',
    'artifact-signing': 'artifact-signing-profile',
    'azure-key-vault': 'azure-key-vault-certificate',
    'aws-kms': 'aws-kms-key',
  };
  return inputs[source.kind];
}

export function isKeySource(source: CertificateSource): source is KeySource {
  return ['pkcs11', 'artifact-signing', 'azure-key-vault', 'aws-kms'].includes(source.kind);
}
