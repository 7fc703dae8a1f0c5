import { INPUT_SOURCE } from '../src/core/errors.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../src/core/errors.js';
import {
  DEFAULT_BASELINE,
  DEFAULT_CONFIG,
  parseBuildArgs,
  parseInputs,
  splitList,
  type Inputs,
} from '../src/inputs.js';
import { expectInputError } from './services/expect-input-error.js';

const WORKSPACE = path.resolve('/workspace/repo');
const RUNNER_TEMP = path.resolve('/runner/temp');
const CWD = path.resolve('/somewhere/else');
const ENV: NodeJS.ProcessEnv = { GITHUB_WORKSPACE: WORKSPACE, RUNNER_TEMP };

function reader(values: Readonly<Record<string, string>>): (name: string) => string {
  return (name) => values[name] ?? '';
}

function parseWith(values: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = ENV): Inputs {
  return parseInputs(reader(values), env, CWD);
}

/** The inputs action.yml declares, with their defaults ('' when it has none). */
function actionYmlDefaults(): Record<string, string> {
  const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
    inputs: Record<string, { default?: string | number | boolean }>;
  };
  return Object.fromEntries(
    Object.entries(action.inputs).map(([name, input]) => [
      name,
      input.default === undefined ? '' : String(input.default),
    ]),
  );
}

/** What the runner passes for a default: expressions (`${{ github.token }}`) are not literal. */
function literalDefaults(defaults: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(defaults).filter(([, value]) => !value.includes('${{')));
}

describe('parseInputs defaults', () => {
  const expectedDefaults: Inputs = {
    workingDirectory: WORKSPACE,
    configPath: path.join(WORKSPACE, DEFAULT_CONFIG),
    configExplicit: false,
    composeFiles: undefined,
    baselinePath: path.join(WORKSPACE, DEFAULT_BASELINE),
    reportPath: path.join(RUNNER_TEMP, 'image-size-gate', 'report.json'),
    mode: 'check',
    serviceFilter: [],
    metric: undefined,
    budget: undefined,
    maxIncrease: { kind: 'percent', percent: 10 },
    warnIncrease: undefined,
    maxCreep: undefined,
    ignoreBelow: 1_000_000,
    maxWasted: undefined,
    minEfficiency: undefined,
    maxLayers: undefined,
    noNewLayers: false,
    totalBudget: undefined,
    failOn: 'any',
    cache: 'gha',
    cacheScope: 'image-size-gate',
    builder: undefined,
    load: false,
    platforms: undefined,
    buildArgs: {},
    parallel: 2,
    analyze: 'auto',
    comment: 'auto',
    commentKey: '',
    githubToken: '',
    reports: [],
    shards: undefined,
    approveLabel: 'image-size-approved',
  };

  test('every input unset', () => {
    expect(parseWith({})).toStrictEqual(expectedDefaults);
  });

  test("action.yml's defaults mean the same as unset inputs (the CLI passes none)", () => {
    const defaults = literalDefaults(actionYmlDefaults());
    expect(Object.keys(defaults)).toContain('max-increase');
    expect(parseWith(defaults)).toStrictEqual(expectedDefaults);
  });

  test('every input parseInputs reads is declared in action.yml', () => {
    const asked = new Set<string>();
    parseInputs(
      (name) => {
        asked.add(name);
        return '';
      },
      ENV,
      CWD,
    );
    expect(asked.size).toBeGreaterThan(15);
    const declared = Object.keys(actionYmlDefaults());
    expect([...asked].filter((name) => !declared.includes(name))).toEqual([]);
  });

  test('values are trimmed and enumerations are case-insensitive', () => {
    const inputs = parseWith({
      mode: ' UPDATE ',
      comment: 'Always',
      metric: 'Compressed',
      'fail-on': 'Budget',
      cache: 'NONE',
      builder: '  my-builder  ',
    });
    expect(inputs.mode).toBe('update');
    expect(inputs.comment).toBe('always');
    expect(inputs.metric).toBe('compressed');
    expect(inputs.failOn).toBe('budget');
    expect(inputs.cache).toBe('none');
    expect(inputs.builder).toBe('my-builder');
  });

  test('every value, set', () => {
    const inputs = parseWith({
      mode: 'update',
      services: 'web, api\nworker-*',
      metric: 'compressed',
      budget: '500MB',
      'max-increase': '25MB',
      'warn-increase': '2.5%',
      'max-creep': '20%',
      'ignore-below': '300 KiB',
      'total-budget': '1.5GB',
      'fail-on': 'never',
      cache: 'none',
      'cache-scope': 'my_scope.v2-x',
      platform: 'linux/arm64/v8',
      'build-args': 'A=1\nB=2',
      parallel: '64',
      'max-wasted': '10MB',
      'min-efficiency': '90%',
      'max-layers': '12',
      'no-new-layers': 'true',
      analyze: 'all',
    });
    expect(inputs).toMatchObject({
      mode: 'update',
      serviceFilter: ['web', 'api', 'worker-*'],
      metric: 'compressed',
      budget: 500_000_000,
      maxIncrease: { kind: 'bytes', bytes: 25_000_000 },
      warnIncrease: { kind: 'percent', percent: 2.5 },
      maxCreep: { kind: 'percent', percent: 20 },
      ignoreBelow: 300 * 1024,
      totalBudget: 1_500_000_000,
      failOn: 'never',
      cache: 'none',
      cacheScope: 'my_scope.v2-x',
      platforms: { platforms: ['linux/arm64/v8'], file: 'workflow inputs', key: 'platform' },
      buildArgs: { A: '1', B: '2' },
      parallel: 64,
      maxWasted: 10_000_000,
      minEfficiency: 0.9,
      maxLayers: 12,
      noNewLayers: true,
      analyze: 'all',
    });
  });
});

