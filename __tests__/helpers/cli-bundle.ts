import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from './tmp.js';

/**
 * The CLI from this checkout's sources as one runnable file, for tests that need real, separate CLI
 * processes (parallel runs, signals). Bundled with rolldown (a dev dependency via vite) into a scratch
 * folder: dist/ is never touched. Takes about a second.
 */
export function bundleCli(): string {
  const out = path.join(scratchDir('gav-cli-bundle-'), 'cli.mjs');
  const root = path.resolve(import.meta.dirname, '..', '..');
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'rolldown'),
    [
      path.join(root, 'src', 'entrypoints', 'cli.ts'),
      '--file',
      out,
      '--platform',
      'node',
      '--format',
      'esm',
      '--no-codeSplitting',
    ],
    { cwd: root, stdio: 'pipe', timeout: 120_000 },
  );
  // The CLI reads its flags from action.yml beside (or above) its bundle, as in the installed package.
  copyFileSync(path.join(root, 'action.yml'), path.join(path.dirname(out), 'action.yml'));
  return out;
}
