import { createHash } from 'node:crypto';
import {
  childrenOf,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derTlv,
  derInteger,
  encodingOf,
  oidOf,
  readNode,
  replaceNested,
  TAG,
  type DerNode,
} from '../../pe/der.js';
import type { DigestAlgorithm, SigningKey } from '../keys/types.js';
import { DIGEST_OIDS, ECDSA_OIDS, OID } from './oids.js';

/**
 * The Authenticode PKCS#7 SignedData ("Windows Authenticode Portable Executable Signature Format"):
 * SpcIndirectDataContent holding the image hash, signed attributes (content type, message digest,
 * SpcSpOpusInfo, statement type), one SignerInfo, the certificates, and unsigned attributes for the
 * RFC 3161 timestamp token and nested signatures.
 */

const OBSOLETE = Buffer.from('\0<\0<\0<\0O\0b\0s\0o\0l\0e\0t\0e\0>\0>\0>', 'latin1');

const algorithm = (oid: string, withNull = true): Buffer =>
  derSequence(derOid(oid), ...(withNull ? [derNull()] : []));
const attribute = (oid: string, value: Buffer): Buffer => derSequence(derOid(oid), derSetOf([value]));
const explicit = (n: number, ...content: Buffer[]): Buffer => derTlv(0xa0 + n, ...content);

/** SpcIndirectDataContent for a PE image hash. */
export function spcIndirectData(digest: DigestAlgorithm | 'sha1', imageHash: Buffer): Buffer {
  // SpcPeImageData: empty flags, file = SpcLink.file [2] { SpcString.unicode [0] "<<<Obsolete>>>" }.
  const peImageData = derSequence(
    Buffer.from([TAG.bitString, 0x01, 0x00]),
    explicit(0, derTlv(0xa2, derTlv(0x80, OBSOLETE))),
  );
  return derSequence(
    derSequence(derOid(OID.spcPeImageData), peImageData),
    derSequence(algorithm(DIGEST_OIDS[digest]), derOctetString(imageHash)),
  );
}

/** SpcSpOpusInfo: programName as SpcString.unicode, moreInfo as SpcLink.url. */
function opusInfo(description?: string, url?: string): Buffer {
  const parts: Buffer[] = [];
  if (description) parts.push(explicit(0, derTlv(0x80, Buffer.from(description, 'utf16le').swap16())));
  if (url) parts.push(derTlv(0xa1, derTlv(0x80, Buffer.from(url, 'ascii'))));
  return derSequence(...parts);
}

export interface SignedDataOptions {
  digest: DigestAlgorithm;
  description?: string;
  descriptionUrl?: string;
}

export interface Certificates {
  /** DER, leaf first. */
  chain: Uint8Array[];
}

/**
 * Builds and signs the SignedData for an image hash. The key sees only the digest of the signed attributes
 * (or, for a local key, the attributes themselves); the result is the ContentInfo DER and the raw signature.
 */
export async function buildSignedData(
  imageHash: Buffer,
  key: SigningKey,
  chain: Uint8Array[],
  options: SignedDataOptions,
): Promise<{ contentInfo: Buffer; signature: Buffer }> {
  const digest = options.digest;
  const content = spcIndirectData(digest, imageHash);
  // The message digest covers the SpcIndirectDataContent's content octets, without its own tag and length.
  const node = readNode(content, 0) as DerNode;
  const contentDigest = createHash(digest).update(content.subarray(node.start, node.end)).digest();
  const attributes = derSetOf([
    attribute(OID.contentType, derOid(OID.spcIndirectData)),
    attribute(OID.spcSpOpusInfo, opusInfo(options.description, options.descriptionUrl)),
    attribute(OID.spcStatementType, derSequence(derOid(OID.spcIndividualCodeSigning))),
    attribute(OID.messageDigest, derOctetString(contentDigest)),
  ]);
  const signature = Buffer.from(
    key.signData
      ? await key.signData(attributes, digest)
      : await key.signDigest(createHash(digest).update(attributes).digest(), digest),
  );
  const leaf = chain[0];
  if (!leaf) throw new Error(`${key.description}: the key has no certificate`);
  const signerInfo = derSequence(
    derInteger(1),
    issuerAndSerial(Buffer.from(leaf)),
    algorithm(DIGEST_OIDS[digest]),
    // [0] IMPLICIT SET OF Attribute: the same content as the SET that was signed.
    Buffer.concat([Buffer.from([0xa0]), attributes.subarray(1)]),
    key.keyType === 'rsa' ? algorithm(OID.rsaEncryption) : algorithm(ECDSA_OIDS[digest], false),
    derOctetString(signature),
  );
  const signedData = derSequence(
    derInteger(1),
    derTlv(TAG.set, algorithm(DIGEST_OIDS[digest])),
    derSequence(derOid(OID.spcIndirectData), explicit(0, content)),
    derTlv(0xa0, ...chain.map((c) => Buffer.from(c))),
    derTlv(TAG.set, signerInfo),
  );
  return { contentInfo: derSequence(derOid(OID.signedData), explicit(0, signedData)), signature };
}

