import { createHash } from 'node:crypto';
import { DIRECTORY, PeFormatError, readHeaders } from '../../pe/headers.js';
import { chunksOf } from '../../platform/chunked.js';
import { fingerprint, sameBytes, type Fingerprint } from '../../platform/fingerprint.js';

/**
 * The PE side of Authenticode ("Windows Authenticode Portable Executable Signature Format", Microsoft):
 * where the certificate table is, the image hash that skips the CheckSum field, the security directory
 * entry and the table itself, the WIN_CERTIFICATE entry (8-byte aligned) and the PE checksum.
 */

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface PeLayout {
  checksumOffset: number;
  securityEntryOffset: number;
  /** The certificate table (file offset and size), 0/0 when the file has none. */
  tableOffset: number;
  tableSize: number;
  /** Where the signed content ends: the table's offset, or the end of the file when it has none. */
  contentEnd: number;
}

const WIN_CERT_REVISION_2_0 = 0x0200;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;

/** Authenticode's table offset (and the checksum's file size) are 32 bits. */
const MAX_FILE = 2 ** 32 - 1;
const tooLarge = (): PeFormatError =>
  new PeFormatError('the signed file would pass 4 GiB, more than Authenticode can sign');

/** Rounded up to a multiple of 8, in arithmetic: bitwise operators would wrap file offsets past 2 GiB. */
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Reads `length` bytes at `offset` (fewer at the end of the file), from a file on disk or a buffer. */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

const readFrom =
  (bytes: Buffer): ReadAt =>
  async (offset, length) =>
    bytes.subarray(offset, offset + length);

/** Reads the layout from the headers; a table that runs past the end of the file is an error. */
export async function peLayout(bytes: Buffer): Promise<PeLayout> {
  return peLayoutAt(readFrom(bytes), bytes.length);
}

/** `peLayout` of a file of `size` bytes read through `readAt` (a file on disk, not held in memory). */
export async function peLayoutAt(readAt: ReadAt, size: number): Promise<PeLayout> {
  const headers = await readHeaders(readAt, size);
  const security = headers.directories[DIRECTORY.security];
  if (headers.directories.length <= DIRECTORY.security) {
    throw new PeFormatError('the PE header has no security directory entry, so it cannot hold a signature');
  }
  let tableOffset = security?.rva ?? 0;
  let tableSize = security?.size ?? 0;
  if (tableOffset === 0 || tableSize === 0) {
    tableOffset = 0;
    tableSize = 0;
  } else if (tableOffset + tableSize > size) {
    throw new PeFormatError(
      'its certificate table points outside the file (truncated download, or a damaged signature)',
    );
  } else if (tableOffset < headers.sizeOfHeaders || tableOffset < headers.securityEntryOffset + 8) {
    // SizeOfHeaders is the file's own word: the table must also start after the fields the hash skips.
    throw new PeFormatError('its certificate table points into the PE headers (a damaged signature)');
  }
  return {
    checksumOffset: headers.checksumOffset,
    securityEntryOffset: headers.securityEntryOffset,
    tableOffset,
    tableSize,
    contentEnd: tableSize > 0 ? tableOffset : size,
  };
}

/**
 * The Authenticode image hash as osslsigncode and Windows compute it for ordinary files: every byte up to
 * the certificate table (or the end of the file), less the CheckSum field and the security directory entry.
 * With `end` past the content, the bytes between count as the zeros a signer pads the file with.
 */
export function imageDigest(
  bytes: Buffer,
  layout: PeLayout,
  algorithm: HashName,
  end = layout.contentEnd,
): Buffer {
  const hash = createHash(algorithm);
  for (const part of imageParts(bytes, layout, end)) for (const chunk of chunksOf(part)) hash.update(chunk);
  return hash.digest();
}

/** The fingerprint (see platform/fingerprint.ts) of the bytes `imageDigest` hashes. */
export function imageFingerprint(bytes: Buffer, layout: PeLayout, end = layout.contentEnd): Fingerprint {
  return fingerprint(imageParts(bytes, layout, end));
}

/** Whether the bytes `imageDigest` would hash here are those `earlier` was taken of. */
export function sameImage(bytes: Buffer, layout: PeLayout, earlier: Fingerprint): boolean {
  return sameBytes(imageParts(bytes, layout, layout.contentEnd), earlier);
}

/** The bytes the image hash covers, in order (views of `bytes`, then the padding). */
function imageParts(bytes: Buffer, layout: PeLayout, end: number): Buffer[] {
  const parts = [
    bytes.subarray(0, layout.checksumOffset),
    bytes.subarray(layout.checksumOffset + 4, layout.securityEntryOffset),
    bytes.subarray(layout.securityEntryOffset + 8, layout.contentEnd),
  ];
  if (end > layout.contentEnd) parts.push(Buffer.alloc(end - layout.contentEnd));
  return parts;
}

