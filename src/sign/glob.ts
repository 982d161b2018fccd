import path from 'node:path';
import * as glob from '@actions/glob';

/**
 * Expands sign patterns (@actions/glob semantics, `!` excludes) against the workspace. Files only: a folder
 * name does not mean "everything below it", which would try to sign READMEs and checksums.
 */
export async function expandPatterns(patterns: readonly string[], workspace: string): Promise<string[]> {
  const lines = patterns.map((pattern) => {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    return `${negated ? '!' : ''}${path.isAbsolute(body) ? body : path.join(workspace, body)}`;
  });
  const globber = await glob.create(lines.join('\n'), {
    matchDirectories: false,
    implicitDescendants: false,
    followSymbolicLinks: true,
  });
  return [...new Set(await globber.glob())].sort();
}
