import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

/** Is `tool` on PATH? (`go`, `osslsigncode`, `openssl`, ...) */
export function hasTool(tool: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(tool, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch (error) {
    // A tool that exists but dislikes the probe argument still counts as present.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Tests that need a real tool. Locally they are skipped when it is missing; in CI (CI=true) they run
 * anyway, so a missing tool fails the build instead of silently passing.
 */
export function describeWithTool(tools: string[], name: string, body: () => void): void {
  const missing = tools.filter((t) => !hasTool(t, t === 'go' ? ['version'] : ['--version']));
  const run = missing.length === 0 || process.env.CI === 'true';
  (run ? describe : describe.skip)(missing.length ? `${name} (missing: ${missing.join(', ')})` : name, body);
}

/** A python3 that can `import pefile` (Debian's python3-pefile lives beside /usr/bin/python3). */
export function pythonWithPefile(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import pefile'], { stdio: 'ignore' });
      return python;
    } catch {
      /* try the next */
    }
  }
  return undefined;
}
