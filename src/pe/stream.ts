import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ByteHistogram } from './entropy.js';

/**
 * The one pass over the whole file: SHA-256, a byte histogram per section and copies of the few small
 * ranges the parsers need (resource tree, import table, build info, signature), all from one reused
 * buffer, so memory stays flat however large the file is.
 */

const CHUNK = 1 << 20;

export interface HistogramRange {
  offset: number;
  length: number;
  histogram: ByteHistogram;
}

/** A byte range to keep while it streams past; `data` is filled in by the pass. */
export interface CaptureRange {
  offset: number;
  length: number;
  data?: Buffer;
}

export interface StreamResult {
  sha256: string;
  /** Bytes actually read: less than expected means the file shrank while being read. */
  bytesRead: number;
}

export async function streamOnce(
  file: FileHandle,
  size: number,
  histograms: HistogramRange[],
  captures: CaptureRange[],
): Promise<StreamResult> {
  const hash = createHash('sha256');
  // Its own ArrayBuffer, word-aligned, so the histogram can read whole words.
  const buffer = Buffer.from(new ArrayBuffer(CHUNK));
  for (const c of captures) c.data = Buffer.alloc(c.length);
  let position = 0;
  while (position < size) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    const end = position + bytesRead;
    for (const h of histograms) {
      const from = Math.max(h.offset, position);
      const to = Math.min(h.offset + h.length, end);
      if (from < to) h.histogram.add(chunk.subarray(from - position, to - position));
    }
    for (const c of captures) {
      const from = Math.max(c.offset, position);
      const to = Math.min(c.offset + c.length, end);
      if (from < to) chunk.copy(c.data as Buffer, from - c.offset, from - position, to - position);
    }
    position = end;
  }
  return { sha256: hash.digest('hex'), bytesRead: position };
}
