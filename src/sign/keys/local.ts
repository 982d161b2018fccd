import { constants, createPrivateKey, privateEncrypt, sign, type KeyObject } from 'node:crypto';
import { derNull, derOctetString, derOid, derSequence } from '../../pe/der.js';
import { DIGEST_OIDS } from '../authenticode/oids.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * A key held in this process (opened from a PFX, or generated for an ephemeral certificate). It is never
 * exported: no PEM, no file, no child process ever sees it.
 */
export function localKey(privateKey: KeyObject, chain: Buffer[], description: string): SigningKey {
  const keyType = privateKey.asymmetricKeyType === 'ec' ? 'ecdsa' : 'rsa';
  return {
    description,
    keyType,
    chain: async () => chain,
    // With a callback, node:crypto signs on the thread pool: the private-key operation (~1 ms for RSA 2048
    // on a small runner) overlaps the hashing of other files instead of adding to it.
    signData: (data, algorithm) =>
      new Promise((resolve, reject) =>
        sign(algorithm, data, privateKey, (error, signature) => (error ? reject(error) : resolve(signature))),
      ),
    async signDigest(digest: Uint8Array, algorithm: DigestAlgorithm) {
      if (keyType !== 'rsa') {
        // node:crypto signs ECDSA over data only; the engine calls signData for this key.
        throw new Error(`${description}: an in-process ECDSA key signs data, not a precomputed digest`);
      }
      // PKCS#1 v1.5 over a precomputed digest: the DigestInfo, type-1 padded with the private key.
      const digestInfo = derSequence(
        derSequence(derOid(DIGEST_OIDS[algorithm]), derNull()),
        derOctetString(digest),
      );
      return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
    },
  };
}

/** RSA 2048-16384 bits or ECDSA on P-256/P-384/P-521, as Windows verifies them; anything else is refused. */
export function keyProblem(privateKey: KeyObject): string | undefined {
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (privateKey.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048 ? undefined : `an RSA key of ${bits} bits is too weak to sign with (2048 or more)`;
  }
  if (privateKey.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return ['prime256v1', 'secp384r1', 'secp521r1'].includes(curve)
      ? undefined
      : `an ECDSA key on curve ${curve}, which Authenticode does not accept (use P-256 or P-384)`;
  }
  return `a ${privateKey.asymmetricKeyType ?? 'unknown'} key, which Authenticode does not accept (use RSA or ECDSA)`;
}

/** A PKCS#8 PrivateKeyInfo (DER) as a KeyObject; undefined when it is not a key node:crypto can use. */
export function privateKeyFromPkcs8(der: Buffer): KeyObject | undefined {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}
