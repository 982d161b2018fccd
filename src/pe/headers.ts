/**
 * PE headers: DOS stub, COFF file header, optional header and section table (Microsoft PE/COFF
 * specification, "PE Format" on learn.microsoft.com). Everything is bounds-checked, so a damaged file
 * becomes one PeFormatError with a sentence a user can act on, never an exception from a Buffer read.
 */

/** A file that is not a PE image, or a damaged one. The message is meant for the user as is. */
export class PeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeFormatError';
  }
}

export interface RawSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
}

export interface DataDirectory {
  rva: number;
  size: number;
}

export interface PeHeaders {
  peOffset: number;
  machine: number;
  timeDateStamp: number;
  characteristics: number;
  symbolTableOffset: number;
  symbolCount: number;
  format: 'PE32' | 'PE32+';
  imageBase: bigint;
  sizeOfHeaders: number;
  /** File offset of the CheckSum field (skipped by the Authenticode hash). */
  checksumOffset: number;
  /** File offset of the security data directory entry (skipped by the Authenticode hash). */
  securityEntryOffset: number;
  subsystem: number;
  dllCharacteristics: number;
  directories: DataDirectory[];
  sections: RawSection[];
}

export const DIRECTORY = {
  export: 0,
  import: 1,
  resource: 2,
  exception: 3,
  security: 4,
  baseReloc: 5,
  debug: 6,
  tls: 9,
} as const;

/** Reads `length` bytes at `offset`; may return fewer at the end of the file. */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Parses the headers with a few small reads; `size` is the file size, used for every bounds check. */
export async function readHeaders(readAt: ReadAt, size: number): Promise<PeHeaders> {
  if (size === 0) throw new PeFormatError('empty file (0 bytes): not a Windows executable');
  const dos = await readAt(0, 64);
  if (dos.length < 2 || dos[0] !== 0x4d || dos[1] !== 0x5a) {
    throw new PeFormatError(
      `not a PE file: no "MZ" signature at the start (starts with ${describeStart(dos)})`,
    );
  }
  if (dos.length < 64)
    throw new PeFormatError(`truncated: ${size} bytes is too short for a DOS header (64 bytes)`);
  const peOffset = dos.readUInt32LE(0x3c);
  if (peOffset + 24 > size) {
    throw new PeFormatError(
      `e_lfanew (${hex(peOffset)}) points past the end of the file (${size} bytes): truncated or not a PE file`,
    );
  }
  const coff = await readAt(peOffset, 24);
  if (coff.length < 24 || coff.readUInt32LE(0) !== 0x00004550) {
    throw new PeFormatError(
      `not a PE file: no "PE\\0\\0" signature at e_lfanew (${hex(peOffset)}); an MS-DOS program or a damaged file`,
    );
  }
  const machine = coff.readUInt16LE(4);
  const sectionCount = coff.readUInt16LE(6);
  const optionalSize = coff.readUInt16LE(20);
  const optionalOffset = peOffset + 24;
  if (optionalOffset + optionalSize > size) {
    throw new PeFormatError(
      `truncated: the optional header (${optionalSize} bytes at ${hex(optionalOffset)}) extends past the end of the file (${size} bytes)`,
    );
  }
  const optional = await readAt(optionalOffset, optionalSize);
  if (optional.length < 2)
    throw new PeFormatError('not a PE image: no optional header (an object file, not an executable)');
  const magic = optional.readUInt16LE(0);
  if (magic !== 0x10b && magic !== 0x20b)
    throw new PeFormatError(`not a PE image: unknown optional header magic ${hex(magic)}`);
  const format = magic === 0x20b ? 'PE32+' : 'PE32';
  const directoriesAt = format === 'PE32+' ? 112 : 96;
  if (optional.length < directoriesAt) {
    throw new PeFormatError(
      `damaged optional header: ${optional.length} bytes, a ${format} header needs at least ${directoriesAt}`,
    );
  }
  const declared = optional.readUInt32LE(directoriesAt - 4);
  const directoryCount = Math.min(declared, 16, Math.floor((optional.length - directoriesAt) / 8));
  const directories: DataDirectory[] = [];
  for (let i = 0; i < directoryCount; i++) {
    directories.push({
      rva: optional.readUInt32LE(directoriesAt + i * 8),
      size: optional.readUInt32LE(directoriesAt + i * 8 + 4),
    });
  }
  const tableOffset = optionalOffset + optionalSize;
  const tableSize = sectionCount * 40;
  if (tableOffset + tableSize > size) {
    throw new PeFormatError(
      `truncated: the section table (${sectionCount} sections at ${hex(tableOffset)}) extends past the end of the file (${size} bytes)`,
    );
  }
  const table = await readAt(tableOffset, tableSize);
  const sections: RawSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = i * 40;
    const section: RawSection = {
      name: table.toString('latin1', at, at + 8).replace(/\0.*$/s, ''),
      virtualSize: table.readUInt32LE(at + 8),
      virtualAddress: table.readUInt32LE(at + 12),
      rawSize: table.readUInt32LE(at + 16),
      rawOffset: table.readUInt32LE(at + 20),
      characteristics: table.readUInt32LE(at + 36),
    };
    if (section.rawSize > 0 && section.rawOffset + section.rawSize > size) {
      throw new PeFormatError(
        `truncated: section ${JSON.stringify(section.name)} (${section.rawSize} bytes at ${hex(section.rawOffset)}) extends past the end of the file (${size} bytes)`,
      );
    }
    sections.push(section);
  }
  const headers: PeHeaders = {
    peOffset,
    machine,
    timeDateStamp: coff.readUInt32LE(8),
    symbolTableOffset: coff.readUInt32LE(12),
    symbolCount: coff.readUInt32LE(16),
    characteristics: coff.readUInt16LE(22),
    format,
    imageBase: format === 'PE32+' ? optional.readBigUInt64LE(24) : BigInt(optional.readUInt32LE(28)),
    sizeOfHeaders: optional.readUInt32LE(60),
    checksumOffset: optionalOffset + 64,
    securityEntryOffset: optionalOffset + directoriesAt + DIRECTORY.security * 8,
    subsystem: optional.readUInt16LE(68),
    dllCharacteristics: optional.readUInt16LE(70),
    directories,
    sections,
  };
  await checkTrailingTables(headers, readAt, size);
  return headers;
}

