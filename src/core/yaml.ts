import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { InputError, errorMessage } from './errors.js';
import { MAX_NESTING, scanBrackets } from './input-limits.js';
import { childIndex, childKey, isMapping, type Mapping } from './document.js';

/**
 * Parses one YAML document into plain values, or throws an InputError naming the file and line.
 *
 * Numbers and booleans keep their source text (`3.10` stays "3.10", not 3.1): every value we
 * read is a path, a size or a build arg, and Docker reads build args as text. Duplicate keys are
 * errors (the last one would otherwise win silently). `<<` merge keys work, as compose files
 * often use them.
 */
export function parseYaml(text: string, file: string): unknown {
  const lines = text.split(/\r?\n/);
  const lineText = (line: number): string => lines[line - 1]?.trimEnd() ?? '';
  const brackets = scanBrackets(text, true);
  if (brackets.tooDeep !== undefined) {
    throw new InputError(
      file,
      `line ${brackets.tooDeep}`,
      lineText(brackets.tooDeep),
      `nests brackets more than ${MAX_NESTING} levels deep`,
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
    // Problems become errors below; the library must not print process warnings.
    logLevel: 'error',
  });
  const [syntaxError] = document.errors;
  if (syntaxError) {
    // The parser notices a missing `]`, `}` or quote where the file ends; name where it opened.
    const opened = brackets.unclosed;
    if (opened && syntaxError.code !== 'MULTIPLE_DOCS') {
      throw new InputError(
        file,
        `line ${opened.line}`,
        lineText(opened.line),
        `invalid YAML: the ${opened.char} opened on line ${opened.line} is never closed`,
      );
    }
    const { line } = lineCounter.linePos(syntaxError.pos[0]);
    const problem =
      syntaxError.code === 'MULTIPLE_DOCS'
        ? 'the file must hold a single YAML document'
        : (syntaxError.message.split('\n')[0] ?? syntaxError.message);
    throw new InputError(file, `line ${line}`, lineText(line), `invalid YAML: ${problem}`);
  }
  rejectDuplicateKeys(document.contents, '', file, lineCounter, 0);
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
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    throw new InputError(file, '(document)', undefined, `cannot be read: ${errorMessage(error)}`);
  }
  return withoutPrototypes(value);
}

/**
 * The same value with every mapping as a null-prototype object: a name from the file
 * (`extends: constructor`, a service called `toString`) then finds only what the file says,
 * never something inherited from Object.prototype.
 */
function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) result[key] = withoutPrototypes(item);
  return result;
}

function rejectDuplicateKeys(
  node: unknown,
  keyPath: string,
  file: string,
  lineCounter: LineCounter,
  depth: number,
): void {
  const lineOf = (item: unknown): number =>
    isNode(item) && item.range ? lineCounter.linePos(item.range[0]).line : 0;
  if ((isMap(node) || isSeq(node)) && depth > MAX_NESTING) {
    throw new InputError(
      file,
      `line ${lineOf(node)}`,
      undefined,
      `nests more than ${MAX_NESTING} levels deep`,
    );
  }
  if (isMap(node)) {
    const lineByKey = new Map<string, number>();
    for (const pair of node.items) {
      const line = lineOf(pair.key);
      if (!isScalar(pair.key)) {
        throw new InputError(
          file,
          childKey(keyPath, `(key on line ${line})`),
          String(pair.key),
          'a key must be plain text, not a list or a mapping',
        );
      }
      const key = String(pair.key.value);
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
      rejectDuplicateKeys(pair.value, path, file, lineCounter, depth + 1);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      rejectDuplicateKeys(item, childIndex(keyPath, index), file, lineCounter, depth + 1);
    });
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
