/**
 * Untrusted text (file names, threat names, descriptions, tool output) made inert for each place it is
 * shown. Every renderer calls these and nothing else decides how text is escaped.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that reorder what a reader sees. */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal: escape sequences (colours, cursor moves, OSC 52 clipboard writes, title changes)
 * lose their ESC/BEL/C1 introducers and print as harmless text; a lone carriage return cannot overwrite
 * the line it ends.
 */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(TERMINAL_UNSAFE, (c) => (c === '\r' ? ' ' : ''));
}

/** JSON for stdout: JSON.stringify leaves C1 controls and U+2028/9 raw; escape them too. */
export function jsonSafe(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )}\n`;
}

/** Every line break GitHub's Markdown parser or a browser honours, \r alone included. */
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029]/g;

/**
 * Text inside HTML in the job summary. Besides <>&"', the characters Markdown gives meaning to are written
 * as character references, and line breaks become <br>: a raw newline could end the HTML block, and
 * whatever followed (a heading, an image beacon, a link) would be read as Markdown.
 */
export function htmlText(text: string): string {
  return terminalSafe(text.replace(LINE_BREAKS, '\n'))
    .replace(/[&<>"'`*_[\]!#|~\\]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/\n/g, '<br>');
}

/** Longest run of characters without a chance to break the line in a table cell. */
const RUN = 24;

/**
 * `htmlText` in which every word longer than 24 characters (a path, URL or hash) gets <wbr> break chances
 * after its separators and inside long runs, so it wraps in a table cell instead of making the table scroll.
 */
export function htmlBreakable(text: string): string {
  return text
    .split(/(\s+)/)
    .map((word) =>
      word.length <= RUN
        ? htmlText(word)
        : word
            .split(/(?<=[/\\\-_.,;:=&?@)\]])/)
            .flatMap((piece) => piece.match(new RegExp(`[^]{1,${RUN}}`, 'g')) ?? [])
            .map(htmlText)
            .join('<wbr>'),
    )
    .join('');
}

/** One line of plain text for places with no room for breaks (headings, link text, annotation titles). */
export function oneLine(text: string): string {
  return terminalSafe(text.replace(LINE_BREAKS, ' '));
}
