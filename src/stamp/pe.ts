import { Data, NtExecutable, NtExecutableResource, Resource } from 'resedit';
import { applicationManifest, parseVersion, type VersionInfoInput } from './versioninfo.js';

/**
 * Writes a VERSIONINFO, an application manifest and optionally an icon into a PE image, with resedit
 * (npm `resedit`, which builds the resource tree and the VS_VERSIONINFO blocks). Everything else in the
 * file keeps its bytes: resedit appends a new .rsrc section after the last one and changes only the
 * headers (section count, image size, resource data directory).
 *
 * resedit refuses images whose COFF header points at a symbol table, and Go's linker always writes one
 * (in a `.symtab` section, or after the sections): the header fields are cleared for resedit and put
 * back, moved to where the table lies in the new file. Go's build info sits in `.data`, untouched, so
 * `go version -m` reads it as before.
 */

export const RT_VERSION = 16;
export const RT_MANIFEST = 24;
/** CREATEPROCESS_MANIFEST_RESOURCE_ID for executables, ISOLATIONAWARE_MANIFEST_RESOURCE_ID for DLLs. */
const MANIFEST_ID_EXE = 1;
const MANIFEST_ID_DLL = 2;
const LANG_EN_US = 1033;
/** Unicode (UTF-16LE) string tables, as rc.exe writes them. */
const CODEPAGE_UNICODE = 1200;
const IMAGE_FILE_DLL = 0x2000;
const SECURITY_DIRECTORY = 4;

export interface StampInput {
  version: VersionInfoInput;
  /** File name written as OriginalFilename/InternalName when version-info does not set them. */
  fileName: string;
  /** Bytes of an .ico file, when an icon is wanted. */
  icon?: Uint8Array;
  /** Replace a version resource that is already there (stamp: true); auto leaves such files alone. */
  replaceVersion: boolean;
  /** The file is signed but will be signed again in this run: drop the signature first. */
  dropSignature: boolean;
}

export interface PeResourceFacts {
  signed: boolean;
  versionInfo: boolean;
  manifest: boolean;
  icon: boolean;
}

export type StampOutcome =
  { ok: true; bytes: Buffer; added: Array<'version' | 'manifest' | 'icon'> } | { ok: false; reason: string };

interface Headers {
  peOffset: number;
  fileHeader: number;
  dataDirectory: number;
  certOffset: number;
  certSize: number;
  symbolPointer: number;
  symbolCount: number;
  dll: boolean;
}

