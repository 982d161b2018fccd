import type { PeImage } from './image.js';

/** DLL names from the import directory (IMAGE_IMPORT_DESCRIPTOR, 20 bytes each, ended by an all-zero one). */
export async function readImports(image: PeImage, rva: number, size: number): Promise<string[]> {
  if (rva === 0 || size === 0) return [];
  // The directory size is often wrong (linkers round it); the zero descriptor is what ends the list.
  const table = await image.readRva(rva, Math.max(size, 20) + 20 * 64);
  const names: string[] = [];
  for (let at = 0; at + 20 <= table.length && names.length < 1024; at += 20) {
    const nameRva = table.readUInt32LE(at + 12);
    if (nameRva === 0 && table.readUInt32LE(at + 16) === 0) break;
    const name = await image.cString(nameRva);
    if (name) names.push(name);
  }
  return names;
}
