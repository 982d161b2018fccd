/**
 * Windows path comparison as Defender does it: case-insensitive, either slash, trailing backslash
 * ignored. Used by the exclusion planner, doctor's advice and detection relevance alike.
 */
export function normalizeWindowsPath(input: string): string {
  let p = input.trim().replace(/\//g, '\\');
  const unc = p.startsWith('\\\\');
  p = p.replace(/\\{2,}/g, '\\');
  if (unc) p = `\\${p}`;
  if (/^[a-z]:$/i.test(p)) p += '\\';
  if (p.length > 3 && p.endsWith('\\')) p = p.replace(/\\+$/, '');
  return p.toLowerCase();
}

export function sameWindowsPath(a: string, b: string): boolean {
  return normalizeWindowsPath(a) === normalizeWindowsPath(b);
}

/** Does an exclusion of `parent` also cover `child`? (`C:\` covers everything on drive C.) */
export function windowsPathCovers(parent: string, child: string): boolean {
  const p = normalizeWindowsPath(parent);
  const c = normalizeWindowsPath(child);
  if (p === '' || c === '') return false;
  if (p === c) return true;
  return c.startsWith(p.endsWith('\\') ? p : `${p}\\`);
}

/** The first of `exclusions` that covers `target`, if any. */
export function coveringExclusion(exclusions: readonly string[], target: string): string | undefined {
  return exclusions.find((e) => windowsPathCovers(e, target));
}
