export interface JsonSyntaxError {
  /** Offset in UTF-16 code units, as `String.prototype.slice` counts. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** What the scanner expected at the offset, e.g. `',' or '}'`. */
  readonly expected: string;
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(`expected ${expected} at ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * Finds where a JSON text first goes wrong. Only called after JSON.parse failed: V8 reports a
 * position for some errors and not others, and users need a line and column to fix the file.
 * Returns undefined when the text is valid (or too deeply nested to scan).
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    let offset = scanValue(text, skipWhitespace(text, 0));
    offset = skipWhitespace(text, offset);
    if (offset < text.length) throw new SyntaxAt(offset, 'the end of the file');
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxAt)) return undefined;
    const before = text.slice(0, error.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      offset: error.offset,
      line: before.split('\n').length,
      column: error.offset - lineStart + 1,
      expected: error.expected,
    };
  }
}

function skipWhitespace(text: string, offset: number): number {
  let position = offset;
  while (position < text.length && ' \t\n\r'.includes(text.charAt(position))) position += 1;
  return position;
}

/** Returns the offset just after the value that starts at `offset`. */
function scanValue(text: string, offset: number): number {
  const char = text.charAt(offset);
  if (char === '{') return scanObject(text, offset + 1);
  if (char === '[') return scanArray(text, offset + 1);
  if (char === '"') return scanString(text, offset + 1);
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, offset)) return offset + literal.length;
  }
  NUMBER.lastIndex = offset;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new SyntaxAt(offset, 'a value');
}

function scanObject(text: string, offset: number): number {
  let position = skipWhitespace(text, offset);
  if (text.charAt(position) === '}') return position + 1;
  for (;;) {
    if (text.charAt(position) !== '"') throw new SyntaxAt(position, 'a property name in quotes');
    position = skipWhitespace(text, scanString(text, position + 1));
    if (text.charAt(position) !== ':') throw new SyntaxAt(position, "':'");
    position = skipWhitespace(text, scanValue(text, skipWhitespace(text, position + 1)));
    const next = text.charAt(position);
    if (next === '}') return position + 1;
    if (next !== ',') throw new SyntaxAt(position, "',' or '}'");
    position = skipWhitespace(text, position + 1);
  }
}

function scanArray(text: string, offset: number): number {
  let position = skipWhitespace(text, offset);
  if (text.charAt(position) === ']') return position + 1;
  for (;;) {
    position = skipWhitespace(text, scanValue(text, position));
    const next = text.charAt(position);
    if (next === ']') return position + 1;
    if (next !== ',') throw new SyntaxAt(position, "',' or ']'");
    position = skipWhitespace(text, position + 1);
  }
}

function scanString(text: string, offset: number): number {
  let position = offset;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (code === 0x22) return position + 1;
    if (code < 0x20) throw new SyntaxAt(position, 'no control character inside a string');
    if (code === 0x5c) {
      const escaped = text.charAt(position + 1);
      if (escaped === 'u') {
        HEX4.lastIndex = position + 2;
        if (!HEX4.test(text)) throw new SyntaxAt(position, 'four hex digits after \\u');
        position += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(escaped) || escaped === '') {
        throw new SyntaxAt(position, 'a valid escape sequence');
      }
      position += 2;
      continue;
    }
    position += 1;
  }
  throw new SyntaxAt(position, 'a closing quote');
}

export interface DuplicateJsonKey {
  /** Where the object sits (`services.api`), empty at the top level. */
  readonly path: string;
  readonly key: string;
  readonly firstLine: number;
  readonly secondLine: number;
}

/**
 * The first key that appears twice in one object of a valid JSON text. JSON.parse keeps the last
 * silently; in a baseline that is a merge gone wrong. Call it only on text JSON.parse accepted and
 * whose nesting is bounded (see scanBrackets).
 */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | undefined {
  let found: DuplicateJsonKey | undefined;
  const lineAt = (offset: number): number => text.slice(0, offset).split('\n').length;

  const value = (offset: number, path: string): number => {
    const char = text.charAt(offset);
    if (char === '{') return object(offset + 1, path);
    if (char === '[') return array(offset + 1, path);
    return scanValue(text, offset);
  };
  const object = (offset: number, path: string): number => {
    const seen = new Map<string, number>();
    let position = skipWhitespace(text, offset);
    if (text.charAt(position) === '}') return position + 1;
    for (;;) {
      const keyEnd = scanString(text, position + 1);
      const key = JSON.parse(text.slice(position, keyEnd)) as string;
      const first = seen.get(key);
      if (first !== undefined && found === undefined) {
        found = { path, key, firstLine: lineAt(first), secondLine: lineAt(position) };
      }
      seen.set(key, position);
      position = skipWhitespace(text, keyEnd);
      position = skipWhitespace(text, value(skipWhitespace(text, position + 1), join(path, key)));
      if (text.charAt(position) === '}') return position + 1;
      position = skipWhitespace(text, position + 1);
    }
  };
  const array = (offset: number, path: string): number => {
    let position = skipWhitespace(text, offset);
    if (text.charAt(position) === ']') return position + 1;
    for (let index = 0; ; index += 1) {
      position = skipWhitespace(text, value(position, `${path}[${index}]`));
      if (text.charAt(position) === ']') return position + 1;
      position = skipWhitespace(text, position + 1);
    }
  };
  try {
    value(skipWhitespace(text, 0), '');
  } catch {
    return undefined;
  }
  return found;
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return path === '' ? segment : `${path}.${segment}`;
}
