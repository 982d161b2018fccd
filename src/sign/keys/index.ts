import type { CertificateSource } from '../../config.js';
import { loadPkcs12Certificate, makeEphemeralCertificate, type SigningCertificate } from '../certificate.js';

export type { DigestAlgorithm, SigningKey } from './types.js';
export { localKey } from './local.js';

/**
 * Opens the configured key: one case per place a key can live. PFX (base64 or file) and ephemeral keys are
 * held in process memory; further sources (PKCS#11, Azure Artifact Signing, Key Vault) add a case here.
 */
export async function openSigningKey(
  source: Exclude<CertificateSource, { kind: 'thumbprint' }>,
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