/** IssuerAndSerialNumber of a DER certificate: tbsCertificate's issuer and serialNumber, as encoded. */
export function issuerAndSerial(cert: Buffer): Buffer {
  const fields = tbsFields(cert);
  return derSequence(fields.issuer, fields.serial);
}

export function tbsFields(cert: Buffer): { serial: Buffer; issuer: Buffer; subject: Buffer } {
  const root = readNode(cert, 0);
  const tbs = root ? childrenOf(cert, root)[0] : undefined;
  const fields = tbs ? childrenOf(cert, tbs) : [];
  const base = fields[0]?.tag === TAG.context0 ? 1 : 0;
  const [serial, , issuer, , subject] = fields.slice(base);
  if (!serial || !issuer || !subject) throw new Error('not an X.509 certificate');
  return {
    serial: encodingOf(cert, serial),
    issuer: encodingOf(cert, issuer),
    subject: encodingOf(cert, subject),
  };
}

/** Where the parts of a ContentInfo(SignedData) sit, for reading and for adding unsigned attributes. */
export interface SignedDataNodes {
  contentInfo: DerNode;
  explicit: DerNode;
  signedData: DerNode;
  signerInfos: DerNode;
  signerInfo: DerNode;
}

export function locateSignedData(der: Buffer): SignedDataNodes | undefined {
  const contentInfo = readNode(der, 0);
  if (!contentInfo || contentInfo.tag !== TAG.sequence) return undefined;
  const [type, wrapper] = childrenOf(der, contentInfo);
  if (!type || oidOf(der, type) !== OID.signedData || wrapper?.tag !== TAG.context0) return undefined;
  const signedData = childrenOf(der, wrapper)[0];
  if (!signedData || signedData.tag !== TAG.sequence) return undefined;
  const signerInfos = childrenOf(der, signedData)
    .filter((n) => n.tag === TAG.set)
    .at(-1);
  const signerInfo = signerInfos ? childrenOf(der, signerInfos)[0] : undefined;
  if (!signerInfos || !signerInfo) return undefined;
  return { contentInfo, explicit: wrapper, signedData, signerInfos, signerInfo };
}

/**
 * Adds `value` to the unsigned attribute `oid` of the (first) signer: into its SET when the attribute is
 * there (nested signatures accumulate), as a new attribute otherwise. Everything else keeps its bytes.
 */
export function addUnsignedAttribute(der: Buffer, oid: string, value: Buffer): Buffer {
  const at = locateSignedData(der);
  if (!at) throw new Error('not a PKCS#7 SignedData');
  const path = [at.contentInfo, at.explicit, at.signedData, at.signerInfos, at.signerInfo];
  const unsigned = childrenOf(der, at.signerInfo).find((n) => n.tag === TAG.context1);
  if (!unsigned) {
    const signerInfo = derTlv(
      TAG.sequence,
      der.subarray(at.signerInfo.start, at.signerInfo.end),
      derTlv(0xa1, attribute(oid, value)),
    );
    return replaceNested(der, path, signerInfo);
  }
  const existing = childrenOf(der, unsigned).find((a) => {
    const first = childrenOf(der, a)[0];
    return first !== undefined && oidOf(der, first) === oid;
  });
  if (!existing) {
    const merged = derTlv(0xa1, der.subarray(unsigned.start, unsigned.end), attribute(oid, value));
    return replaceNested(der, [...path, unsigned], merged);
  }
  const values = childrenOf(der, existing)[1];
  if (!values) throw new Error('a malformed unsigned attribute');
  const grown = derTlv(TAG.set, der.subarray(values.start, values.end), value);
  return replaceNested(der, [...path, unsigned, existing, values], grown);
}

/** The signer's signature value (what an RFC 3161 timestamp covers). */
export function signatureValue(der: Buffer): Buffer {
  const at = locateSignedData(der);
  const fields = at ? childrenOf(der, at.signerInfo) : [];
  const value = fields.filter((n) => n.tag === TAG.octetString).at(-1);
  if (!value) throw new Error('no signature value');
  return der.subarray(value.start, value.end);
}
