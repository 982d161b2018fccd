import path from 'node:path';

/**
 * GNU coreutils `sha256sum` format: `<hex>  <name>` (two spaces: text mode). A name holding a backslash
 * or a newline is escaped and its line starts with a backslash, as `sha256sum` itself writes it.
 * Names are relative to the folder SHA256SUMS lives in, with forward slashes, so
 * `sha256sum -c SHA256SUMS` works when run in that folder, wherever the binaries are.
 */
export function formatSha256Sums(entries: Array<{ path: string; sha256: string }>, baseDir: string): string {
  return entries
    .map(({ path: file, sha256 }) => {
      let name = path.relative(baseDir, file);
      // Another drive on Windows has no relative path: keep it absolute.
      if (path.isAbsolute(name) || name === '') name = path.resolve(file);
      name = name.split(path.sep).join('/');
      const escaped = /[\\\n\r]/.test(name);
      const written = escaped
        ? name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
        : name;
      return `${escaped ? '\\' : ''}${sha256.toLowerCase()}  ${written}\n`;
    })
    .join('');
}
