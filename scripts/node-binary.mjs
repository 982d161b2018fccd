// Prints the path of a Node.js binary of the given major version, for running the CLI and its tests on
// each supported Node (and on an unsupported one, to see it refuse). Uses this Node or /usr/bin/node when
// they match; otherwise installs the official binary package (node-<os>-<arch>@<major>, the one the `node`
// npm package itself installs) from the npm registry into node_modules/.cache/node-<major>, once.
// Usage: node scripts/node-binary.mjs 22
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function majorOf(binary) {
  try {
    return Number(execFileSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0]);
  } catch {
    return undefined;
  }
}

export function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node'])
    if (existsSync(candidate) && majorOf(candidate) === major) return candidate;
  const os = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${os}-${process.arch}`;
  const prefix = path.join(root, 'node_modules', '.cache', `node-${major}`);
  const binary = path.join(
    prefix,
    'node_modules',
    pkg,
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  if (!existsSync(binary)) {
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `${pkg}@${major}`],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        shell: process.platform === 'win32',
        // npm turns on Node's compile cache, which would leave $TMPDIR/node-compile-cache behind.
        env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' },
      },
    );
  }
  if (majorOf(binary) !== major) throw new Error(`could not get Node.js ${major} (tried ${binary})`);
  return binary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(nodeBinary(Number(process.argv[2] ?? '22')));
}
