import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/services/config.js';
import { expectInputError } from './expect-input-error.js';

const FILE = '.github/image-size.yml';

const FULL_CONFIG = `
compose: docker-compose.yml
metric: compressed
defaults:
  budget: 500MB
  max-increase: 10%
  warn-increase: 5%
  ignore-below: 1MB
  max-wasted: 20MB
  min-efficiency: 90%
  max-layers: 15
  no-new-layers: false
total-budget: 4GB
services:
  api:
    context: services/api
    dockerfile: Dockerfile.prod
    target: runtime
    args: { PYTHON_VERSION: 3.10, WORKERS: 4, DEBUG: false, NAME: api }
    platform: linux/amd64
    budget: 200MB
    max-increase: 25MB
    warn-increase: 2.5%
    ignore-below: 512KiB
    max-wasted: 10MB
    min-efficiency: 0.95
    max-layers: 12
    no-new-layers: true
  worker:
    image: ghcr.io/acme/worker:1.4
`;

describe('parseConfigFile', () => {
  it('reads every key, with sizes in bytes and increases parsed', () => {
    expect(parseConfigFile(FULL_CONFIG, FILE)).toEqual({
      file: FILE,
      compose: ['docker-compose.yml'],
      metric: 'compressed',
      defaults: {
        budget: 500e6,
        maxIncrease: { kind: 'percent', percent: 10 },
        warnIncrease: { kind: 'percent', percent: 5 },
        ignoreBelow: 1e6,
        maxWasted: 20e6,
        minEfficiency: 0.9,
        maxLayers: 15,
        noNewLayers: false,
      },
      totalBudget: 4e9,
      services: [
        {
          name: 'api',
          context: 'services/api',
          dockerfile: 'Dockerfile.prod',
          target: 'runtime',
          // Numbers and booleans keep their text: 3.10 must not become "3.1".
          args: { PYTHON_VERSION: '3.10', WORKERS: '4', DEBUG: 'false', NAME: 'api' },
          platforms: { platforms: ['linux/amd64'], file: FILE, key: 'services.api.platform' },
          image: undefined,
          limits: {
            budget: 200e6,
            maxIncrease: { kind: 'bytes', bytes: 25e6 },
            warnIncrease: { kind: 'percent', percent: 2.5 },
            ignoreBelow: 512 * 1024,
            maxWasted: 10e6,
            minEfficiency: 0.95,
            maxLayers: 12,
            noNewLayers: true,
          },
        },
        {
          name: 'worker',
          context: undefined,
          dockerfile: undefined,
          target: undefined,
          args: undefined,
          platforms: undefined,
          image: 'ghcr.io/acme/worker:1.4',
          limits: {
            budget: undefined,
            maxIncrease: undefined,
            warnIncrease: undefined,
            ignoreBelow: undefined,
            maxWasted: undefined,
            minEfficiency: undefined,
            maxLayers: undefined,
            noNewLayers: undefined,
          },
        },
      ],
    });
  });

  it.each([
    ['an empty file', ''],
    ['only a comment', '# nothing yet\n'],
    ['empty sections', 'defaults:\nservices:\n'],
  ])('accepts %s', (_, text) => {
    const config = parseConfigFile(text, FILE);
    expect(config.services).toEqual([]);
    expect(config.compose).toBeUndefined();
    expect(config.defaults.budget).toBeUndefined();
  });

  it.each([
    ['a single string', 'compose: compose.yaml', ['compose.yaml']],
    ['a list', 'compose: [compose.yaml, compose.prod.yaml]', ['compose.yaml', 'compose.prod.yaml']],
  ])('reads compose as %s', (_, text, files) => {
    expect(parseConfigFile(text, FILE).compose).toEqual(files);
  });

  it('reads a bare number as bytes', () => {
    expect(parseConfigFile('total-budget: 1048576', FILE).totalBudget).toBe(1048576);
  });

  it('keeps a service written without settings, for a compose service to fill in', () => {
    const [service] = parseConfigFile('services:\n  api:\n', FILE).services;
    expect(service?.name).toBe('api');
    expect(service?.context).toBeUndefined();
  });

  it.each([
    ['top-level key', 'servics: {}', ['servics', 'did you mean `services`?']],
    ['defaults key', 'defaults:\n  budjet: 1MB', ['defaults.budjet', '"1MB"']],
    [
      'service key',
      'services:\n  api:\n    context: .\n    budjet: 200MB',
      ['services.api.budjet', '"200MB"', 'did you mean `budget`?'],
    ],
  ])('rejects an unknown %s', (_, text, parts) => {
    expectInputError(() => parseConfigFile(text, FILE), [FILE, 'unknown key', ...parts]);
  });

  it.each([
    ['defaults.budget', 'defaults:\n  budget: 10 MBs', '"10 MBs"'],
    ['defaults.budget', 'defaults:\n  budget: -1', '"-1"'],
    ['defaults.ignore-below', 'defaults:\n  ignore-below: abc', '"abc"'],
    ['defaults.max-increase', 'defaults:\n  max-increase: -5%', '"-5%"'],
    ['defaults.warn-increase', 'defaults:\n  warn-increase: abc', '"abc"'],
    ['defaults.max-creep', 'defaults:\n  max-creep: -5%', '"-5%"'],
    ['services.api.max-creep', 'services:\n  api:\n    context: .\n    max-creep: 20', '20'],
    ['total-budget', 'total-budget: 4 GBs', '"4 GBs"'],
    ['total-budget', 'total-budget: [4GB]', '["4GB"]'],
    ['services.api.budget', 'services:\n  api:\n    context: .\n    budget: 10 MBs', '"10 MBs"'],
    [
      'services.api.max-increase',
      'services:\n  api:\n    context: .\n    max-increase: -5%',
      '"-5%"',
    ],
    ['services.api.budget', 'services:\n  api:\n    context: .\n    budget:', 'null'],
  ])('rejects a bad size at %s', (key, text, value) => {
    expectInputError(() => parseConfigFile(text, FILE), [FILE, key, value]);
  });

  it.each([
    ['min-efficiency: 90%', 'minEfficiency', 0.9],
    ['min-efficiency: 0.9', 'minEfficiency', 0.9],
    ['min-efficiency: 100%', 'minEfficiency', 1],
    ['min-efficiency: 0', 'minEfficiency', 0],
    ['min-efficiency: 1', 'minEfficiency', 1],
    ['min-efficiency: 82.1%', 'minEfficiency', 0.821],
    ['max-layers: 1', 'maxLayers', 1],
    ['max-wasted: 0', 'maxWasted', 0],
    ['max-wasted: 1.5GB', 'maxWasted', 1.5e9],
    ['no-new-layers: true', 'noNewLayers', true],
    ['no-new-layers: True', 'noNewLayers', true],
    ['no-new-layers: false', 'noNewLayers', false],
  ] as const)('reads `%s` in defaults and in a service', (line, field, expected) => {
    const config = parseConfigFile(
      `defaults:\n  ${line}\nservices:\n  api:\n    context: .\n    ${line}`,
      FILE,
    );
    expect(config.defaults[field]).toBe(expected);
    expect(config.services[0]?.limits[field]).toBe(expected);
  });

  it.each([
    ['max-wasted', '10 MBs', '"10 MBs"', 'must be a size'],
    ['max-wasted', '-1MB', '"-1MB"', 'must be a size'],
    ['max-wasted', '[1MB]', '["1MB"]', 'must be a size'],
    ['min-efficiency', '120%', '"120%"', 'a percentage from 0% to 100%'],
    ['min-efficiency', '100.1%', '"100.1%"', 'a percentage from 0% to 100%'],
    ['min-efficiency', '1.5', '"1.5"', 'a fraction from 0 to 1'],
    ['min-efficiency', '90', '"90"', 'did you mean 90%?'],
    ['min-efficiency', '-0.5', '"-0.5"', 'a fraction from 0 to 1'],
    ['min-efficiency', 'high', '"high"', 'a fraction from 0 to 1'],
    ['min-efficiency', 'true', '"true"', 'a fraction from 0 to 1'],
    ['max-layers', '0', '"0"', 'must be a whole number of layers, 1 or more'],
    ['max-layers', '-3', '"-3"', 'must be a whole number of layers'],
    ['max-layers', '2.5', '"2.5"', 'must be a whole number of layers'],
    ['max-layers', 'ten', '"ten"', 'must be a whole number of layers'],
    ['max-layers', '{}', '{}', 'must be a whole number of layers'],
    ['no-new-layers', 'maybe', '"maybe"', 'must be true or false'],
    ['no-new-layers', 'yes', '"yes"', 'must be true or false'],
    ['no-new-layers', '1', '"1"', 'must be true or false'],
    ['no-new-layers', '', 'null', 'must be true or false'],
  ])('rejects %s: %s, in defaults and in a service', (key, value, shown, problem) => {
    expectInputError(
      () => parseConfigFile(`defaults:\n  ${key}: ${value}`, FILE),
      [FILE, `defaults.${key}`, `(got ${shown})`, problem],
    );
    expectInputError(
      () => parseConfigFile(`services:\n  api:\n    context: .\n    ${key}: ${value}`, FILE),
      [FILE, `services.api.${key}`, `(got ${shown})`, problem],
    );
  });

  it('suggests the new limit keys for a typo', () => {
    expectInputError(
      () => parseConfigFile('defaults:\n  max-layer: 3', FILE),
      [FILE, 'defaults.max-layer', 'did you mean `max-layers`?'],
    );
  });

  it.each([
    ['metric', 'metric: bytes', '"bytes"'],
    ['(top level)', '- api', '["api"]'],
    ['services', 'services: [api]', '["api"]'],
    ['defaults', 'defaults: 500MB', '"500MB"'],
    ['compose', 'compose: []', '[]'],
    ['compose[1]', 'compose: [a.yml, {}]', '{}'],
    ['services.api', 'services:\n  api: services/api', '"services/api"'],
    ['services.api.context', 'services:\n  api:\n    context: ""', '""'],
    ['services.api.args', 'services:\n  api:\n    context: .\n    args: [A=1]', '["A=1"]'],
    ['services.api.args.A', 'services:\n  api:\n    context: .\n    args: { A: [1] }', '["1"]'],
    ['services.api.args.A', 'services:\n  api:\n    context: .\n    args: { A: }', 'null'],
    ['services.api.image', 'services:\n  api:\n    image: { name: x }', '{"name":"x"}'],
  ])('rejects a bad value at %s', (key, text, value) => {
    expectInputError(() => parseConfigFile(text, FILE), [FILE, key, value]);
  });

  it.each([
    ['-api', 'services.-api'],
    ['my api', 'services["my api"]'],
    ['api/v2', 'services["api/v2"]'],
    ['_api', 'services._api'],
    ['ä', 'services["ä"]'],
  ])('rejects the service name %j', (name, keyPath) => {
    expectInputError(
      () => parseConfigFile(`services:\n  "${name}":\n    context: .`, FILE),
      [FILE, keyPath, JSON.stringify(name), 'not a valid service name'],
    );
  });

  it.each(['context', 'dockerfile', 'target', 'args'])(
    'rejects `image` together with `%s`',
    (key) => {
      const value = key === 'args' ? '{ A: "1" }' : 'x';
      expectInputError(
        () => parseConfigFile(`services:\n  api:\n    image: nginx\n    ${key}: ${value}`, FILE),
        [FILE, `services.api.${key}`, 'cannot be combined with `image`'],
      );
    },
  );

  it('allows `image` with a platform and limits', () => {
    const config = parseConfigFile(
      'services:\n  db:\n    image: postgres:16\n    platform: linux/arm64\n    budget: 1GB',
      FILE,
    );
    expect(config.services[0]).toMatchObject({
      image: 'postgres:16',
      platforms: { platforms: ['linux/arm64'] },
      limits: { budget: 1e9 },
    });
  });

  it('reads a list of platforms, and refuses one with platform, a duplicate or an unknown one', () => {
    const config = parseConfigFile(
      'services:\n  api:\n    context: .\n    platforms: [linux/amd64, linux/arm64]',
      FILE,
    );
    expect(config.services[0]?.platforms).toEqual({
      platforms: ['linux/amd64', 'linux/arm64'],
      file: FILE,
      key: 'services.api.platforms',
    });
    const cases: [string, string[]][] = [
      [
        'platform: linux/amd64\n    platforms: [linux/arm64]',
        ['services.api.platforms', 'cannot be combined with `platform`'],
      ],
      [
        'platforms: [linux/amd64, linux/amd64]',
        ['services.api.platforms[1]', '"linux/amd64"', 'is listed twice'],
      ],
      ['platforms: [linux/amd64, linux/arm]', []],
      ['platforms: [linux/sparc, wasi/wasm, Linux/x86_64]', []],
      [
        'platforms: [linux/amd64, linux//sparc]',
        ['services.api.platforms[1]', '"linux//sparc"', 'the architecture is empty'],
      ],
      ['platforms: []', ['services.api.platforms', 'must be a list of platforms']],
      ['platforms: linux/amd64', ['services.api.platforms', 'must be a list of platforms']],
      ['platform: amd64', ['services.api.platform', '"amd64"', 'is not a platform']],
    ];
    for (const [lines, parts] of cases) {
      const text = `services:\n  api:\n    context: .\n    ${lines}`;
      if (parts.length === 0) expect(() => parseConfigFile(text, FILE)).not.toThrow();
      else expectInputError(() => parseConfigFile(text, FILE), [FILE, ...parts]);
    }
  });

  it('rejects a service named twice, naming it', () => {
    const text =
      'services:\n  api:\n    context: a\n  web:\n    context: w\n  api:\n    context: b';
    expectInputError(() => parseConfigFile(text, FILE), [FILE, 'services.api', 'lines 2 and 6']);
  });

  it.each([
    ['a bad indent', 'services:\n  api:\n    context: .\n   budget: 1MB\n', 'line 4'],
    // Blamed on the line where the bracket opened, not on the end of the file.
    ['an unclosed flow mapping', 'services: { api: { context: . }\n', 'line 1'],
    ['a tab indent', 'services:\n\tapi: {}\n', 'line 2'],
    ['two documents', 'metric: compressed\n---\nmetric: uncompressed\n', 'line 2'],
  ])('names the file and line of %s', (_, text, line) => {
    expectInputError(() => parseConfigFile(text, FILE), [FILE, line, 'invalid YAML']);
  });
});
