import { glob, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Expands sign patterns against the workspace with @actions/glob's rules: one pattern per entry, `!` excludes,
 * the last pattern that matches a file decides, files only (a folder name does not mean "everything below it",
 * which would try to sign READMEs and checksums). Unlike @actions/glob, wildcards skip dot-files, as shells do:
 * signing's own temp files are dot-files; a dot-file named explicitly still matches. Built on node:fs glob rather
 * than @actions/glob, which writes ::debug:: lines to stdout and would corrupt `--json` output.
 */
export async function expandPatterns(patterns: readonly string[], workspace: string): Promise<string[]> {
  const rules = patterns.map((pattern) => {
    const negated = pattern.startsWith('!');
    const body = slashes(negated ? pattern.slice(1) : pattern);
    const absolute = path.isAbsolute(body);
    // Globbing from the pattern's own root keeps glob characters in the workspace path from being read as globs.
    const cwd = absolute ? path.parse(body).root : workspace;
    const relative = absolute ? body.slice(slashes(cwd).length) : body;
    // A pattern without glob syntax names one path (the CLI's usual case: no globbing, no matcher built).
    const plain = !GLOB_SYNTAX.test(relative);
    return { negated, cwd, relative, plain, literal: path.resolve(cwd, relative) };
  });
  // A path naming an existing file is that file, even when it holds glob characters such as [ ] (CLI paths).
  const matches = (rule: (typeof rules)[number], file: string): boolean =>
    rule.literal === file ||
    (!rule.plain && path.posix.matchesGlob(slashes(path.relative(rule.cwd, file)), rule.relative));
  const candidates = new Set<string>();
  for (const rule of rules.filter((r) => !r.negated)) {
    if ((await stat(rule.literal).catch(() => undefined))?.isFile()) candidates.add(rule.literal);
    if (rule.plain) continue;
    for await (const entry of glob(rule.relative, { cwd: rule.cwd }))
      candidates.add(path.resolve(rule.cwd, entry));
  }
  const kept: string[] = [];
  for (const file of candidates) {
    const last = rules.findLast((r) => matches(r, file));
    if (!last || last.negated) continue;
    if ((await stat(file).catch(() => undefined))?.isFile()) kept.push(file);
  }
  return kept.sort();
}

/** Characters that make a pattern a glob (minimatch's magic, extglob and escapes included). */
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/** Windows users write backslashes; glob syntax wants forward slashes (elsewhere a backslash escapes). */
const slashes = (p: string): string => (path.sep === '\\' ? p.replace(/\\/g, '/') : p);
