/**
 * Just enough DER (X.690) to walk an Authenticode PKCS#7 blob: tag, length, children. Bounds-checked;
 * anything malformed comes back as undefined rather than throwing.
 */

export interface DerNode {
  /** The full identifier octet (class, constructed bit, tag number for low tags). */
  tag: number;
  /** Offset of the content (after tag and length) in the buffer. */
  start: number;
  /** Offset just past the content. */
  end: number;
  /** Offset of the tag: `buf.subarray(headerStart, end)` is the node's own DER encoding. */
  headerStart: number;
}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
  context1: 0xa1,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bitString: 0x03,
} as const;

export function readNode(buf: Buffer, at: number, limit = buf.length): DerNode | undefined {
  if (at + 2 > limit) return undefined;
  const tag = buf[at] as number;
  if ((tag & 0x1f) === 0x1f) return undefined; // high tag numbers never occur in these structures
  let length = buf[at + 1] as number;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > limit) return undefined; // indefinite or absurd
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (buf[start + i] as number);
    start += octets;
  }
  const end = start + length;
  if (end > limit) return undefined;
  return { tag, start, end, headerStart: at };
}

export function childrenOf(buf: Buffer, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let at = node.start;
  while (at < node.end && out.length < 10_000) {
    const child = readNode(buf, at, node.end);
    if (!child) break;
    out.push(child);
    at = child.end;
  }
  return out;
}

export function oidOf(buf: Buffer, node: DerNode): string | undefined {
  if (node.tag !== TAG.oid || node.end <= node.start) return undefined;
  const first = buf[node.start] as number;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (let i = node.start + 1; i < node.end; i++) {
    const byte = buf[i] as number;
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

const NAME_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'S',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'SERIALNUMBER',
  '1.2.840.113549.1.9.1': 'E',
};

export interface NamePart {
  key: string;
  value: string;
}

/** An X.501 Name as (key, value) pairs in DER order (usually country first). */
export function readName(buf: Buffer, name: DerNode): NamePart[] {
  const parts: NamePart[] = [];
  for (const rdn of childrenOf(buf, name)) {
    for (const attribute of childrenOf(buf, rdn)) {
      const [type, value] = childrenOf(buf, attribute);
      if (!type || !value) continue;
      const oid = oidOf(buf, type) ?? '?';
      // BMPString (0x1e) is UTF-16 big-endian; the other string types are UTF-8 or ASCII subsets.
      const text =
        value.tag === 0x1e
          ? Buffer.from(buf.subarray(value.start, value.start + ((value.end - value.start) & ~1)))
              .swap16()
              .toString('utf16le')
          : buf.toString('utf8', value.start, value.end);
      parts.push({ key: NAME_KEYS[oid] ?? `OID.${oid}`, value: text });
    }
  }
  return parts;
}

/** Windows display order: most specific first, e.g. "CN=Example, O=Example Ltd, C=GB". */
export function formatName(parts: NamePart[]): string {
  return [...parts]
    .reverse()
    .map((p) => `${p.key}=${/[,+"\\<>;]/.test(p.value) ? `"${p.value.replace(/"/g, '""')}"` : p.value}`)
    .join(', ');
}

/** DER writing: one TLV with a definite length (X.690 8.1.3), contents concatenated. */
export function derTlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  let header: Buffer;
  if (n < 0x80) header = Buffer.from([tag, n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, body]);
}

export const derSequence = (...contents: Uint8Array[]): Buffer => derTlv(TAG.sequence, ...contents);
export const derNull = (): Buffer => Buffer.from([0x05, 0x00]);
export const derOctetString = (value: Uint8Array): Buffer => derTlv(TAG.octetString, value);

/** SET OF in DER order: the encoded elements sorted as octet strings (X.690 11.6). */
export function derSetOf(elements: Buffer[]): Buffer {
  return derTlv(TAG.set, ...[...elements].sort(Buffer.compare));
}

export function derOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const bytes: number[] = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return derTlv(TAG.oid, Buffer.from(bytes));
}

/** A non-negative INTEGER from its big-endian magnitude (or a small number). */
export function derInteger(value: number | Uint8Array): Buffer {
  const hex = typeof value === 'number' ? value.toString(16) : '';
  let bytes =
    typeof value === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : Buffer.from(value);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1] as number) < 0x80) start++;
  bytes = bytes.subarray(start);
  if ((bytes[0] as number) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return derTlv(TAG.integer, bytes);
}

/** A node's full encoding (tag, length and content). */
export const encodingOf = (buf: Buffer, node: DerNode): Buffer => buf.subarray(node.headerStart, node.end);

/**
 * Replaces the last node of `path` (root first, each the parent of the next) with `replacement` and
 * re-encodes every ancestor's length, so an edit deep inside leaves all other bytes as they were.
 */
export function replaceNested(buf: Buffer, path: DerNode[], replacement: Buffer): Buffer {
  let inner = replacement;
  for (let i = path.length - 1; i > 0; i--) {
    const child = path[i] as DerNode;
    const parent = path[i - 1] as DerNode;
    inner = derTlv(
      buf[parent.headerStart] as number,
      buf.subarray(parent.start, child.headerStart),
      inner,
      buf.subarray(child.end, parent.end),
    );
  }
  const root = path[0] as DerNode;
  return Buffer.concat([buf.subarray(0, root.headerStart), inner, buf.subarray(root.end)]);
}

/** An X.501 Name from (attribute OID, UTF8String value) pairs, one RDN each, most general first. */
export function derName(parts: ReadonlyArray<readonly [string, string]>): Buffer {
  return derSequence(
    ...parts.map(([oid, value]) => derSetOf([derSequence(derOid(oid), derTlv(0x0c, Buffer.from(value)))])),
  );
}

/** An X.509 Extension: OID, critical flag when set, the value's DER in an OCTET STRING. */
export function derExtension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(
    derOid(oid),
    ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []),
    derOctetString(value),
  );
}

/** UTCTime (YYMMDDHHMMSSZ), as certificates carry dates before 2050. */
export function derUtcTime(date: Date): Buffer {
  return derTlv(
    TAG.utcTime,
    Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`, 'ascii'),
  );
}