function readHeaders(image: Buffer): Headers | undefined {
  if (image.length < 0x40 || image.toString('latin1', 0, 2) !== 'MZ') return undefined;
  const peOffset = image.readUInt32LE(0x3c);
  if (peOffset + 24 > image.length || image.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0')
    return undefined;
  const fileHeader = peOffset + 4;
  const optional = fileHeader + 20;
  const magic = image.readUInt16LE(optional);
  if (magic !== 0x10b && magic !== 0x20b) return undefined;
  const dataDirectory = optional + (magic === 0x20b ? 112 : 96);
  if (dataDirectory + 16 * 8 > image.length) return undefined;
  return {
    peOffset,
    fileHeader,
    dataDirectory,
    certOffset: image.readUInt32LE(dataDirectory + SECURITY_DIRECTORY * 8),
    certSize: image.readUInt32LE(dataDirectory + SECURITY_DIRECTORY * 8 + 4),
    symbolPointer: image.readUInt32LE(fileHeader + 8),
    symbolCount: image.readUInt32LE(fileHeader + 12),
    dll: (image.readUInt16LE(fileHeader + 18) & IMAGE_FILE_DLL) !== 0,
  };
}

/** Parses the image for resedit: symbol-table fields cleared, signature cut off when asked. */
function openImage(
  original: Buffer,
  dropSignature: boolean,
): { exe: NtExecutable; headers: Headers } | { reason: string } {
  const headers = readHeaders(original);
  if (!headers) return { reason: 'not a PE file (no MZ/PE headers)' };
  let image = Buffer.from(original);
  if (headers.certSize > 0) {
    if (!dropSignature)
      return {
        reason:
          'it is signed, and stamping removes the signature; stamp it before signing, or sign it in the same run',
      };
    image = image.subarray(0, headers.certOffset);
    image.writeUInt32LE(0, headers.dataDirectory + SECURITY_DIRECTORY * 8);
    image.writeUInt32LE(0, headers.dataDirectory + SECURITY_DIRECTORY * 8 + 4);
  }
  image.writeUInt32LE(0, headers.fileHeader + 8);
  image.writeUInt32LE(0, headers.fileHeader + 12);
  try {
    return { exe: NtExecutable.from(image), headers };
  } catch (error) {
    return { reason: `resedit cannot read it: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Signature and resource facts, read the same way stamping reads the file. */
export function readResourceFacts(image: Buffer): PeResourceFacts | undefined {
  const opened = openImage(image, true);
  if ('reason' in opened) return undefined;
  const types = NtExecutableResource.from(opened.exe).entries.map((e) => e.type);
  return {
    signed: opened.headers.certSize > 0,
    versionInfo: types.includes(RT_VERSION),
    manifest: types.includes(RT_MANIFEST),
    icon: types.includes(3) || types.includes(14),
  };
}

export function stampImage(original: Buffer, input: StampInput): StampOutcome {
  const opened = openImage(original, input.dropSignature);
  if ('reason' in opened) return { ok: false, reason: opened.reason };
  const { exe, headers } = opened;
  const before = exe.getAllSections().map((s) => ({ ...s.info }));
  const extraBefore = exe.getExtraData()?.byteLength ?? 0;
  const extraStart = before.reduce((end, s) => Math.max(end, s.pointerToRawData + s.sizeOfRawData), 0);

  const res = NtExecutableResource.from(exe);
  const added: Array<'version' | 'manifest' | 'icon'> = [];
  const hasVersion = res.entries.some((e) => e.type === RT_VERSION);
  if (!hasVersion || input.replaceVersion) {
    res.entries = res.entries.filter((e) => e.type !== RT_VERSION);
    versionResource(input).outputToResourceEntries(res.entries);
    added.push('version');
  }
  if (!res.entries.some((e) => e.type === RT_MANIFEST)) {
    res.entries.push({
      type: RT_MANIFEST,
      id: headers.dll ? MANIFEST_ID_DLL : MANIFEST_ID_EXE,
      lang: LANG_EN_US,
      codepage: 0,
      bin: new TextEncoder().encode(applicationManifest()).buffer,
    });
    added.push('manifest');
  }
  if (input.icon && !res.entries.some((e) => e.type === 14)) {
    let icons: Data.IconFile;
    try {
      icons = Data.IconFile.from(input.icon);
    } catch (error) {
      return { ok: false, reason: `the icon is not an .ico file: ${String(error)}` };
    }
    Resource.IconGroupEntry.replaceIconsForResource(
      res.entries,
      1,
      LANG_EN_US,
      icons.icons.map((i) => i.data),
    );
    added.push('icon');
  }
  if (added.length === 0) return { ok: false, reason: 'it already has a version resource and a manifest' };
  res.outputResource(exe);
  const bytes = Buffer.from(exe.generate());

  if (headers.symbolCount > 0 || headers.symbolPointer > 0) {
    const pointer = movedSymbolPointer(headers.symbolPointer, before, exe, {
      start: extraStart,
      size: extraBefore,
      newStart: bytes.length - (exe.getExtraData()?.byteLength ?? 0),
    });
    bytes.writeUInt32LE(pointer, headers.fileHeader + 8);
    bytes.writeUInt32LE(headers.symbolCount, headers.fileHeader + 12);
  }
  return { ok: true, bytes, added };
}

/** Where the COFF symbol table lies after resedit rewrote the file: same section and offset, or moved extra data. */
function movedSymbolPointer(
  pointer: number,
  before: Array<{ name: string; pointerToRawData: number; sizeOfRawData: number }>,
  exe: NtExecutable,
  extra: { start: number; size: number; newStart: number },
): number {
  const index = before.findIndex(
    (s) => pointer >= s.pointerToRawData && pointer < s.pointerToRawData + s.sizeOfRawData,
  );
  const section = index >= 0 ? before[index] : undefined;
  if (section) {
    const now = exe.getAllSections().find((s) => s.info.name === section.name);
    if (now) return now.info.pointerToRawData + (pointer - section.pointerToRawData);
  }
  if (extra.size > 0 && pointer >= extra.start) return extra.newStart + (pointer - extra.start);
  return pointer;
}

function versionResource(input: StampInput): Resource.VersionInfo {
  const info = Resource.VersionInfo.createEmpty();
  info.lang = LANG_EN_US;
  const language = { lang: LANG_EN_US, codepage: CODEPAGE_UNICODE };
  const file = parseVersion(input.version.fileVersion ?? input.version.productVersion ?? '0.0.0');
  const product = parseVersion(input.version.productVersion ?? input.version.fileVersion ?? '0.0.0');
  if (file) {
    info.setFileVersion(...file.parts, LANG_EN_US);
    info.setStringValue(language, 'FileVersion', file.text);
  }
  if (product) {
    info.setProductVersion(...product.parts, LANG_EN_US);
    info.setStringValue(language, 'ProductVersion', product.text);
  }
  const strings: Record<string, string> = {
    ProductName: baseName(input.fileName),
    FileDescription: baseName(input.fileName),
    OriginalFilename: input.fileName,
    InternalName: baseName(input.fileName),
    ...(input.version.strings as Record<string, string>),
  };
  info.setStringValues(language, strings);
  return info;
}

const baseName = (fileName: string): string => fileName.replace(/\.[^.]+$/, '');
