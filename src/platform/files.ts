import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Finds a program on PATH the way the OS would (PATHEXT on Windows); undefined when absent. */
export async function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const windows = platform === 'win32';
  const dirs = (env.PATH ?? env.Path ?? '').split(windows ? ';' : ':').filter(Boolean);
  const extensions = windows && !path.extname(name) ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext.toLowerCase());
      if (await isExecutableFile(candidate, windows)) return candidate;
    }
  }
  return undefined;
}

async function isExecutableFile(file: string, windows: boolean): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, windows ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** A fresh owner-only folder for secret material (PFX files, keys), under this run's temp dir. */
export async function makePrivateDir(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  return mkdtemp(path.join(parent, prefix));
}

export async function removeQuietly(target: string): Promise<string | undefined> {
  try {
    await rm(target, { recursive: true, force: true, maxRetries: 3 });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads a small regular file (a certificate, a chain, a key list) with a size bound: /dev/zero, FIFOs and
 * folders are refused with a message instead of eating memory or hanging. Provisional: issue 12 hardens it.
 */
export async function readSmallRegularFile(file: string, maxBytes = 1024 * 1024): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a regular file`);
  if (info.size > maxBytes) throw new Error(`${file} is larger than ${maxBytes} bytes`);
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes + 1, 0);
    if (bytesRead > maxBytes) throw new Error(`${file} is larger than ${maxBytes} bytes`);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
