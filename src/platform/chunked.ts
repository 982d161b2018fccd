import { open, type FileHandle } from 'node:fs/promises';

/**
 * The most bytes handed to one native call. Node's fs read and write take an int32 length (a larger one
 * aborts the process: "Assertion failed: args[3]->IsInt32()"), and a hash's update or a cipher's setAAD
 * refuse more than 2 GiB ("data is too long"), while a PE file may reach 4 GiB.
 */
export const IO_CHUNK = 2 ** 30;

/** `bytes` as views of at most `size` bytes each, in order. */
export function chunksOf(bytes: Uint8Array, size = IO_CHUNK): Uint8Array[] {
  if (bytes.length <= size) return [bytes];
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/**
 * Reads the file from `position` into `buffer` until it holds `length` bytes or the file ends; returns how
 * many it holds.
 */
export async function readFully(
  handle: Pick<FileHandle, 'read'>,
  buffer: Buffer,
  length: number,
  { position = 0, size = IO_CHUNK }: { position?: number; size?: number } = {},
): Promise<number> {
  let at = 0;
  while (at < length) {
    const { bytesRead } = await handle.read(buffer, at, Math.min(length - at, size), position + at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}

/** Writes all of `bytes` from offset 0. */
export async function writeFully(
  handle: Pick<FileHandle, 'write'>,
  bytes: Buffer,
  size = IO_CHUNK,
): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at, Math.min(bytes.length - at, size), at);
    if (bytesWritten === 0) throw Object.assign(new Error('the disk took no bytes'), { code: 'EIO' });
    at += bytesWritten;
  }
}

/** A whole file in memory, past the 2 GiB `fs.readFile` refuses (a signed copy of a large installer). */
export async function readWhole(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.allocUnsafe(size);
    return buffer.subarray(0, await readFully(handle, buffer, size));
  } finally {
    await handle.close();
  }
}
