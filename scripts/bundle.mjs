// Bundles the three entry points with ncc into dist/<name>/index.js (ESM), with source maps and licenses.
// `--out DIR` bundles into DIR/<name> instead of dist/ (the package tests build a throwaway copy there);
// `--only cli` bundles one entry point.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const outRoot = path.resolve(option('--out') ?? path.join(root, 'dist'));
const only = option('--only');

for (const entry of ['main', 'post', 'cli'].filter((e) => !only || e === only)) {
  const out = path.join(outRoot, entry);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      path.join('src', 'entrypoints', `${entry}.ts`),
      '-o',
      out,
      '--source-map',
      '--license',
      'licenses.txt',
      // The CLI starts for each command, and installing source-map-support cost ~10 ms of each start: its
      // maps stay beside it for `node --enable-source-maps` (Node's own support, loaded only when asked).
      ...(entry === 'cli' ? ['--no-source-map-register'] : []),
      '--quiet',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const index = path.join(out, 'index.js');
  if (entry === 'cli') {
    // npm links bin files as they are: the CLI needs its shebang and the executable bit.
    const code = readFileSync(index, 'utf8');
    if (!code.startsWith('#!')) writeFileSync(index, `#!/usr/bin/env node\n${code}`);
    chmodSync(index, 0o755);
  }
}
