import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ByteHistogram } from './entropy.js';

/**
 * The one pass over the whole file: SHA-256, a byte histogram per section and copies of the few small
 * ranges the parsers need (resource tree, import table, build info, signature), all from two reused
 * buffers, so memory stays flat however large the file is.
 */

const CHUNK = 1 << 20;
const SAMPLE_ABOVE = 64 * CHUNK;
const SAMPLE_SPAN = CHUNK / 4;

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
  /** Absent when the caller hashes the file elsewhere (`hash: false`). */
  sha256?: string;
  imageHashes?: Map<string, Buffer>;
  /** Bytes actually read: less than expected means the file shrank while being read. */
  bytesRead: number;
}

export async function streamOnce(
  file: Pick<FileHandle, 'read'>,
  size: number,
  histograms: HistogramRange[],
  captures: CaptureRange[],
  image?: ImageHashPlan,
  /** False when another thread hashes the file: then chunks that no range needs are not even read. */
  hash = true,
): Promise<StreamResult> {
  const sha256 = hash ? createHash('sha256') : undefined;
  const imageHashers = (image?.algorithms ?? []).map((a) => ({ algorithm: a, hash: createHash(a) }));
  const skip = [...(image?.skip ?? [])].sort((a, b) => a[0] - b[0]);
  // Two buffers of their own (word-aligned, so the histogram can read whole words): the next chunk is
  // read by the thread pool while this one is hashed and counted.
  const buffers = [Buffer.from(new ArrayBuffer(CHUNK)), Buffer.from(new ArrayBuffer(CHUNK))] as const;
  for (const c of captures) c.data = Buffer.alloc(c.length);
  const needed = (from: number, to: number): boolean =>
    hash ||
    (image !== undefined && from < image.end) ||
    [...histograms, ...captures].some((r) => r.offset < to && r.offset + r.length > from);
  const readChunk = (index: number, at: number): Promise<number> => {
    const length = Math.min(CHUNK, size - at);
    if (length <= 0) return Promise.resolve(0);
    // Not read, only counted: nothing below touches bytes outside the ranges.
    if (!needed(at, at + length)) return Promise.resolve(length);
    return file.read(buffers[index % 2] as Buffer, 0, length, at).then((r) => r.bytesRead);
  };
  let position = 0;
  let index = 0;
  let pending = readChunk(0, 0);
  while (position < size) {
    const bytesRead = await pending;
    if (bytesRead === 0) break;
    const end = position + bytesRead;
    pending = readChunk(index + 1, end);
    const chunk = (buffers[index % 2] as Buffer).subarray(0, bytesRead);
    sha256?.update(chunk);
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
    for (const h of histograms) {
      const from = Math.max(h.offset, position);
      let to = Math.min(h.offset + h.length, end);
      // A section over 64 MiB gets its entropy from a systematic sample (the first quarter of every 1 MiB
      // read): the estimate is within a hundredth of a bit, and hashing stays the only full-speed pass.
      if (h.length > SAMPLE_ABOVE) to = Math.min(to, from + SAMPLE_SPAN);
      if (from < to) h.histogram.add(chunk.subarray(from - position, to - position));
    }
    for (const c of captures) {
      const from = Math.max(c.offset, position);
      const to = Math.min(c.offset + c.length, end);
      if (from < to) chunk.copy(c.data as Buffer, from - c.offset, from - position, to - position);
    }
    position = end;
    index++;
  }
  // Never leave a read in flight on a handle the caller is about to close.
  await pending;
  return {
    ...(sha256 ? { sha256: sha256.digest('hex') } : {}),
    bytesRead: position,
    ...(imageHashers.length > 0
      ? { imageHashes: new Map(imageHashers.map((h) => [h.algorithm, h.hash.digest()])) }
      : {}),
  };
}
