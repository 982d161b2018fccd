import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { DIRECTORY, readHeaders } from './headers.js';

/**
 * The Authenticode SHA-256 of a PE file ("Windows Authenticode Portable Executable Signature Format",
 * "Calculating the PE Image Hash"): the file hashed without its CheckSum field, the certificate table
 * entry and the certificate table itself. AppLocker file hash rules and WDAC use this, not the flat
 * SHA-256, so a hash rule written with the flat hash would never match.
 */

const CHUNK = 1 << 20;

export async function authenticodeSha256(file: string): Promise<string> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r');
  try {
    const readAt = async (offset: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    };
    const headers = await readHeaders(readAt, size);
    const security = headers.directories[DIRECTORY.security] ?? { rva: 0, size: 0 };
    const ranges: Array<[number, number]> = [
      [0, headers.checksumOffset],
      [headers.checksumOffset + 4, headers.securityEntryOffset],
      [headers.securityEntryOffset + 8, headers.sizeOfHeaders],
    ];
    let hashed = headers.sizeOfHeaders;
    const sections = headers.sections.filter((s) => s.rawSize > 0).sort((a, b) => a.rawOffset - b.rawOffset);
    for (const s of sections) {
      ranges.push([s.rawOffset, s.rawOffset + s.rawSize]);
      hashed += s.rawSize;
    }
    // Extra data after the sections (COFF symbols, padding), less the certificate table.
    const extra = size - (hashed + security.size);
    if (extra > 0) ranges.push([hashed, hashed + extra]);

    const hash = createHash('sha256');
    const buffer = Buffer.alloc(CHUNK);
    for (const [from, to] of ranges) {
      for (let at = from; at < to;) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, to - at), at);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
