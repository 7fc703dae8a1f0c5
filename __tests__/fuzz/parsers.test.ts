import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseBaseline } from '../../src/baseline/baseline.js';
import { InputError } from '../../src/core/errors.js';
import { parseComposeFile } from '../../src/services/compose.js';
import { parseConfigFile } from '../../src/services/config.js';

/**
 * Thousands of random mutations of valid config, compose and baseline files: each parse either
 * succeeds or throws an InputError that names the file in under 500 characters; never another
 * exception. `npm run fuzz` runs a longer session (FUZZ_RUNS, default 20,000 per parser).
 */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);

const CONFIG = `compose: docker-compose.yml
metric: uncompressed
defaults:
  budget: 500MB
  max-increase: 10%
  warn-increase: 5%
  ignore-below: 1MB
total-budget: 4GB
services:
  api:
    context: services/api
    dockerfile: Dockerfile
    target: runtime
    args: { PYTHON_VERSION: "3.12" }
    platform: linux/amd64
    budget: 200MB
    max-increase: 5%
  worker:
    image: ghcr.io/acme/worker:1.4
`;

const COMPOSE = `x-common: &common
  build:
    context: ./services/base
services:
  api:
    build:
      context: ./services/api
      dockerfile: Dockerfile.prod
      args:
        - VERSION=\${VERSION:-1.0}
        - DEBUG
      target: runtime
      platforms: [linux/amd64]
  web:
    build: ./services/web
  worker:
    <<: *common
    extends: api
  db:
    image: postgres:16
`;

const BASELINE = `{
  "version": 1,
  "services": {
    "api": {
      "size": 183500800,
      "compressed": 61234567,
      "platform": "linux/amd64",
      "layers": [
        { "diffId": "sha256:${'a'.repeat(64)}", "size": 74800000, "compressed": 27000000,
          "instruction": "FROM debian:bookworm-slim", "base": true }
      ]
    }
  }
}
`;

const NASTY_VALUES = [
  '9'.repeat(400),
  `${'9'.repeat(400)}%`,
  '-5',
  '-5%',
  '1e309',
  'NaN',
  '[]',
  '{}',
  '~',
  'null',
  'true',
  '"\u001b[31mred"',
  '"a\u0000b"',
  '𝒳𝒴',
  '['.repeat(200),
  '{a: '.repeat(100),
  '__proto__',
  'constructor',
  '? [a]',
  '"unclosed',
  '${UNSET:?boom}',
  '$',
];

/** One edit of a file's text. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replace-value' as const),
    at: fc.nat(),
    value: fc.constantFrom(...NASTY_VALUES),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('indent' as const),
    at: fc.nat(),
    by: fc.integer({ min: -4, max: 4 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, edits: readonly Mutation[]): string {
  let result = text;
  for (const edit of edits) {
    const lines = result.split('\n');
    const line = lines.length === 0 ? 0 : edit.at % lines.length;
    switch (edit.kind) {
      case 'delete-line':
        lines.splice(line, 1);
        break;
      case 'duplicate-line':
        lines.splice(line, 0, lines[line] ?? '');
        break;
      case 'replace-value': {
        const current = lines[line] ?? '';
        const colon = current.indexOf(':');
        lines[line] =
          colon === -1 ? `${current}${edit.value}` : `${current.slice(0, colon + 1)} ${edit.value}`;
        break;
      }
      case 'insert': {
        const offset = edit.at % (result.length + 1);
        return apply(result.slice(0, offset) + edit.text + result.slice(offset), []);
      }
      case 'truncate':
        return result.slice(0, edit.at % (result.length + 1));
      case 'indent': {
        const current = lines[line] ?? '';
        lines[line] = edit.by >= 0 ? ' '.repeat(edit.by) + current : current.slice(-edit.by);
        break;
      }
    }
    result = lines.join('\n');
  }
  return result;
}

function expectParsedOrInputError(parse: () => unknown, file: string): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof InputError)) {
      throw new Error(`not an InputError: ${String(error)}`, { cause: error });
    }
    expect(error.message.startsWith(`${file}:`)).toBe(true);
    expect(error.message.length).toBeLessThanOrEqual(500);
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  }
}

describe(`parsers under random mutation (fast-check, ${RUNS} runs each)`, () => {
  const edits = fc.array(mutation, { minLength: 1, maxLength: 6 });

  test('the config file', () => {
    fc.assert(
      fc.property(edits, (list) => {
        expectParsedOrInputError(
          () => parseConfigFile(apply(CONFIG, list), 'image-size.yml'),
          'image-size.yml',
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('a compose file', () => {
    fc.assert(
      fc.property(edits, (list) => {
        expectParsedOrInputError(
          () => parseComposeFile(apply(COMPOSE, list), 'compose.yaml', { VERSION: '2.0' }),
          'compose.yaml',
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('the baseline', () => {
    fc.assert(
      fc.property(edits, (list) => {
        expectParsedOrInputError(
          () => parseBaseline(apply(BASELINE, list), 'baseline.json'),
          'baseline.json',
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('the unmutated seeds parse (the mutations start from valid files)', () => {
    expect(() => parseConfigFile(CONFIG, 'image-size.yml')).not.toThrow();
    expect(() => parseComposeFile(COMPOSE, 'compose.yaml', {})).not.toThrow();
    expect(() => parseBaseline(BASELINE, 'baseline.json')).not.toThrow();
  });
});
