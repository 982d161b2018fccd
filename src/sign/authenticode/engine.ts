import { childrenOf, oidOf, replaceNested, TAG } from '../../pe/der.js';
import { PeFormatError } from '../../pe/headers.js';
import type { DigestAlgorithm, SigningKey } from '../keys/types.js';
import { addUnsignedAttribute, buildSignedData, locateSignedData, signatureValue } from './cms.js';
import {
  contentWordSum,
  embedSignature,
  firstSignedDataOf,
  imageDigest,
  imageFingerprint,
  peLayout,
  signedContentEnd,
  signedImageSize,
  writeSignedImage,
  type PeLayout,
} from './image.js';
import { OID } from './oids.js';
import type { Fingerprint } from '../../platform/fingerprint.js';

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
}

export interface SignedPe {
  bytes: Buffer;
  /** Which signature is the new one: 0, or its position among the nested ones when appended. */
  index: number;
  timestamped: boolean;
}

/** What signing takes from the file's bytes: enough to build the signature and, later, the signed file. */
export interface PreparedPe {
  layout: PeLayout;
  /** Where the signed content ends (see `signedContentEnd`). */
  end: number;
  imageHash: Buffer;
  /** Of the bytes `imageHash` covers: the signed file's verification checks its image is those bytes. */
  imageFingerprint: Fingerprint;
  /** The checksum's sum of the content (`contentWordSum`): the signed file's checksum need not read it again. */
  contentSum: number;
  /** The existing primary signature a new one is nested in (a copy: the bytes read may be reused). */
  primary?: Buffer;
}

/** The certificate table to write, and which signature in it is the new one. */
export interface SignatureTable {
  table: Buffer;
  index: number;
  timestamped: boolean;
}

/** Signs `input` whole: prepare, sign (and timestamp), then write the signed file into a new buffer. */
export async function signPe(input: Buffer, key: SigningKey, options: SignPeOptions): Promise<SignedPe> {
  const prepared = await preparePe(input, options);
  const signature = await signatureTable(prepared, key, options);
  const out = Buffer.allocUnsafe(signedImageSize(prepared.end, signature.table));
  input.copy(out, 0, 0, prepared.layout.contentEnd);
  return { ...signature, bytes: assemblePe(out, prepared, signature) };
}

/** The layout and image hash of a file about to be signed (CPU only; the caller may reuse `input` after). */
export async function preparePe(
  input: Buffer,
  options: Pick<SignPeOptions, 'digest' | 'append'>,
): Promise<PreparedPe> {
  const layout = await peLayout(input);
  const existing = options.append ? await firstSignedDataOf(input, layout) : undefined;
  const end = signedContentEnd(layout, Boolean(existing));
  return {
    layout,
    end,
    imageHash: imageDigest(input, layout, options.digest, end),
    imageFingerprint: imageFingerprint(input, layout, end),
    // Right after hashing, while the bytes are in the CPU's cache: the first pass over them costs the most.
    contentSum: contentWordSum(input, layout),
    ...(existing ? { primary: Buffer.from(trimDer(existing)) } : {}),
  };
}

/** The SignedData over the prepared image hash, timestamped when asked, nested in the primary when appending. */
export async function signatureTable(
  prepared: PreparedPe,
  key: SigningKey,
  options: SignPeOptions,
): Promise<SignatureTable> {
  const chain = (await key.chain()).map((c) => Buffer.from(c));
  let { contentInfo } = await buildSignedData(prepared.imageHash, key, chain, options);
  if (options.timestamp) {
    const token = await options.timestamp(signatureValue(contentInfo), options.digest);
    contentInfo = addUnsignedAttribute(contentInfo, OID.rfc3161Timestamp, token);
  }
  const timestamped = Boolean(options.timestamp);
  if (!prepared.primary) return { table: contentInfo, index: 0, timestamped };
  return {
    table: addUnsignedAttribute(prepared.primary, OID.spcNestedSignature, contentInfo),
    index: countNested(prepared.primary) + 1,
    timestamped,
  };
}

/** The bytes a signed file needs: `buffer` for `assemblePe` must be at least this long. */
export function signedSize(prepared: PreparedPe, signature: SignatureTable): number {
  return signedImageSize(prepared.end, signature.table);
}

/**
 * Writes the signed file in place: `buffer` holds the same bytes `preparePe` saw (at least up to the
 * content's end) and has room for `signedSize`. Returns the signed file, a view of `buffer`.
 */
export function assemblePe(buffer: Buffer, prepared: PreparedPe, signature: SignatureTable): Buffer {
  return writeSignedImage(buffer, prepared.layout, prepared.end, signature.table, prepared.contentSum);
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
  const entry = await firstSignedDataOf(input, layout);
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
