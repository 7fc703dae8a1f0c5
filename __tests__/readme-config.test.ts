import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parseConfigFile } from '../src/services/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('the config example in the README is a valid config', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const example = blocks.find(
    (block) => block.includes('defaults:') && block.includes('services:'),
  );
  expect(example).toBeDefined();
  const config = parseConfigFile(example ?? '', 'README.md');
  expect(config.defaults.maxWasted).toBe(20_000_000);
  expect(config.defaults.minEfficiency).toBeCloseTo(0.95);
  expect(config.services.map((service) => service.name)).toEqual(['api', 'worker']);
});
