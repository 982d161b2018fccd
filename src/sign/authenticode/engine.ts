import { childrenOf, oidOf, replaceNested, TAG } from '../../pe/der.js';
import { PeFormatError } from '../../pe/headers.js';
import type { DigestAlgorithm, SigningKey } from '../keys/types.js';
import { addUnsignedAttribute, buildSignedData, locateSignedData, signatureValue } from './cms.js';
import { certificateEntries, embedSignature, imageDigest, padForSigning, peLayout } from './image.js';
import { OID } from './oids.js';

/**
 * The in-process Authenticode signer for PE files: image hash, SignedData, optional RFC 3161 timestamp,
 * WIN_CERTIFICATE and checksum. Pure over bytes: reading and replacing the file is the caller's job.
 */

export interface SignPeOptions {
  digest: DigestAlgorithm;
  description?: string;
  descriptionUrl?: string;
  /**
   * Nest the new signature inside the file's existing one (signtool /as, osslsigncode -nest). The caller
   * decides that the existing signature is intact; without one, the file is signed as if unsigned.
   */
  append?: boolean;
  /** Returns an RFC 3161 TimeStampToken (ContentInfo DER) over the signature value; omitted: no timestamp. */
  timestamp?: (signature: Buffer, digest: DigestAlgorithm) => Promise<Buffer>;
  /** Runs CPU-bound steps (hashing, assembling) under the caller's per-core limit. */
  cpu?: <T>(work: () => T | Promise<T>) => Promise<T>;
}

export interface SignedPe {
  bytes: Buffer;
  /** Which signature is the new one: 0, or its position among the nested ones when appended. */
  index: number;
  timestamped: boolean;
}

const direct = async <T>(work: () => T | Promise<T>): Promise<T> => work();

export async function signPe(input: Buffer, key: SigningKey, options: SignPeOptions): Promise<SignedPe> {
  const cpu = options.cpu ?? direct;
  const layout = await peLayout(input);
  const existing = options.append ? certificateEntries(input, layout)[0] : undefined;
  const primary = existing ? trimDer(existing) : undefined;
  const prepared = await cpu(() => {
    if (primary) return { content: input.subarray(0, layout.tableOffset), layout };
    return padForSigning(input, layout);
  });
  const imageHash = await cpu(() => imageDigest(prepared.content, prepared.layout, options.digest));
  const chain = (await key.chain()).map((c) => Buffer.from(c));
  let { contentInfo } = await buildSignedData(imageHash, key, chain, options);
  if (options.timestamp) {
    const token = await options.timestamp(signatureValue(contentInfo), options.digest);
    contentInfo = addUnsignedAttribute(contentInfo, OID.rfc3161Timestamp, token);
  }
  const signed = contentInfo;
  return cpu(() => {
    let index = 0;
    let table = signed;
    if (primary) {
      index = countNested(primary) + 1;
      table = addUnsignedAttribute(primary, OID.spcNestedSignature, signed);
    }
    return {
      bytes: embedSignature(prepared.content, prepared.layout, table),
      index,
      timestamped: Boolean(options.timestamp),
    };
  });
}

/** A WIN_CERTIFICATE body is padded to 8 bytes: the DER is what its outer length says. */
export function trimDer(body: Buffer): Buffer {
  if (body.length < 2 || body[0] !== 0x30) throw new PeFormatError('the existing signature is not DER');
  let length = body[1] as number;
  let start = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (body[2 + i] as number);
    start += octets;
  }
  if (start + length > body.length) throw new PeFormatError('the existing signature is truncated');
  return body.subarray(0, start + length);
}

/** How many signatures are nested in a primary one already. */
export function countNested(der: Buffer): number {
  const at = locateSignedData(der);
  if (!at) return 0;
  const unsigned = childrenOf(der, at.signerInfo).find((n) => n.tag === TAG.context1);
  if (!unsigned) return 0;
  for (const attr of childrenOf(der, unsigned)) {
    const [type, values] = childrenOf(der, attr);
    if (type && values && oidOf(der, type) === OID.spcNestedSignature) return childrenOf(der, values).length;
  }
  return 0;
}

/**
 * Adds an RFC 3161 timestamp to signature `index` of an already signed file (what signtool and osslsigncode
 * made without one): the token is fetched in process, so every backend shares one timestamp service.
 */
export async function timestampSignature(
  input: Buffer,
  index: number,
  digest: DigestAlgorithm,
  stamp: (signature: Buffer, digest: DigestAlgorithm) => Promise<Buffer>,
): Promise<Buffer> {
  const layout = await peLayout(input);
  const entry = certificateEntries(input, layout)[0];
  if (!entry) throw new PeFormatError('the signed file has no signature to timestamp');
  const primary = trimDer(entry);
  let table: Buffer;
  if (index === 0) {
    table = addUnsignedAttribute(primary, OID.rfc3161Timestamp, await stamp(signatureValue(primary), digest));
  } else {
    const at = locateSignedData(primary);
    const unsigned = at ? childrenOf(primary, at.signerInfo).find((n) => n.tag === TAG.context1) : undefined;
    const attribute = unsigned
      ? childrenOf(primary, unsigned).find((a) => {
          const type = childrenOf(primary, a)[0];
          return type !== undefined && oidOf(primary, type) === OID.spcNestedSignature;
        })
      : undefined;
    const values = attribute ? childrenOf(primary, attribute)[1] : undefined;
    const nested = values ? childrenOf(primary, values)[index - 1] : undefined;
    if (!at || !unsigned || !attribute || !values || !nested)
      throw new PeFormatError(`the signed file has no signature ${index} to timestamp`);
    const der = primary.subarray(nested.headerStart, nested.end);
    const stamped = addUnsignedAttribute(
      Buffer.from(der),
      OID.rfc3161Timestamp,
      await stamp(signatureValue(der), digest),
    );
    table = replaceNested(
      primary,
      [
        at.contentInfo,
        at.explicit,
        at.signedData,
        at.signerInfos,
        at.signerInfo,
        unsigned,
        attribute,
        values,
        nested,
      ],
      stamped,
    );
  }
  return embedSignature(input.subarray(0, layout.tableOffset), layout, table);
}