describe('parseInputs: image-shape limits and analyze', () => {
  test.each<[string, string, unknown]>([
    ['max-wasted', '10MB', 10_000_000],
    ['max-wasted', '0', 0],
    ['max-wasted', '1.5 MiB', 1.5 * 1024 * 1024],
    ['min-efficiency', '90%', 0.9],
    ['min-efficiency', '0.9', 0.9],
    ['min-efficiency', '.95', 0.95],
    ['min-efficiency', '99.9%', 0.999],
    ['min-efficiency', '100%', 1],
    ['min-efficiency', '0%', 0],
    ['min-efficiency', '1', 1],
    ['min-efficiency', '0', 0],
    ['max-layers', '1', 1],
    ['max-layers', ' 12 ', 12],
    ['no-new-layers', 'true', true],
    ['no-new-layers', 'True', true],
    ['no-new-layers', 'false', false],
    ['no-new-layers', 'FALSE', false],
    ['analyze', 'auto', 'auto'],
    ['analyze', 'all', 'all'],
    ['analyze', 'None', 'none'],
  ])('%s: %j', (name, value, expected) => {
    const field = {
      'max-wasted': 'maxWasted',
      'min-efficiency': 'minEfficiency',
      'max-layers': 'maxLayers',
      'no-new-layers': 'noNewLayers',
      analyze: 'analyze',
    }[name] as keyof Inputs;
    expect(parseWith({ [name]: value })[field]).toEqual(expected);
  });

  test.each([
    ['max-layers', '0', 'whole number of layers, 1 or more'],
    ['max-layers', '-1', 'whole number of layers'],
    ['max-layers', '1.5', 'whole number of layers'],
    ['max-layers', 'twelve', 'whole number of layers'],
    ['min-efficiency', '120%', 'from 0% to 100%'],
    ['min-efficiency', '1.2', 'a fraction from 0 to 1'],
    ['min-efficiency', '90', 'did you mean 90%?'],
    ['min-efficiency', '-10%', 'from 0% to 100%'],
    ['min-efficiency', 'high', 'from 0% to 100%'],
    ['max-wasted', '10 MBs', 'must be a size'],
    ['max-wasted', '-1MB', 'must be a size'],
    ['no-new-layers', 'maybe', 'must be true or false'],
    ['no-new-layers', 'yes', 'must be true or false'],
    ['no-new-layers', '1', 'must be true or false'],
    ['analyze', 'some', 'must be one of auto, all, none'],
    ['analyze', 'changed', 'must be one of auto, all, none'],
  ])('rejects %s: %j', (name, value, problem) => {
    const error = expectInputError(
      () => parseWith({ [name]: value }),
      [INPUT_SOURCE, name, JSON.stringify(value), problem],
    );
    expect(error.key).toBe(name);
    expect(error.value).toBe(value);
  });
});

