import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ByteHistogram } from './entropy.js';
import { inlineHasher, type ChunkHasher } from './sha256.js';

/**
 * The one pass over the whole file: SHA-256, a byte histogram per section and copies of the few small
 * ranges the parsers need (resource tree, import table, build info, signature), all from a few reused
 * buffers, so memory stays flat however large the file is. The SHA-256 runs in the given hasher (this
 * thread or a worker); everything else here reads a chunk before it is handed to the hasher.
 */

const MIB = 1 << 20;
const SAMPLE_ABOVE = 64 * MIB;
const SAMPLE_SPAN = MIB / 4;

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

/** Authenticode image hashes taken in the same pass: bytes [0, end) less the `skip` ranges. */
export interface ImageHashPlan {
  algorithms: string[];
  skip: Array<[number, number]>;
  end: number;
}

export interface StreamResult {
  sha256: string;
  imageHashes?: Map<string, Buffer>;
  /** Bytes actually read: less than expected means the file shrank while being read. */
  bytesRead: number;
}

export async function streamOnce(
  file: FileHandle,
  size: number,
  histograms: HistogramRange[],
  captures: CaptureRange[],
  image?: ImageHashPlan,
  hasher: ChunkHasher = inlineHasher(),
): Promise<StreamResult> {
  const imageHashers = (image?.algorithms ?? []).map((a) => ({ algorithm: a, hash: createHash(a) }));
  const skip = [...(image?.skip ?? [])].sort((a, b) => a[0] - b[0]);
  for (const c of captures) c.data = Buffer.alloc(c.length);
  hasher.reset();
  // The next chunk is read by the thread pool while this one is counted and hashed.
  const readChunk = async (at: number): Promise<{ buffer: Buffer; bytesRead: number }> => {
    const buffer = await hasher.take();
    try {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - at), at);
      return { buffer, bytesRead };
    } catch (error) {
      hasher.update(buffer, 0);
      throw error;
    }
  };
  let position = 0;
  let pending = size > 0 ? readChunk(0) : undefined;
  try {
    while (pending) {
      const { buffer, bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) {
        // The file shrank: the caller sees bytesRead < size.
        hasher.update(buffer, 0);
        break;
      }
      const end = position + bytesRead;
      if (end < size) pending = readChunk(end);
      const chunk = buffer.subarray(0, bytesRead);
      if (image && imageHashers.length > 0) {
        // The chunk's part before `end`, cut around the skipped ranges.
        let from = position;
        const until = Math.min(end, image.end);
        for (const [a, b] of [...skip, [until, until] as [number, number]]) {
          const to = Math.min(a, until);
          if (to > from)
            for (const h of imageHashers) h.hash.update(chunk.subarray(from - position, to - position));
          from = Math.max(from, b);
          if (from >= until) break;
        }
      }
      for (const h of histograms) countSection(h, chunk, position);
      for (const c of captures) {
        const from = Math.max(c.offset, position);
        const to = Math.min(c.offset + c.length, end);
        if (from < to) chunk.copy(c.data as Buffer, from - c.offset, from - position, to - position);
      }
      // Last: the hasher may move the buffer to another thread.
      hasher.update(buffer, bytesRead);
      position = end;
    }
  } finally {
    // Never leave a read in flight on a handle the caller is about to close, nor a buffer on loan.
    const last = await pending?.catch(() => undefined);
    if (last) hasher.update(last.buffer, 0);
  }
  return {
    sha256: await hasher.digest(),
    bytesRead: position,
    ...(imageHashers.length > 0
      ? { imageHashes: new Map(imageHashers.map((h) => [h.algorithm, h.hash.digest()])) }
      : {}),
  };
}

/**
 * Adds a chunk's bytes that fall in a section to its histogram. A section over 64 MiB gets its entropy from
 * a systematic sample, the first quarter of every 1 MiB block of the file: the estimate is within a
 * hundredth of a bit, and hashing stays the only full-speed pass. Blocks count from the start of the file,
 * so the sample does not depend on how the file was read.
 */
function countSection(h: HistogramRange, chunk: Buffer, position: number): void {
  const start = Math.max(h.offset, position);
  const stop = Math.min(h.offset + h.length, position + chunk.length);
  if (h.length <= SAMPLE_ABOVE) {
    if (start < stop) h.histogram.add(chunk.subarray(start - position, stop - position));
    return;
  }
  for (let block = start - (start % MIB); block < stop; block += MIB) {
    const sampleStart = Math.max(block, h.offset);
    const from = Math.max(sampleStart, start);
    const to = Math.min(stop, block + MIB, sampleStart + SAMPLE_SPAN);
    if (from < to) h.histogram.add(chunk.subarray(from - position, to - position));
  }
}
