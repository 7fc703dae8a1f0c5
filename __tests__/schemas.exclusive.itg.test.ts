import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseBaseline } from '../src/baseline/baseline.js';
import { parseConfigFile } from '../src/services/config.js';
import { repositoryRoot } from './support/action-runner.js';

/**
 * The JSON Schemas in schemas/ (for editors: `# yaml-language-server: $schema=…`) accept every
 * config and baseline our own parsers accept: the examples, and every one the other tests wrote
 * during this run (this file runs after them, with the exclusive tests).
 */
const ajv = new Ajv({ allErrors: true, strict: false });
const schema = (name: string): ValidateFunction =>
  ajv.compile(
    JSON.parse(readFileSync(path.join(repositoryRoot, 'schemas', name), 'utf8')) as object,
  );
const configSchema = schema('image-size.schema.json');
const baselineSchema = schema('image-size-baseline.schema.json');

function filesNamed(root: string, names: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries
    .filter((entry) => names.includes(path.basename(entry)))
    .map((entry) => path.join(root, entry))
    .filter((file) => statSync(file).isFile() && statSync(file).size < 1_000_000);
}

function accepts(validate: ValidateFunction, value: unknown): string | undefined {
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

describe('JSON Schemas for the config and the baseline', () => {
  test('the examples validate', () => {
    const config = readFileSync(
      path.join(repositoryRoot, 'examples', '.github', 'image-size.yml'),
      'utf8',
    );
    const baseline = readFileSync(
      path.join(repositoryRoot, 'examples', '.github', 'image-size-baseline.json'),
      'utf8',
    );
    expect(accepts(configSchema, parse(config))).toBeUndefined();
    expect(accepts(baselineSchema, JSON.parse(baseline))).toBeUndefined();
  });

  test("the README's config example validates", () => {
    const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');
    const example = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((block) => block.includes('defaults:') && block.includes('services:'));
    expect(accepts(configSchema, parse(example ?? ''))).toBeUndefined();
  });

  test('they refuse what the parsers refuse, for the obvious cases', () => {
    expect(accepts(configSchema, { servces: {} })).toBeDefined();
    expect(accepts(configSchema, { services: { api: { budget: '10 MBs' } } })).toBeDefined();
    expect(accepts(configSchema, { services: { api: { 'max-increase': '10' } } })).toBeDefined();
    expect(
      accepts(configSchema, { services: { api: { image: 'x', context: '.' } } }),
    ).toBeDefined();
    expect(accepts(baselineSchema, { version: 2, services: {} })).toBeDefined();
    expect(
      accepts(baselineSchema, { version: 1, services: { api: { size: -1, layers: [] } } }),
    ).toBeDefined();
  });

  const written = path.join(os.tmpdir(), 'image-size-gate-tests');
  test('every config the tests wrote that the parser accepts, the schema accepts', () => {
    let checked = 0;
    for (const file of filesNamed(written, ['image-size.yml'])) {
      const text = readFileSync(file, 'utf8');
      try {
        parseConfigFile(text, file);
      } catch {
        continue; // a bad-input test's file
      }
      expect(accepts(configSchema, parse(text)), file).toBeUndefined();
      checked += 1;
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('every baseline the tests wrote that the parser accepts, the schema accepts', () => {
    let checked = 0;
    for (const file of filesNamed(written, ['image-size-baseline.json', 'baseline.json'])) {
      const text = readFileSync(file, 'utf8');
      try {
        parseBaseline(text, file);
      } catch {
        continue;
      }
      expect(accepts(baselineSchema, JSON.parse(text)), file).toBeUndefined();
      checked += 1;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
