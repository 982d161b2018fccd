import type { RawSection } from './headers.js';

/**
 * UPX, recognised the way its own unpacker and most scanners do: sections named UPX0 (no raw data, the
 * space the program is unpacked into) and UPX1 (the compressed program). Renamed sections evade this;
 * the high-entropy rule still catches the shape.
 */
export function detectPacker(sections: RawSection[]): string | undefined {
  const names = sections.map((s) => s.name.toUpperCase());
  const upx0 = sections.find((s) => s.name.toUpperCase() === 'UPX0');
  if (upx0 && names.includes('UPX1')) return upx0.rawSize === 0 ? 'UPX' : 'UPX (unusual layout)';
  if (names.some((n) => n === 'UPX!' || n === '.UPX0' || n === '.UPX1')) return 'UPX (renamed)';
  return undefined;
}
