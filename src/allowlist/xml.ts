/** Escapes text for an XML attribute or element (both quote kinds, so it is safe in either). */
export function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot carry at all (its Char production) are dropped rather than written invalid.
      // eslint-disable-next-line no-control-regex
      .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