describe('parseInputs rejects bad values, naming the source, the input and the value', () => {
  test.each([
    ['mode', 'dry-run'],
    ['mode', 'checks'],
    ['comment', 'sometimes'],
    ['comment', 'yes'],
    ['metric', 'gzip'],
    ['metric', 'size'],
    ['fail-on', 'always'],
    ['fail-on', 'warn'],
    ['cache', 'registry'],
    ['cache', 'true'],
    ['budget', '10 MBs'],
    ['budget', '-5MB'],
    ['budget', 'big'],
    ['ignore-below', '1 M'],
    ['total-budget', '5 PB'],
    ['max-increase', '10'],
    ['max-increase', '-5%'],
    ['max-increase', 'ten percent'],
    ['warn-increase', '5'],
    ['warn-increase', '-1MB'],
    ['max-creep', '-5%'],
    ['max-creep', '20'],
    ['parallel', '0'],
    ['parallel', '65'],
    ['parallel', '1.5'],
    ['parallel', 'two'],
    ['parallel', '-1'],
    ['cache-scope', '-leading-dash'],
    ['cache-scope', 'with space'],
    ['cache-scope', 'slash/es'],
    ['platform', 'linux'],
    ['platform', 'linux//amd64'],
    ['platform', 'linux/amd64/v8/extra'],
  ])('%s: %j', (name, value) => {
    const error = expectInputError(
      () => parseWith({ [name]: value }),
      [INPUT_SOURCE, name, JSON.stringify(value)],
    );
    expect(INPUT_SOURCE).toBe('workflow inputs');
    expect(error.file).toBe('workflow inputs');
    expect(error.key).toBe(name);
    expect(error.value).toBe(value);
  });

  test.each([
    ['linux/amd64, linux/amd64', 'linux/amd64', 'is listed twice'],
    [
      'linux/arm64\nlinux/arm64/v8',
      'linux/arm64/v8',
      'is listed twice (linux/arm64 is the same platform)',
    ],
    ['linux/amd64,linux/x86_64', 'linux/x86_64', 'is listed twice (linux/amd64 is the same'],
    ['linux/amd64,linux/arm/v7/x', 'linux/arm/v7/x', 'is not a platform: it has 4 parts'],
    ['linux/amd64,linux/*', 'linux/*', 'the architecture "*" may hold only'],
  ])('a platform list %j names the bad entry', (list, value, problem) => {
    expectInputError(
      () => parseWith({ platform: list }),
      ['workflow inputs', 'platform', JSON.stringify(value), problem],
    );
  });

  test('a platform list is every platform, in order', () => {
    expect(parseWith({ platform: 'linux/amd64, linux/arm64\nlinux/arm/v7' }).platforms).toEqual({
      platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
      file: 'workflow inputs',
      key: 'platform',
    });
  });

  test('a bad build-args line names build-args and the line', () => {
    expectInputError(
      () => parseWith({ 'build-args': 'GOOD=1\nnot a pair' }),
      ['workflow inputs', 'build-args', '"not a pair"'],
    );
  });
});

