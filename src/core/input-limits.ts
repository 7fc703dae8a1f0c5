import { stat, readFile } from 'node:fs/promises';
import { InputError, errorCode, errorMessage } from './errors.js';

/** Config, compose and baseline files larger than this are refused before they are read. */
export const MAX_INPUT_FILE_BYTES = 10 * 1000 * 1000;

/** Brackets nested deeper than this in JSON or YAML are refused before parsing. */
export const MAX_NESTING = 64;

/**
 * Reads a config, compose or baseline file as text, refusing what no such file can be: a
 * directory, a device (`/dev/zero`), a fifo, or a file over 10 MB. Undefined when it does not
 * exist.
 */
export async function readInputFile(file: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new InputError(
      file,
      '(file)',
      errorCode(error),
      `cannot be read: ${errorMessage(error)}`,
    );
  }
  if (!info.isFile()) {
    throw new InputError(
      file,
      '(file)',
      undefined,
      `is not a regular file (${info.isDirectory() ? 'a directory' : 'a device, fifo or socket'})`,
    );
  }
  if (info.size > MAX_INPUT_FILE_BYTES) {
    throw new InputError(
      file,
      '(file)',
      undefined,
      `is ${info.size} bytes; files over ${MAX_INPUT_FILE_BYTES / 1_000_000} MB are refused`,
    );
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(
      file,
      '(file)',
      errorCode(error),
      `cannot be read: ${errorMessage(error)}`,
    );
  }
}

export interface BracketScan {
  /** The line of the first `[` or `{` nested deeper than MAX_NESTING. */
  readonly tooDeep?: number | undefined;
  /** The innermost bracket or quote still open at the end of the text, and where it opened. */
  readonly unclosed?: { readonly line: number; readonly char: string } | undefined;
}

/**
 * Brackets and quotes outside strings, in one loop: a file of 100,000 `[` is refused before a
 * recursive parser overflows, and an unclosed bracket is blamed on the line that opened it, not
 * on the end of the file. Quotes are tracked the JSON way (`"` with backslash escapes) and, for
 * YAML, also `'…'` (with `''`) and `#` comments.
 */
export function scanBrackets(text: string, yaml: boolean): BracketScan {
  const open: { line: number; char: string }[] = [];
  let line = 1;
  let quote: { line: number; char: '"' | "'" } | undefined;
  let inComment = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (char === '\n') {
      line += 1;
      inComment = false;
      continue;
    }
    if (inComment) continue;
    if (quote?.char === '"') {
      if (char === '\\') index += 1;
      else if (char === '"') quote = undefined;
      continue;
    }
    if (quote?.char === "'") {
      if (char === "'" && text.charAt(index + 1) === "'") index += 1;
      else if (char === "'") quote = undefined;
      continue;
    }
    if (char === '"') quote = { line, char };
    else if (yaml && char === "'" && /[\s[{,:-]|^$/.test(text.charAt(index - 1))) {
      quote = { line, char };
    } else if (yaml && char === '#' && /\s|^$/.test(text.charAt(index - 1))) inComment = true;
    else if (char === '[' || char === '{') {
      open.push({ line, char });
      if (open.length > MAX_NESTING) return { tooDeep: line };
    } else if ((char === ']' || char === '}') && open.length > 0) open.pop();
  }
  return { unclosed: quote ?? open.at(-1) };
}
