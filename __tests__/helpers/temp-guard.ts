import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Vitest global setup: the whole test run gets one private temp folder (TMPDIR, TMP and TEMP point into it,
 * and every test worker and child process inherits that), removed at the end. A full `npm test` therefore
 * adds nothing to the machine's temp folder, even when a test forgets to clean up; what tests left behind
 * is listed, so the leak can be fixed where it is. Set GAV_TEST_TMP_STRICT=1 to fail the run on leftovers.
 */
export default function setup(): () => void {
  const names = ['TMPDIR', 'TMP', 'TEMP'] as const;
  const previous = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  const dir = mkdtempSync(path.join(tmpdir(), 'gav-tests-'));
  for (const name of names) process.env[name] = dir;
  // The bundled CLI keeps Node's compile cache in the temp folder; runs under test need none.
  const cache = process.env.NODE_DISABLE_COMPILE_CACHE;
  process.env.NODE_DISABLE_COMPILE_CACHE = '1';
  return () => {
    if (cache === undefined) delete process.env.NODE_DISABLE_COMPILE_CACHE;
    else process.env.NODE_DISABLE_COMPILE_CACHE = cache;
    for (const name of names) {
      if (previous[name] === undefined) delete process.env[name];
      else process.env[name] = previous[name];
    }
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    if (left.length > 0) {
      const message = `tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder (removed): ${left.slice(0, 20).join(', ')}${left.length > 20 ? ', ...' : ''}`;
      if (process.env.GAV_TEST_TMP_STRICT === '1') throw new Error(message);
      console.warn(message);
    }
  };
}
