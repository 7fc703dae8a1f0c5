/** Text from the repository and the image, made safe for a comment's markdown and HTML. */

/** A fenced code block whose fence is longer than any backtick run inside. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/\r\n?/g, '\n').trimEnd()}\n${fence}`;
}

/** A link target that cannot end the markdown link or open HTML: unusual characters percent-encoded. */
export function safeUrl(url: string): string {
  return Array.from(url.trim(), (character) =>
    /^[A-Za-z0-9\-._~:/?#@!$&*+,;=%]$/.test(character) ? character : percentEncode(character),
  ).join('');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '|': '&#124;',
  '@': '@&#8203;',
  '#': '#&#8203;',
};

// eslint-disable-next-line no-control-regex -- replacing control characters is the point
const HTML_UNSAFE_WHITESPACE = /\r\n|[\u0000-\u001F\u007F-\u009F]/g;

/**
 * Repository text inside raw HTML (a `<summary>`), where markdown is not parsed and backslash
 * escapes would show: entities only (also for the characters markdown would read, in case a
 * renderer does), plus the zero-width space that stops mentions and issue links; line breaks
 * and control characters become spaces.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(HTML_UNSAFE_WHITESPACE, ' ')
    .replace(/[&<>"'`[\]|@]|#(?=\d)/g, (match) => HTML_ESCAPES[match] ?? match);
}

export function percentEncode(character: string): string {
  return Array.from(
    new TextEncoder().encode(character),
    (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
}

/** The first `maxLength` code units, never splitting a surrogate pair. */
export function cutToLength(text: string, maxLength: number): string {
  let cut = text.slice(0, Math.max(0, maxLength));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}
