/**
 * Bad input from the user's repository or workflow. The message names the file, the key and
 * the value, so it can be fixed without reading our code.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly file: string,
    readonly key: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(
      `${printable(file, 200)}: ${printable(key, 120)}: ${problem} (got ${describeValue(value)})`,
    );
  }
}

/**
 * A value as the error shows it: JSON, at most 80 characters (cut in the middle), control
 * characters escaped.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
  // JSON.stringify escapes control characters inside strings; keys of objects too.
  return clip(text, 80);
}

/**
 * Text from a file or the environment made safe for a terminal and a log line: control
 * characters (ESC, NUL, newlines…) shown as escapes, and long text cut in the middle with `…`.
 */
export function printable(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    const code = char.charCodeAt(0);
    return code === 0x0a
      ? '\\n'
      : code === 0x09
        ? '\\t'
        : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return clip(escaped, maxLength);
}

/**
 * Long text cut in the middle, keeping its start and its end: the end of a path is its file
 * name, and the end of a quoted value shows where it stops.
 */
function clip(text: string, maxLength: number): string {
  const characters = Array.from(text);
  if (characters.length <= maxLength) return text;
  const kept = maxLength - 1;
  const head = Math.ceil(kept / 2);
  return `${characters.slice(0, head).join('')}…${characters.slice(characters.length - (kept - head)).join('')}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `code` of a Node system error (`ENOENT`), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** A file (or a folder on its path) that does not exist. */
export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** What an InputError names as its file when the value came from the workflow's `with:`. */
export const INPUT_SOURCE = 'workflow inputs';
