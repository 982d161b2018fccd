// Rebuilds dist/ and fails when it differs from what is committed, new files included
// (plain `git diff` misses untracked files; `git status --porcelain` does not).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { cwd: root, encoding: 'utf8' });
if (status.trim() !== '') {
  console.error('dist/ is out of date with src/. Run `npm run bundle` and commit dist/:\n' + status);
  execFileSync('git', ['--no-pager', 'diff', '--stat', '--', 'dist'], { cwd: root, stdio: 'inherit' });
  process.exit(1);
}
console.log('dist/ matches the source.');