/**
 * Where the signed content of a file about to be signed ends: its content (the old table dropped) padded
 * with zeros to 8 bytes; when a signature is appended, where the existing table starts.
 */
export function signedContentEnd(layout: PeLayout, append: boolean): number {
  const end = append ? layout.tableOffset : align8(layout.contentEnd);
  if (end + 8 > MAX_FILE) throw tooLarge();
  return end;
}

/** Entries walked before the signature is given up on, and the largest signature read (real ones: a few KB). */
const MAX_ENTRIES = 1024;
const MAX_SIGNATURE = 16 * 1024 * 1024;

/**
 * The first PKCS#7 SignedData entry of the certificate table, the signature signing and verifying judge: the
 * 8-byte WIN_CERTIFICATE headers are walked, and of that entry only its DER is read (osslsigncode reads no
 * further either; what follows is padding). Undefined when the table holds none or is damaged, or the
 * signature comes after MAX_ENTRIES others or is larger than MAX_SIGNATURE, so a hostile table costs neither
 * time nor memory.
 */
export async function firstSignedData(
  readAt: ReadAt,
  layout: Pick<PeLayout, 'tableOffset' | 'tableSize'>,
): Promise<Buffer | undefined> {
  const end = layout.tableOffset + layout.tableSize;
  let at = layout.tableOffset;
  for (let entries = 0; entries < MAX_ENTRIES && at + 8 <= end; entries++) {
    const header = await readAt(at, 8);
    if (header.length < 8) return undefined;
    const length = header.readUInt32LE(0);
    if (length < 8 || at + length > end) return undefined;
    if (header.readUInt16LE(6) === WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
      const body = length - 8;
      const der = derLength(await readAt(at + 8, Math.min(body, 6)));
      const take = der !== undefined && der <= body ? der : body;
      return take > MAX_SIGNATURE ? undefined : readAt(at + 8, take);
    }
    at += align8(length);
  }
  return undefined;
}

/** The whole length (header and content) of the DER SEQUENCE that `head` starts, or undefined. */
function derLength(head: Buffer): number | undefined {
  if (head.length < 2 || head[0] !== 0x30) return undefined;
  const first = head[1] as number;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || head.length < 2 + octets) return undefined;
  let content = 0;
  for (let i = 0; i < octets; i++) content = content * 256 + (head[2 + i] as number);
  return 2 + octets + content;
}

/** `firstSignedData` of a file held in memory. */
export const firstSignedDataOf = (bytes: Buffer, layout: PeLayout): Promise<Buffer | undefined> =>
  firstSignedData(readFrom(bytes), layout);

/**
 * The file with `signedData` as its only certificate table: content up to the old table (or the end),
 * zero-padded to 8 bytes, then one WIN_CERTIFICATE; the directory entry and the checksum updated. The image
 * hash must have been computed over the same padded content (see `signedContentEnd`).
 */
export function embedSignature(content: Buffer, layout: PeLayout, signedData: Buffer): Buffer {
  const out = Buffer.allocUnsafe(signedImageSize(content.length, signedData));
  content.copy(out, 0);
  return writeSignedImage(out, { ...layout, contentEnd: content.length }, content.length, signedData);
}

/** The size of a signed file whose content ends at `end`: content, then the 8-byte aligned WIN_CERTIFICATE. */
export function signedImageSize(end: number, signedData: Buffer): number {
  const size = end + 8 + align8(signedData.length);
  if (size > MAX_FILE) throw tooLarge();
  return size;
}

/**
 * Builds the signed file in place in `buffer`, which holds the file's bytes up to `layout.contentEnd` and has
 * room for `signedImageSize(end, signedData)`: zero padding up to `end`, the WIN_CERTIFICATE there, the
 * directory entry and the checksum. Nothing else is copied. Returns the signed file (a view of `buffer`).
 * With `contentSum` (see `contentWordSum`) the checksum reads only the new bytes, not the content again.
 */
export function writeSignedImage(
  buffer: Buffer,
  layout: PeLayout,
  end: number,
  signedData: Buffer,
  contentSum?: number,
): Buffer {
  const size = signedImageSize(end, signedData);
  if (buffer.length < size)
    throw new RangeError(`a signed image needs ${size} bytes, the buffer has ${buffer.length}`);
  const entryLength = size - end;
  const out = buffer.subarray(0, size);
  if (end > layout.contentEnd) out.fill(0, layout.contentEnd, end);
  out.writeUInt32LE(entryLength, end);
  out.writeUInt16LE(WIN_CERT_REVISION_2_0, end + 4);
  out.writeUInt16LE(WIN_CERT_TYPE_PKCS_SIGNED_DATA, end + 6);
  signedData.copy(out, end + 8);
  out.fill(0, end + 8 + signedData.length, size);
  out.writeUInt32LE(end, layout.securityEntryOffset);
  out.writeUInt32LE(entryLength, layout.securityEntryOffset + 4);
  const checksum =
    contentSum === undefined
      ? peChecksum(out, layout.checksumOffset)
      : finishChecksum(
          contentSum + fieldSum(out, layout.securityEntryOffset, 8) + wordSum(out.subarray(end, size)),
          size,
        );
  out.writeUInt32LE(checksum, layout.checksumOffset);
  return out;
}

