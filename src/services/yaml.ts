import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { InputError, errorMessage } from '../errors.js';

export type Mapping = Readonly<Record<string, unknown>>;

/**
 * Parses one YAML document into plain values, or throws an InputError naming the file and line.
 *
 * Numbers and booleans keep their source text (`3.10` stays "3.10", not 3.1): every value we
 * read is a path, a size or a build arg, and Docker reads build args as text. Duplicate keys are
 * errors (the last one would otherwise win silently). `<<` merge keys work, as compose files
 * often use them.
 */
export function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
  });
  const [syntaxError] = document.errors;
  if (syntaxError) {
    const { line } = lineCounter.linePos(syntaxError.pos[0]);
    const lineText = text.split(/\r?\n/)[line - 1]?.trimEnd() ?? '';
    const problem =
      syntaxError.code === 'MULTIPLE_DOCS'
        ? 'the file must hold a single YAML document'
        : syntaxError.message;
    throw new InputError(file, `line ${line}`, lineText, `invalid YAML: ${problem}`);
  }
  rejectDuplicateKeys(document.contents, '', file, lineCounter);
  visit(document, {
    Scalar(_key, node) {
      if (
        (typeof node.value === 'number' || typeof node.value === 'boolean') &&
        node.source !== undefined
      ) {
        node.value = node.source;
      }
    },
  });
  try {
    return document.toJS();
  } catch (error) {
    throw new InputError(file, '(document)', undefined, `cannot be read: ${errorMessage(error)}`);
  }
}

function rejectDuplicateKeys(
  node: unknown,
  keyPath: string,
  file: string,
  lineCounter: LineCounter,
): void {
  if (isMap(node)) {
    const lineByKey = new Map<string, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const line =
        isNode(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : 0;
      const path = childKey(keyPath, key);
      const firstLine = lineByKey.get(key);
      if (firstLine !== undefined) {
        throw new InputError(
          file,
          path,
          key,
          `is defined twice (lines ${firstLine} and ${line}); each key may appear once`,
        );
      }
      lineByKey.set(key, line);
      rejectDuplicateKeys(pair.value, path, file, lineCounter);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      rejectDuplicateKeys(item, childIndex(keyPath, index), file, lineCounter);
    });
  }
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function childKey(parent: string, key: string): string {
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

/** A mapping, or an empty one for a key written without a value (`defaults:`). */
export function optionalMapping(
  value: unknown,
  keyPath: string,
  file: string,
  expected: string,
): Mapping {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new InputError(file, keyPath, value, `must be ${expected}`);
  return value;
}

/** A non-empty string, or undefined when the key is absent. */
export function optionalString(value: unknown, keyPath: string, file: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(file, keyPath, value, 'must be a non-empty string');
  }
  return value;
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