/** The COFF symbol table (Go writes one unless -s) and the certificate table must also fit in the file. */
async function checkTrailingTables(headers: PeHeaders, readAt: ReadAt, size: number): Promise<void> {
  if (headers.symbolTableOffset > 0 && headers.symbolCount > 0) {
    const stringsAt = headers.symbolTableOffset + headers.symbolCount * 18;
    if (stringsAt + 4 > size) {
      throw new PeFormatError(
        `truncated: the COFF symbol table (${headers.symbolCount} symbols at ${hex(headers.symbolTableOffset)}) extends past the end of the file (${size} bytes)`,
      );
    }
    const length = (await readAt(stringsAt, 4)).readUInt32LE(0);
    if (stringsAt + length > size) {
      throw new PeFormatError(
        `truncated: the COFF string table (${length} bytes at ${hex(stringsAt)}) extends past the end of the file (${size} bytes)`,
      );
    }
  }
  const security = headers.directories[DIRECTORY.security];
  if (security && security.size > 0 && security.rva + security.size > size) {
    throw new PeFormatError(
      `truncated: the signature (${security.size} bytes at ${hex(security.rva)}) extends past the end of the file (${size} bytes)`,
    );
  }
}

/** The end of everything the headers account for; bytes beyond it are the overlay. */
export function endOfImage(headers: PeHeaders, stringTableLength: number): number {
  let end = headers.sizeOfHeaders;
  for (const s of headers.sections) if (s.rawSize > 0) end = Math.max(end, s.rawOffset + s.rawSize);
  if (headers.symbolTableOffset > 0 && headers.symbolCount > 0) {
    end = Math.max(end, headers.symbolTableOffset + headers.symbolCount * 18 + stringTableLength);
  }
  const security = headers.directories[DIRECTORY.security];
  if (security && security.size > 0) end = Math.max(end, security.rva + security.size);
  return end;
}

/** Maps a relative virtual address to a file offset, or undefined when it has no bytes in the file. */
export function rvaToOffset(headers: PeHeaders, rva: number): number | undefined {
  if (rva < headers.sizeOfHeaders) return rva;
  for (const s of headers.sections) {
    const span = Math.max(s.virtualSize, s.rawSize);
    if (rva >= s.virtualAddress && rva < s.virtualAddress + span) {
      const delta = rva - s.virtualAddress;
      return delta < s.rawSize ? s.rawOffset + delta : undefined;
    }
  }
  return undefined;
}

function describeStart(bytes: Buffer): string {
  if (bytes.length === 0) return 'nothing';
  const text = bytes.subarray(0, 16).toString('latin1');
  return /^[\x20-\x7e\t\r\n]+$/.test(text)
    ? `text ${JSON.stringify(text.trimEnd())}`
    : `bytes ${bytes.subarray(0, 4).toString('hex')}`;
}

export const MACHINES: Record<number, string> = {
  0x14c: 'i386',
  0x8664: 'amd64',
  0x1c0: 'arm',
  0x1c4: 'armnt',
  0xaa64: 'arm64',
  0x200: 'ia64',
};

export const SUBSYSTEMS: Record<number, string> = {
  1: 'native',
  2: 'windows-gui',
  3: 'windows-cui',
  5: 'os2-cui',
  7: 'posix-cui',
  9: 'windows-ce-gui',
  10: 'efi-application',
  11: 'efi-boot-service-driver',
  12: 'efi-runtime-driver',
  13: 'efi-rom',
  14: 'xbox',
  16: 'windows-boot-application',
};

export const machineName = (m: number): string => MACHINES[m] ?? `unknown (${hex(m)})`;
export const subsystemName = (s: number): string => SUBSYSTEMS[s] ?? `unknown (${s})`;
