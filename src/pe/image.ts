import type { FileHandle } from 'node:fs/promises';
import { rvaToOffset, type PeHeaders } from './headers.js';
import type { CaptureRange } from './stream.js';

/** Parsers never read more than this in one go: a damaged length field cannot make us allocate gigabytes. */
export const MAX_READ = 16 * 1024 * 1024;

/**
 * Random access to a PE file for the parsers: served from the ranges captured during the streaming pass,
 * with a small positional read for anything else (pointer-chased strings of pre-1.18 Go build info, names
 * in an unusual place). Out-of-file reads return short buffers; parsers treat short as "absent".
 */
export class PeImage {
  constructor(
    readonly headers: PeHeaders,
    readonly size: number,
    private readonly file: FileHandle,
    private readonly captures: CaptureRange[] = [],
  ) {}

  async readAt(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset >= this.size || length <= 0) return Buffer.alloc(0);
    const wanted = Math.min(length, MAX_READ, this.size - offset);
    for (const c of this.captures) {
      if (c.data && offset >= c.offset && offset + wanted <= c.offset + c.length) {
        return c.data.subarray(offset - c.offset, offset - c.offset + wanted);
      }
    }
    const buffer = Buffer.alloc(wanted);
    const { bytesRead } = await this.file.read(buffer, 0, wanted, offset);
    return buffer.subarray(0, bytesRead);
  }

  /** Bytes at a relative virtual address; empty when the address has no bytes in the file. */
  async readRva(rva: number, length: number): Promise<Buffer> {
    const offset = rvaToOffset(this.headers, rva);
    return offset === undefined ? Buffer.alloc(0) : this.readAt(offset, length);
  }

  /** Bytes at a virtual address (image base + RVA), as pointers inside the image hold them. */
  async readVa(va: bigint, length: number): Promise<Buffer> {
    const rva = va - this.headers.imageBase;
    if (rva < 0n || rva > 0xffffffffn) return Buffer.alloc(0);
    return this.readRva(Number(rva), length);
  }

  /** A NUL-terminated ASCII string at an RVA (import DLL names), at most `max` bytes. */
  async cString(rva: number, max = 256): Promise<string | undefined> {
    const bytes = await this.readRva(rva, max);
    const end = bytes.indexOf(0);
    if (end <= 0) return undefined;
    return bytes.toString('latin1', 0, end);
  }
}
