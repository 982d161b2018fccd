import type { GoBuildInfo } from './types.js';
import type { RawSection } from './headers.js';

/**
 * Go build info, as Go's own debug/buildinfo reads it: a 32-byte header starting "\xff Go buildinf:",
 * 16-byte aligned within the first 64 KiB of the first writable data section. Two layouts:
 * - Go 1.18+: flag bit 2 set, the version and module strings follow inline as uvarint-length strings;
 * - before 1.18: two pointers to Go string headers (data pointer, length) somewhere in the image.
 */

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
export const BUILDINFO_WINDOW = 64 * 1024;
const HEADER_SIZE = 32;
const ALIGN = 16;

const SCN_CNT_INITIALIZED_DATA = 0x40;
const SCN_MEM_READ = 0x40000000;
const SCN_MEM_WRITE = 0x80000000;
const SCN_ALIGN_32BYTES = 0x600000;

/** The section Go's debug/buildinfo searches: the first one that is exactly initialized, readable, writable data. */
export function buildInfoSection(sections: RawSection[]): RawSection | undefined {
  const wanted = (SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_WRITE) >>> 0;
  return sections.find(
    (s) =>
      s.virtualAddress !== 0 && s.rawSize !== 0 && (s.characteristics & ~SCN_ALIGN_32BYTES) >>> 0 === wanted,
  );
}

/** Reads `length` bytes at a virtual address inside the image (for the pre-1.18 pointer layout). */
export type ReadVa = (va: bigint, length: number) => Promise<Buffer>;

/** Finds and decodes build info in the window; undefined when the binary has none (not Go, or stripped of it). */
export async function parseBuildInfo(window: Buffer, readVa: ReadVa): Promise<GoBuildInfo | undefined> {
  const start = findHeader(window);
  if (start === undefined) return undefined;
  const header = window.subarray(start);
  const ptrSize = header[14] ?? 0;
  const flags = header[15] ?? 0;
  let version: Buffer | undefined;
  let modinfo: Buffer | undefined;
  if (flags & 2) {
    const first = readVarintString(header, HEADER_SIZE);
    if (!first) return undefined;
    version = first.value;
    modinfo = readVarintString(header, first.next)?.value;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) return undefined;
    const bigEndian = (flags & 1) !== 0;
    const pointerAt = (buf: Buffer, at: number): bigint | undefined =>
      readPointer(buf, at, ptrSize, bigEndian);
    const versionPtr = pointerAt(header, 16);
    const modPtr = pointerAt(header, 16 + ptrSize);
    if (versionPtr === undefined || modPtr === undefined) return undefined;
    const readGoString = async (va: bigint): Promise<Buffer | undefined> => {
      const stringHeader = await readVa(va, ptrSize * 2);
      const data = pointerAt(stringHeader, 0);
      const length = pointerAt(stringHeader, ptrSize);
      if (data === undefined || length === undefined || length > 1n << 20n) return undefined;
      const bytes = await readVa(data, Number(length));
      return bytes.length === Number(length) ? bytes : undefined;
    };
    version = await readGoString(versionPtr);
    modinfo = await readGoString(modPtr);
  }
  if (!version || version.length === 0) return undefined;
  return { goVersion: version.toString('utf8'), ...parseModInfo(stripSentinels(modinfo ?? Buffer.alloc(0))) };
}

function findHeader(window: Buffer): number | undefined {
  let from = 0;
  for (;;) {
    const i = window.indexOf(BUILDINFO_MAGIC, from);
    if (i < 0 || window.length - i < HEADER_SIZE) return undefined;
    if (i % ALIGN === 0) return i;
    from = i + 1;
  }
}

function readPointer(buf: Buffer, at: number, size: number, bigEndian: boolean): bigint | undefined {
  if (at + size > buf.length) return undefined;
  if (size === 8) return bigEndian ? buf.readBigUInt64BE(at) : buf.readBigUInt64LE(at);
  return BigInt(bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at));
}

/** encoding/binary.Uvarint followed by that many bytes. */
function readVarintString(buf: Buffer, at: number): { value: Buffer; next: number } | undefined {
  let length = 0;
  let shift = 0;
  let i = at;
  for (; i < buf.length && shift <= 28; i++) {
    const byte = buf[i] as number;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) {
      const start = i + 1;
      if (start + length > buf.length) return undefined;
      return { value: buf.subarray(start, start + length), next: start + length };
    }
  }
  return undefined;
}

/** cmd/go wraps module info in 16-byte sentinels; debug/buildinfo drops them the same way. */
function stripSentinels(mod: Buffer): string {
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) return mod.toString('utf8', 16, mod.length - 16);
  return '';
}

/** The text form of runtime/debug.BuildInfo: tab-separated `path`, `mod`, `dep`, `=>` and `build` lines. */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { settings: {} };
  for (const line of text.split('\n')) {
    const [kind, ...rest] = line.split('\t');
    if (kind === 'path' && rest[0]) info.path = rest[0];
    else if (kind === 'mod' && rest[0]) {
      info.mainModule = rest[0];
      if (rest[1]) info.mainVersion = rest[1];
    } else if (kind === 'build' && rest.length > 0) {
      const setting = rest.join('\t');
      const eq = setting.indexOf('=');
      if (eq <= 0) continue;
      info.settings[unquote(setting.slice(0, eq))] = unquote(setting.slice(eq + 1));
    }
  }
  return info;
}

/** Go quotes keys and values with strconv.Quote when they hold spaces, quotes or '='. */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  try {
    return JSON.parse(text) as string;
  } catch {
    return text.slice(1, -1);
  }
}
