import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

// Registered when a test file imports this module (collection time), so it runs for that file's suite.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/**
 * A fresh folder under the OS temp dir that is removed when the test file ends, whatever happens in it:
 * tests leave nothing behind (a full `npm test` adds no entries to the temp folder).
 */
export function scratchDir(prefix = 'gav-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
