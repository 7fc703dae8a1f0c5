import { InputError, errorMessage } from './errors.js';
import { MAX_NESTING, scanBrackets } from './input-limits.js';
import { findDuplicateJsonKey, locateJsonSyntaxError } from './json-syntax.js';

/**
 * The one strict reader for the documents users and earlier runs hand us (config, compose,
 * baseline, JSON reports): every check throws an InputError naming the file, the key path and
 * the value. (Answers from GitHub or the engine are read leniently with `json-guards.ts`.)
 */

export type Mapping = Readonly<Record<string, unknown>>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `parent.key`, or `parent["my key"]` when the key itself has a dot or a space and the dotted
 * path would be ambiguous. The top level is written as `''`.
 */
export function childKey(parent: string, key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function childIndex(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Throws for the first key not in `known`, suggesting the nearest known key. */
export function rejectUnknownKeys(
  mapping: Mapping,
  known: readonly string[],
  keyPath: string,
  file: string,
): void {
  for (const [key, value] of Object.entries(mapping)) {
    if (known.includes(key)) continue;
    const suggestion = known.find((candidate) => editDistance(candidate, key) <= 2);
    const hint = suggestion === undefined ? '' : `did you mean \`${suggestion}\`? `;
    throw new InputError(
      file,
      childKey(keyPath, key),
      value,
      `unknown key; ${hint}known keys here: ${known.join(', ')}`,
    );
  }
}

/**
 * Parses a JSON document we will read strictly. A file nested deeper than any document of ours
 * could be, a syntax error (with its line and column: V8 gives a position for some errors only)
 * and a key written twice (as after a merge gone wrong) are errors that name where they are.
 */
export function parseJsonDocument(text: string, file: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const tooDeep = scanBrackets(body, false).tooDeep;
  if (tooDeep !== undefined) {
    throw new InputError(
      file,
      `line ${tooDeep}`,
      body.split('\n')[tooDeep - 1]?.trim(),
      `nests more than ${MAX_NESTING} levels deep`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch (error) {
    const syntax = locateJsonSyntaxError(body);
    if (syntax === undefined) {
      throw new InputError(file, '(file)', undefined, `is not valid JSON: ${errorMessage(error)}`);
    }
    const found = body.slice(syntax.offset, syntax.offset + 20);
    throw new InputError(
      file,
      `line ${syntax.line}, column ${syntax.column}`,
      found === '' ? undefined : found,
      `is not valid JSON: expected ${syntax.expected}`,
    );
  }
  const duplicate = findDuplicateJsonKey(body);
  if (duplicate) {
    throw new InputError(
      file,
      duplicate.path === '' ? duplicate.key : `${duplicate.path}.${duplicate.key}`,
      duplicate.key,
      `is defined twice (lines ${duplicate.firstLine} and ${duplicate.secondLine}), as after a merge gone wrong; keep one`,
    );
  }
  return parsed;
}

/** Typed reads of a parsed document; `fail` is the one way a problem leaves. */
export class DocumentReader {
  constructor(readonly file: string) {}

  fail(key: string, value: unknown, problem: string): never {
    throw new InputError(this.file, key, value, problem);
  }

  /** The top-level object of `document`. */
  root(document: unknown): ObjectReader {
    return this.object(document, '');
  }

  object(value: unknown, key: string): ObjectReader {
    if (!isMapping(value)) return this.fail(key || '(top level)', value, 'must be an object');
    return new ObjectReader(this, value, key);
  }

  string(value: unknown, key: string): string {
    return typeof value === 'string' ? value : this.fail(key, value, 'must be a string');
  }

  boolean(value: unknown, key: string): boolean {
    return typeof value === 'boolean' ? value : this.fail(key, value, 'must be true or false');
  }

  bytes(value: unknown, key: string): number {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? value
      : this.fail(key, value, 'must be a whole number of bytes (0 or more)');
  }

  integer(value: unknown, key: string): number {
    return typeof value === 'number' && Number.isSafeInteger(value)
      ? value
      : this.fail(key, value, 'must be a whole number');
  }
}

/** One object of a document and its key path (`services[2].image`; `''` at the top). */
export class ObjectReader {
  constructor(
    readonly reader: DocumentReader,
    readonly members: Mapping,
    readonly path: string,
  ) {}

  value(name: string): unknown {
    // Own keys only: `constructor` or `__proto__` in the file must not read inherited values.
    return Object.hasOwn(this.members, name) ? this.members[name] : undefined;
  }

  /** The file says something (neither missing nor null) under `name`. */
  has(name: string): boolean {
    return this.value(name) != null;
  }

  key(name: string): string {
    return childKey(this.path, name);
  }

  /** Throws for a key this version does not know, suggesting the nearest known one. */
  rejectUnknownKeys(known: readonly string[]): void {
    rejectUnknownKeys(this.members, known, this.path, this.reader.file);
  }

  string(name: string): string {
    return this.reader.string(this.value(name), this.key(name));
  }

  boolean(name: string): boolean {
    return this.reader.boolean(this.value(name), this.key(name));
  }

  bytes(name: string): number {
    return this.reader.bytes(this.value(name), this.key(name));
  }

  integer(name: string): number {
    return this.reader.integer(this.value(name), this.key(name));
  }

  object(name: string): ObjectReader {
    return this.reader.object(this.value(name), this.key(name));
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.value(name);
    const found = allowed.find((option) => option === value);
    return (
      found ?? this.reader.fail(this.key(name), value, `must be one of: ${allowed.join(', ')}`)
    );
  }

  /** A duration: a finite number of seconds, 0 or more. */
  seconds(name: string): number {
    const value = this.value(name);
    return typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? value
      : this.reader.fail(this.key(name), value, 'must be a number of seconds (0 or more)');
  }

  /** A key that may be left out: missing or null both read as undefined. */
  optional<T>(name: string, read: (value: unknown, key: string) => T): T | undefined {
    const value = this.value(name);
    return value === undefined || value === null ? undefined : read(value, this.key(name));
  }

  /** The value, or null when the file says null; a missing key is an error, not null. */
  nullable<T>(name: string, read: (value: unknown, key: string) => T): T | null {
    const value = this.value(name);
    const key = this.key(name);
    if (value === undefined) return this.reader.fail(key, value, 'is missing (use null for none)');
    return value === null ? null : read(value, key);
  }

  list<T>(name: string, read: (item: ItemReader) => T): T[] {
    const value = this.value(name);
    const key = this.key(name);
    if (!Array.isArray(value)) return this.reader.fail(key, value, 'must be a list');
    return value.map((item: unknown, index) =>
      read(new ItemReader(this.reader, item, childIndex(key, index))),
    );
  }

  /** Every member as `[name, reader of the value's key path]`, in file order. */
  entries(): [string, ItemReader][] {
    return Object.keys(this.members).map((name) => [
      name,
      new ItemReader(this.reader, this.members[name], this.key(name)),
    ]);
  }
}

/** One value of a list or a map, with its key path (`services[2]`). */
export class ItemReader {
  constructor(
    readonly reader: DocumentReader,
    readonly item: unknown,
    readonly path: string,
  ) {}

  asObject(): ObjectReader {
    return this.reader.object(this.item, this.path);
  }

  self<T>(read: (value: unknown, key: string) => T): T {
    return read(this.item, this.path);
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
