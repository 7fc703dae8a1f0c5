import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { InputError, errorMessage } from './errors.js';
import { MAX_NESTING, scanBrackets } from './input-limits.js';
import { childIndex, childKey, isMapping, type Mapping } from './document.js';

/**
 * Parses one YAML document into plain values, or throws an InputError naming the file and line.
 *
 * Numbers and booleans keep their source text (`3.10` stays "3.10", not 3.1): every value we
 * read is a path, a size or a build arg, and Docker reads build args as text. Duplicate keys are
 * errors (the last one would otherwise win silently). `<<` merge keys work, as compose files
 * often use them; an alias inside the node its anchor names (`&a { B: *a }`) is an error, as its
 * value would never end.
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
  checkNodes(document.contents, '', { file, lineCounter, anchors: new Map() }, []);
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

interface NodeCheck {
  readonly file: string;
  readonly lineCounter: LineCounter;
  /** The nodes anchors name so far, in document order: an alias means the latest before it. */
  readonly anchors: Map<string, unknown>;
}

/**
 * Walks the syntax tree once, in document order: a key written twice, a key that is not plain
 * text, nesting deeper than MAX_NESTING, and an alias that names a node it is inside (`&a` on a
 * mapping holding `*a`, directly or through other anchors), which would make the value endless.
 * Aliases are not followed: an alias can only name a node that starts before it, so a cycle
 * always runs through a node that contains the alias, which `ancestors` holds.
 */
function checkNodes(
  node: unknown,
  keyPath: string,
  check: NodeCheck,
  ancestors: readonly unknown[],
): void {
  const { file, lineCounter, anchors } = check;
  const lineOf = (item: unknown): number =>
    isNode(item) && item.range ? lineCounter.linePos(item.range[0]).line : 0;
  if (isAlias(node)) {
    const target = anchors.get(node.source);
    if (target !== undefined && ancestors.includes(target)) {
      throw new InputError(
        file,
        keyPath,
        `*${node.source}`,
        `is an alias of &${node.source} (line ${lineOf(target)}), which contains it, so its value would never end; write the values out, or anchor a part without the alias`,
      );
    }
    return;
  }
  if (isNode(node) && node.anchor !== undefined) anchors.set(node.anchor, node);
  if ((isMap(node) || isSeq(node)) && ancestors.length > MAX_NESTING) {
    throw new InputError(
      file,
      `line ${lineOf(node)}`,
      undefined,
      `nests more than ${MAX_NESTING} levels deep`,
    );
  }
  const inside = [...ancestors, node];
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
      if (pair.key.anchor !== undefined) anchors.set(pair.key.anchor, pair.key);
      // A merge key's value is a symbol: the path says `<<`, as the file does.
      const { value } = pair.key;
      const key = typeof value === 'symbol' ? (value.description ?? '<<') : String(value);
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
      checkNodes(pair.value, path, check, inside);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      checkNodes(item, childIndex(keyPath, index), check, inside);
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