/**
 * The signed content of a file about to be signed, as a copy: bytes up to the old table (which is dropped)
 * padded with zeros to 8 bytes, with the directory entry cleared (what signtool is given to sign).
 */
export function padForSigning(bytes: Buffer, layout: PeLayout): { content: Buffer; layout: PeLayout } {
  const end = layout.contentEnd;
  const padded = signedContentEnd(layout, false);
  if (padded === end && layout.tableSize === 0 && bytes.readUInt32LE(layout.securityEntryOffset + 4) === 0) {
    // Already aligned with no table: the bytes themselves are the signed content (no copy).
    return { content: bytes.subarray(0, end), layout: { ...layout, contentEnd: end } };
  }
  const content = Buffer.alloc(padded);
  bytes.copy(content, 0, 0, end);
  content.writeUInt32LE(0, layout.securityEntryOffset);
  content.writeUInt32LE(0, layout.securityEntryOffset + 4);
  return { content, layout: { ...layout, tableOffset: 0, tableSize: 0, contentEnd: padded } };
}

/** The PE checksum (imagehlp CheckSumMappedFile): 16-bit one's-complement-style sum, CheckSum read as 0, plus the size. */
export function peChecksum(bytes: Buffer, checksumOffset: number): number {
  return finishChecksum(wordSum(bytes) - fieldSum(bytes, checksumOffset, 4), bytes.length);
}

/**
 * The checksum's sum of the content a signed file keeps: bytes up to `layout.contentEnd`, with the CheckSum
 * field and the security directory entry left out (both are rewritten). The sum is additive, so the signed
 * file's checksum is this plus the sums of the parts written later, without reading the content again.
 */
export function contentWordSum(bytes: Buffer, layout: PeLayout): number {
  return (
    wordSum(bytes.subarray(0, layout.contentEnd)) -
    fieldSum(bytes, layout.checksumOffset, 4) -
    fieldSum(bytes, layout.securityEntryOffset, 8)
  );
}

/**
 * The sum of the 16-bit little-endian words of bytes that start at an even file offset, modulo 0xffff (the
 * checksum folds its carries, so it needs no more). A 32-bit word counts whole: 0x10000 is 1 modulo 0xffff,
 * so its high half adds the same as it would alone, and the loop is a plain add per word.
 */
export function wordSum(bytes: Buffer): number {
  let total = 0;
  let at = 0;
  if ((bytes.byteOffset & 1) === 0) {
    // A view 2 bytes past a multiple of 4 starts with one word; the rest is read as 32-bit words.
    const head = bytes.byteOffset & 2;
    const count = Math.floor(Math.max(0, bytes.length - head) / 4);
    if (count > 0) {
      if (head) total += bytes.readUInt16LE(0);
      const view = new Uint32Array(bytes.buffer, bytes.byteOffset + head, count);
      for (let start = 0; start < count; start += 65536)
        total += wordsSum(view, start, Math.min(count, start + 65536)) % 0xffff;
      at = head + count * 4;
    }
  }
  for (; at + 1 < bytes.length; at += 2) total += (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
  if (at < bytes.length) total += bytes[at] as number;
  return total % 0xffff;
}

/**
 * The sum of 32-bit words `start` to `end` (at most 64 Ki, so it stays an exact double), in two running sums
 * that the CPU adds side by side. A function of its own, so V8 optimizes the loop whole.
 */
function wordsSum(view: Uint32Array, start: number, end: number): number {
  let even = 0;
  let odd = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    even += view[i] as number;
    odd += view[i + 1] as number;
  }
  if (i < end) even += view[i] as number;
  return even + odd;
}

/** What the `length` bytes at `offset` add to `wordSum` (to take a field out, or put its new value in). */
export function fieldSum(bytes: Buffer, offset: number, length: number): number {
  let total = 0;
  for (let at = offset; at < offset + length && at < bytes.length; at++)
    total += (bytes[at] as number) * (at & 1 ? 0x100 : 1);
  return total;
}

/**
 * The checksum from a file's word sum (CheckSum field left out; any value congruent modulo 0xffff) and its
 * size, carries folded as osslsigncode and pefile fold them: 0xffff, never 0, for a multiple of 0xffff. Only
 * a sum of exactly 0 would fold to 0, and a PE's never is (it starts with "MZ").
 */
export function finishChecksum(sum: number, size: number): number {
  const folded = ((sum % 0xffff) + 0xffff) % 0xffff;
  return ((folded === 0 ? 0xffff : folded) + size) >>> 0;
}
