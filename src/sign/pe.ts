import { open } from 'node:fs/promises';
import forge from 'node-forge';

/** What signing needs to know about a file before touching it. */
export type PeInspection =
  { kind: 'pe'; signed: boolean; signatureCount: number } | { kind: 'invalid'; reason: string };

const HEADER_BYTES = 64 * 1024;
const SECURITY_DIRECTORY = 4;
/** SPC_NESTED_SIGNATURE: each appended (nested) Authenticode signature is one value of this attribute. */
const NESTED_SIGNATURE_OID = '1.3.6.1.4.1.311.2.4.1';

/**
 * Reads the PE headers and the certificate table in process, so a non-PE or truncated file fails before
 * any tool runs, and skip-signed / append-signature know how many signatures are already there.
 */
export async function inspectPe(file: string): Promise<PeInspection> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(Math.min(size, HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    const layout = readLayout(head, size);
    if ('reason' in layout) return { kind: 'invalid', reason: layout.reason };
    if (layout.certSize === 0) return { kind: 'pe', signed: false, signatureCount: 0 };
    if (layout.certOffset + layout.certSize > size) {
      return {
        kind: 'invalid',
        reason: 'not a complete PE file: its certificate table runs past the end of the file (truncated?)',
      };
    }
    const table = Buffer.alloc(layout.certSize);
    await handle.read(table, 0, table.length, layout.certOffset);
    return { kind: 'pe', signed: true, signatureCount: countSignatures(table) };
  } finally {
    await handle.close();
  }
}

type Layout = { certOffset: number; certSize: number } | { reason: string };

function readLayout(head: Buffer, size: number): Layout {
  const notPe = {
    reason:
      'not a Windows PE file (no MZ/PE header); only .exe/.dll-style binaries can be Authenticode-signed',
  };
  if (head.length < 64 || head.toString('latin1', 0, 2) !== 'MZ') return notPe;
  const pe = head.readUInt32LE(0x3c);
  if (pe + 24 > head.length) return size < pe + 24 ? truncated() : notPe;
  if (head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return notPe;
  const sections = head.readUInt16LE(pe + 6);
  const optionalSize = head.readUInt16LE(pe + 20);
  const optional = pe + 24;
  const sectionTable = optional + optionalSize;
  if (sectionTable + sections * 40 > head.length) return truncated();
  const magic = head.readUInt16LE(optional);
  const dirCountAt = magic === 0x20b ? optional + 108 : magic === 0x10b ? optional + 92 : -1;
  if (dirCountAt < 0)
    return { reason: `not a Windows PE file: unknown optional header magic 0x${magic.toString(16)}` };
  for (let i = 0; i < sections; i++) {
    const at = sectionTable + i * 40;
    const rawSize = head.readUInt32LE(at + 16);
    const rawPointer = head.readUInt32LE(at + 20);
    if (rawSize > 0 && rawPointer + rawSize > size) return truncated();
  }
  const dirCount = head.readUInt32LE(dirCountAt);
  if (dirCount <= SECURITY_DIRECTORY) return { certOffset: 0, certSize: 0 };
  const dir = dirCountAt + 4 + SECURITY_DIRECTORY * 8;
  return { certOffset: head.readUInt32LE(dir), certSize: head.readUInt32LE(dir + 4) };
}

function truncated(): { reason: string } {
  return {
    reason:
      'not a complete PE file: its sections run past the end of the file (truncated download or build?)',
  };
}

/** One primary signature plus every nested one; an unreadable table still counts as signed once. */
function countSignatures(table: Buffer): number {
  if (table.length < 8) return 1;
  const length = Math.min(table.readUInt32LE(0), table.length);
  try {
    const der = forge.util.createBuffer(table.subarray(8, length).toString('binary'));
    const root = fromDerLenient(der, { strict: false, parseAllBytes: false, decodeBitStrings: false });
    return 1 + countNested(root);
  } catch {
    return 1;
  }
}

/** forge's typings know only `strict`; the table is padded to 8 bytes, so trailing bytes must be allowed. */
const fromDerLenient = forge.asn1.fromDer as unknown as (
  bytes: forge.util.ByteBuffer,
  options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean },
) => forge.asn1.Asn1;

function countNested(node: forge.asn1.Asn1): number {
  if (!Array.isArray(node.value)) return 0;
  const [first, second] = node.value;
  if (
    first?.type === forge.asn1.Type.OID &&
    typeof first.value === 'string' &&
    forge.asn1.derToOid(first.value) === NESTED_SIGNATURE_OID &&
    second &&
    Array.isArray(second.value)
  ) {
    return second.value.length;
  }
  return node.value.reduce((sum, child) => sum + countNested(child), 0);
}
