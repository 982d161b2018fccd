/**
 * SHA-256 of whole files in a worker thread, so a second file hashes on another core while this thread
 * analyzes the first (`hash.update` is synchronous: one thread hashes one file at a time). The worker reads
 * the file itself, through the caller's open descriptor (the same file even if the path is replaced), into
 * one reused 1 MiB buffer: nothing crosses threads per chunk, and memory stays flat.
 */
export interface FileHasher {
  /** Hashes bytes [0, size) of an open file; bytesRead < size means the file shrank meanwhile. */
  hash(fd: number, size: number): Promise<{ sha256: string; bytesRead: number }>;
  close(): Promise<void>;
}

// Plain CommonJS run with `eval: true`: no file to locate, so it works the same from src/ and the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const buffer = Buffer.allocUnsafeSlow(1 << 20);
parentPort.on('message', ({ fd, size }) => {
  try {
    const hash = createHash('sha256');
    let position = 0;
    while (position < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      position += n;
    }
    parentPort.postMessage({ sha256: hash.digest('hex'), bytesRead: position });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Reply = { sha256: string; bytesRead: number } | { error: string };

export async function workerFileHasher(): Promise<FileHasher> {
  // Not unref'd: this thread may be waiting on nothing but the worker's reply. Callers close() it.
  // Loaded on first use: most runs never start a worker (~4 ms to load).
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  // A dead worker fails every pending and later request instead of leaving them hanging.
  const fail = (error: Error): void => {
    failure ??= error;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the SHA-256 worker thread exited (code ${code})`)));
  worker.on('message', (reply: Reply) => waiting.shift()?.resolve(reply));
  return {
    hash: async (fd, size) => {
      if (failure) throw failure;
      // Replies come in request order: one queue is enough.
      const reply = await new Promise<Reply>((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage({ fd, size });
      });
      if ('error' in reply) throw new Error(reply.error);
      return reply;
    },
    close: async () => {
      fail(new Error('the SHA-256 worker thread was closed'));
      await worker.terminate();
    },
  };
}
