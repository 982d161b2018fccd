import { X509Certificate } from 'node:crypto';
import { childrenOf, encodingOf, oidOf, readNode, TAG } from '../../pe/der.js';
import { readSmallRegularFile } from '../../platform/files.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * Certificate and signature plumbing the remote keys share: chains from PEM files and PKCS#7 bundles,
 * ordered leaf first; the key type a certificate implies; ECDSA signatures in the DER form CMS wants.
 */

const SIGNED_DATA = '1.2.840.113549.1.7.2';

/** Every certificate in PEM text, DER bytes of one certificate, or a DER/base64 PKCS#7 certificate bundle. */
export function parseCertificates(data: Uint8Array | string): Uint8Array[] {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
      Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'),
    );
  }
  let der = typeof data === 'string' ? Buffer.from(data.replace(/\s+/g, ''), 'base64') : Buffer.from(data);
  // Services hand bundles back as base64 text inside base64 (Artifact Signing's signingCertificate).
  const inner = der.toString('latin1').replace(/\s+/g, '');
  if (der.length > 0 && der[0] !== 0x30 && /^[A-Za-z0-9+/]+={0,2}$/.test(inner))
    der = Buffer.from(inner, 'base64');
  return certificatesInPkcs7(der) ?? [new Uint8Array(new X509Certificate(der).raw)];
}

/** The certificates of a PKCS#7 SignedData (RFC 5652 5.1, `certificates [0] IMPLICIT`); undefined if not one. */
function certificatesInPkcs7(der: Buffer): Uint8Array[] | undefined {
  const root = readNode(der, 0);
  const [type, explicit] = root ? childrenOf(der, root) : [];
  if (!type || !explicit || oidOf(der, type) !== SIGNED_DATA) return undefined;
  const [signedData] = childrenOf(der, explicit);
  const set = signedData ? childrenOf(der, signedData).find((n) => n.tag === TAG.context0) : undefined;
  return set
    ? childrenOf(der, set)
        .filter((n) => n.tag === TAG.sequence)
        .map((n) => new Uint8Array(encodingOf(der, n)))
    : [];
}

/** Orders a set of certificates (a PKCS#7 SET has no order) as a chain: the leaf, then each issuer. */
export function orderChain(certificates: Uint8Array[]): Uint8Array[] {
  const parsed = certificates.map((der) => ({ der, x509: new X509Certificate(der) }));
  const issuesAnother = (c: (typeof parsed)[number]): boolean =>
    parsed.some((o) => o !== c && o.x509.checkIssued(c.x509));
  const leaf = parsed.find((c) => !issuesAnother(c)) ?? parsed[0];
  if (!leaf) return [];
  const chain = [leaf];
  for (let current = leaf; chain.length < parsed.length;) {
    const issuer = parsed.find((c) => !chain.includes(c) && current.x509.checkIssued(c.x509));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain.map((c) => c.der);
}

/** A chain file (PEM, the signing certificate first, then intermediates); one clear message when it is not. */
export async function readChainFile(file: string, input: string): Promise<Uint8Array[]> {
  let certificates: Uint8Array[];
  try {
    certificates = parseCertificates(await readSmallRegularFile(file));
  } catch (error) {
    throw new Error(`${input}: cannot read ${file} as PEM certificates: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (certificates.length === 0) throw new Error(`${input}: ${file} holds no PEM certificate`);
  return certificates;
}

/** The key type a certificate's public key implies (what the CMS signature algorithm follows). */
export function keyTypeOf(certificate: Uint8Array): SigningKey['keyType'] {
  const type = new X509Certificate(certificate).publicKey.asymmetricKeyType;
  if (type === 'rsa') return 'rsa';
  if (type === 'ec') return 'ecdsa';
  throw new Error(`the signing certificate has a ${type} key; Authenticode here takes RSA or ECDSA keys`);
}

/** JOSE algorithm names, as Key Vault and Artifact Signing take them. */
export function joseAlgorithm(keyType: SigningKey['keyType'], digest: DigestAlgorithm): string {
  return `${keyType === 'rsa' ? 'RS' : 'ES'}${digest.slice(3)}`;
}

/** A JOSE ECDSA signature (r || s, each the curve's size) as the DER ECDSA-Sig-Value CMS carries. */
export function ecdsaJoseToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array): Buffer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = Buffer.from(bytes.subarray(i));
    const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
