import type { PeImage } from './image.js';

/**
 * The resource tree (type / name / language, PE/COFF spec ".rsrc section") and the two resources AV
 * reputation cares about: the version resource (VS_VERSIONINFO, with its StringFileInfo strings) and the
 * application manifest.
 */

export const RT_ICON = 3;
export const RT_GROUP_ICON = 14;
export const RT_VERSION = 16;
export const RT_MANIFEST = 24;

const MAX_ENTRIES = 4096;
const MAX_LEAF = 1024 * 1024;

export interface ResourceLeaf {
  type: number | string;
  rva: number;
  size: number;
}

export interface ResourceSummary {
  present: boolean;
  types: Array<number | string>;
  versionInfo: boolean;
  manifest: boolean;
  icon: boolean;
  version?: Record<string, string>;
  fixedFileVersion?: string;
  fixedProductVersion?: string;
  manifestText?: string;
}

export async function readResources(
  image: PeImage,
  directoryRva: number,
  directorySize: number,
): Promise<ResourceSummary> {
  const empty: ResourceSummary = {
    present: false,
    types: [],
    versionInfo: false,
    manifest: false,
    icon: false,
  };
  if (directoryRva === 0 || directorySize === 0) return empty;
  // Directory tables and data entries live at the start of the section; read what the section holds.
  const tree = await image.readRva(directoryRva, Math.max(directorySize, 64 * 1024));
  if (tree.length < 16) return empty;
  const leaves = walk(tree);
  const types = [...new Set(leaves.map((l) => l.type))];
  const summary: ResourceSummary = {
    present: types.length > 0,
    types,
    versionInfo: types.includes(RT_VERSION),
    manifest: types.includes(RT_MANIFEST),
    icon: types.includes(RT_ICON) || types.includes(RT_GROUP_ICON),
  };
  const versionLeaf = leaves.find((l) => l.type === RT_VERSION);
  if (versionLeaf) {
    const data = await image.readRva(versionLeaf.rva, Math.min(versionLeaf.size, MAX_LEAF));
    Object.assign(summary, parseVersionInfo(data));
  }
  const manifestLeaf = leaves.find((l) => l.type === RT_MANIFEST);
  if (manifestLeaf) {
    const data = await image.readRva(manifestLeaf.rva, Math.min(manifestLeaf.size, 64 * 1024));
    if (data.length > 0) summary.manifestText = data.toString('utf8').replace(/^\uFEFF/, '');
  }
  return summary;
}

/** Type -> name -> language -> data entry; bounded in depth and entry count, and cycle-safe. */
export function walk(tree: Buffer): ResourceLeaf[] {
  const leaves: ResourceLeaf[] = [];
  const seen = new Set<number>();
  let budget = MAX_ENTRIES;
  const visit = (offset: number, depth: number, type: number | string | undefined): void => {
    if (depth > 3 || seen.has(offset) || offset + 16 > tree.length) return;
    seen.add(offset);
    const count = tree.readUInt16LE(offset + 12) + tree.readUInt16LE(offset + 14);
    for (let i = 0; i < count && budget-- > 0; i++) {
      const at = offset + 16 + i * 8;
      if (at + 8 > tree.length) return;
      const name = tree.readUInt32LE(at);
      const target = tree.readUInt32LE(at + 4);
      const id = depth === 1 ? entryName(tree, name) : type;
      if (target & 0x80000000) visit(target & 0x7fffffff, depth + 1, id);
      else if (target + 16 <= tree.length && id !== undefined) {
        leaves.push({ type: id, rva: tree.readUInt32LE(target), size: tree.readUInt32LE(target + 4) });
      }
    }
  };
  visit(0, 1, undefined);
  return leaves;
}

/** An entry is an integer id, or (high bit set) an offset to a length-prefixed UTF-16 name. */
function entryName(tree: Buffer, name: number): number | string {
  if (!(name & 0x80000000)) return name;
  const at = name & 0x7fffffff;
  if (at + 2 > tree.length) return '?';
  const length = tree.readUInt16LE(at);
  return tree.toString('utf16le', at + 2, Math.min(tree.length, at + 2 + length * 2));
}

interface VersionBlock {
  key: string;
  valueStart: number;
  valueBytes: number;
  type: number;
  childrenStart: number;
  end: number;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** One VS_VERSIONINFO-style block: wLength, wValueLength, wType, szKey, padding, Value, padding, Children. */
function readBlock(data: Buffer, at: number, limit: number): VersionBlock | undefined {
  if (at + 6 > limit) return undefined;
  const length = data.readUInt16LE(at);
  const valueLength = data.readUInt16LE(at + 2);
  const type = data.readUInt16LE(at + 4);
  const end = Math.min(at + length, limit);
  if (length < 6 || end <= at + 6) return undefined;
  let keyEnd = at + 6;
  while (keyEnd + 1 < end && data.readUInt16LE(keyEnd) !== 0) keyEnd += 2;
  const key = data.toString('utf16le', at + 6, keyEnd);
  const valueStart = Math.min(align4(keyEnd + 2), end);
  // wType 1 (text): wValueLength counts UTF-16 characters; 0 (binary): bytes.
  const valueBytes = Math.min(type === 1 ? valueLength * 2 : valueLength, end - valueStart);
  return {
    key,
    valueStart,
    valueBytes,
    type,
    childrenStart: Math.min(align4(valueStart + valueBytes), end),
    end,
  };
}

function* children(data: Buffer, block: VersionBlock): Generator<VersionBlock> {
  let at = block.childrenStart;
  let guard = 0;
  while (at < block.end && guard++ < 1024) {
    const child = readBlock(data, at, block.end);
    if (!child) return;
    yield child;
    at = align4(child.end);
  }
}

export function parseVersionInfo(
  data: Buffer,
): Pick<ResourceSummary, 'version' | 'fixedFileVersion' | 'fixedProductVersion'> {
  const root = readBlock(data, 0, data.length);
  if (!root || root.key !== 'VS_VERSION_INFO') return {};
  const result: Pick<ResourceSummary, 'version' | 'fixedFileVersion' | 'fixedProductVersion'> = {};
  // VS_FIXEDFILEINFO starts with the signature 0xFEEF04BD.
  if (root.valueBytes >= 52 && data.readUInt32LE(root.valueStart) === 0xfeef04bd) {
    const v = (at: number): string => {
      const ms = data.readUInt32LE(root.valueStart + at);
      const ls = data.readUInt32LE(root.valueStart + at + 4);
      return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
    };
    result.fixedFileVersion = v(8);
    result.fixedProductVersion = v(16);
  }
  const strings: Record<string, string> = {};
  for (const info of children(data, root)) {
    if (info.key !== 'StringFileInfo') continue;
    for (const table of children(data, info)) {
      for (const entry of children(data, table)) {
        if (entry.key && !(entry.key in strings)) {
          strings[entry.key] = data
            .toString('utf16le', entry.valueStart, entry.valueStart + entry.valueBytes)
            .replace(/\0+$/, '');
        }
      }
    }
  }
  if (Object.keys(strings).length > 0) result.version = strings;
  return result;
}
