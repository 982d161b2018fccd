/**
 * Where a signing key lives, behind one small interface: the engine hands it a digest and gets back a
 * signature and the certificate chain. A local PFX key, a PKCS#11 token and a cloud signing service are
 * each one implementation; a private key never leaves the implementation (nor process memory).
 */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface SigningKey {
  /** For messages and the report: "PFX file", "PKCS#11 token ci", "Azure Artifact Signing profile p". */
  description: string;
  /** The key's algorithm, which decides the CMS signature algorithm identifier. */
  keyType: 'rsa' | 'ecdsa';
  /** The signing certificate first, then intermediates, each DER. */
  chain(): Promise<Uint8Array[]>;
  /**
   * Signs a digest that was computed with `algorithm`. RSA answers PKCS#1 v1.5, ECDSA answers a DER
   * ECDSA-Sig-Value (as CMS wants it).
   */
  signDigest(digest: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array>;
  /**
   * Signs the data itself (hashing with `algorithm` inside). Optional: keys in process memory offer it,
   * because node:crypto signs ECDSA only over data; the engine prefers it when present.
   */
  signData?(data: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array>;
  /** How many signDigest calls may run at once (remote services keep this small; default unlimited). */
  maxConcurrency?: number;
  /** Releases sessions or handles; never throws. */
  close?(): Promise<void>;
}
