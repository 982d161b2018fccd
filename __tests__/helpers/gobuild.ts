import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const HELLO_GO =
  'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from go-av-guard tests") }\n';

/**
 * Cross-compiles a small Go program to a real Windows PE (GOOS=windows GOARCH=amd64, cgo off) and returns
 * its path. Builds are cached by source and Go version under the OS temp dir, so test files share one build.
 */
export async function buildWindowsPe(source: string = HELLO_GO, go = 'go'): Promise<string> {
  const { stdout: version } = await execFileAsync(go, ['version']);
  const key = createHash('sha256').update(version).update(source).digest('hex').slice(0, 16);
  // Cached in the checkout (node_modules/.cache), not the temp folder: a test run adds nothing there.
  const dir = path.join(
    import.meta.dirname,
    '..',
    '..',
    'node_modules',
    '.cache',
    'go-av-guard-gobuild',
    key,
  );
  const exe = path.join(dir, 'hello.exe');
  try {
    await stat(exe);
    return exe;
  } catch {
    /* build it */
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(dir), 'build-'));
  try {
    await writeFile(path.join(work, 'go.mod'), 'module hello\n\ngo 1.19\n');
    await writeFile(path.join(work, 'main.go'), source);
    await execFileAsync(go, ['build', '-o', 'hello.exe', '.'], {
      cwd: work,
      env: { ...process.env, GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', GOFLAGS: '-trimpath' },
    });
    await mkdir(dir, { recursive: true });
    // Rename is atomic: a parallel test file sees either no build or a whole one.
    await rename(path.join(work, 'hello.exe'), exe);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return exe;
}

/** A fresh writable copy of `pe` at `dir/name` (tests sign copies, never the cached build). */
export async function copyPe(pe: string, dir: string, name: string): Promise<string> {
  const target = path.join(dir, name);
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(pe, target);
  return target;
}