describe('parseInputs paths', () => {
  test('a relative working-directory is resolved against GITHUB_WORKSPACE', () => {
    const inputs = parseWith({ 'working-directory': 'services/api' });
    const root = path.join(WORKSPACE, 'services', 'api');
    expect(inputs.workingDirectory).toBe(root);
    expect(inputs.configPath).toBe(path.join(root, DEFAULT_CONFIG));
    expect(inputs.baselinePath).toBe(path.join(root, DEFAULT_BASELINE));
  });

  test('an absolute working-directory is used as it is', () => {
    const absolute = path.resolve('/elsewhere/repo');
    expect(parseWith({ 'working-directory': absolute }).workingDirectory).toBe(absolute);
  });

  test('without GITHUB_WORKSPACE the working directory is resolved against cwd', () => {
    expect(parseWith({ 'working-directory': 'sub' }, {}).workingDirectory).toBe(
      path.join(CWD, 'sub'),
    );
    expect(parseWith({}, {}).workingDirectory).toBe(CWD);
  });

  test('config, baseline, compose files and report-file resolve against the working directory', () => {
    const inputs = parseWith({
      'working-directory': 'app',
      config: 'ci/sizes.yml',
      baseline: 'ci/baseline.json',
      'compose-file': 'compose.yaml, compose.override.yaml\n',
      'report-file': 'out/report.json',
    });
    const root = path.join(WORKSPACE, 'app');
    expect(inputs.configPath).toBe(path.join(root, 'ci', 'sizes.yml'));
    expect(inputs.baselinePath).toBe(path.join(root, 'ci', 'baseline.json'));
    expect(inputs.composeFiles).toEqual([
      path.join(root, 'compose.yaml'),
      path.join(root, 'compose.override.yaml'),
    ]);
    expect(inputs.reportPath).toBe(path.join(root, 'out', 'report.json'));
  });

  test('the default report file is under RUNNER_TEMP, else the system temp directory', () => {
    expect(parseWith({}).reportPath).toBe(path.join(RUNNER_TEMP, 'image-size-gate', 'report.json'));
    expect(parseWith({}, { GITHUB_WORKSPACE: WORKSPACE }).reportPath).toBe(
      path.join(os.tmpdir(), 'image-size-gate', 'report.json'),
    );
  });

  test.each([
    ['', false],
    [DEFAULT_CONFIG, false],
    [`  ${DEFAULT_CONFIG}  `, false],
    ['ci/image-size.yml', true],
    ['.github/other.yml', true],
  ])('config %j → configExplicit %s', (config, explicit) => {
    expect(parseWith({ config }).configExplicit).toBe(explicit);
  });
});

describe('splitList', () => {
  test.each([
    ['', []],
    ['   ', []],
    ['web', ['web']],
    ['web,api', ['web', 'api']],
    [' web , api ,, ', ['web', 'api']],
    ['web\napi\n\nworker', ['web', 'api', 'worker']],
    ['web, api\n worker-* \n', ['web', 'api', 'worker-*']],
  ])('%j → %j', (text, items) => {
    expect(splitList(text)).toEqual(items);
  });
});

describe('parseBuildArgs', () => {
  test('KEY=VALUE lines; values may hold "="; comments and blank lines are skipped', () => {
    const text = [
      '# a comment',
      'NODE_ENV=production',
      '',
      '   ',
      'URL=https://example.test/?a=b&c=d',
      '  # an indented comment',
      'EMPTY=',
      '_UNDERSCORE1=x',
      'SPACED=a value with spaces',
    ].join('\n');
    expect(parseBuildArgs(text)).toEqual({
      NODE_ENV: 'production',
      URL: 'https://example.test/?a=b&c=d',
      EMPTY: '',
      _UNDERSCORE1: 'x',
      SPACED: 'a value with spaces',
    });
  });

  test('Windows line endings do not end up in keys or values', () => {
    expect(parseBuildArgs('A=1\r\nB=2\r\n')).toEqual({ A: '1', B: '2' });
  });

  test('a later line wins', () => {
    expect(parseBuildArgs('A=1\nA=2')).toEqual({ A: '2' });
  });

  test('nothing → no args', () => {
    expect(parseBuildArgs('')).toEqual({});
  });

  test.each(['NOVALUE', '=value', '1ABC=x', 'BAD-KEY=x', 'two words=x', 'KEY : value'])(
    'the line %j is rejected',
    (line) => {
      const error = expectInputError(
        () => parseBuildArgs(`OK=1\n${line}\nALSO_OK=2`),
        ['workflow inputs', 'build-args', JSON.stringify(line), 'KEY=VALUE'],
      );
      expect(error).toBeInstanceOf(InputError);
    },
  );
});
