import { interpolate } from '../../src/services/interpolate.js';
import { describe, expect, it } from 'vitest';
import {
  mergeComposeFiles,
  parseComposeFile,
  type ComposeService,
} from '../../src/services/compose.js';
import { expectInputError } from './expect-input-error.js';

const FILE = 'docker-compose.yml';

function parseOne(text: string, environment: Record<string, string> = {}): ComposeService {
  const services = parseComposeFile(text, FILE, environment);
  expect(services).toHaveLength(1);
  const [service] = services;
  if (service === undefined) throw new Error('no service');
  return service;
}

describe('parseComposeFile', () => {
  it('reads the string form of build as the context', () => {
    expect(parseOne('services:\n  api:\n    build: ./services/api')).toEqual({
      name: 'api',
      file: FILE,
      context: { path: './services/api', file: FILE, key: 'services.api.build' },
      dockerfile: undefined,
      target: undefined,
      args: {},
      platforms: undefined,
    });
  });

  it('reads the object form of build', () => {
    const text = `
services:
  api:
    image: acme/api:dev
    build:
      context: services/api
      dockerfile: docker/Dockerfile.prod
      target: runtime
      platforms: [linux/arm64, linux/amd64]
      cache_from: [type=gha]
`;
    expect(parseOne(text)).toEqual({
      name: 'api',
      file: FILE,
      context: { path: 'services/api', file: FILE, key: 'services.api.build.context' },
      dockerfile: {
        path: 'docker/Dockerfile.prod',
        file: FILE,
        key: 'services.api.build.dockerfile',
      },
      target: 'runtime',
      args: {},
      platforms: {
        platforms: ['linux/arm64', 'linux/amd64'],
        file: FILE,
        key: 'services.api.build.platforms',
      },
    });
  });

  it('leaves the context undefined when build omits it (compose: the project directory)', () => {
    const service = parseOne('services:\n  api:\n    build:\n      target: prod');
    expect(service.context).toBeUndefined();
    expect(service.target).toBe('prod');
  });

  it('measures every one of build.platforms (what compose builds), else the service platform', () => {
    const text =
      'services:\n  api:\n    platform: linux/amd64\n    build:\n      context: .\n      platforms: [linux/amd64, linux/arm64]';
    expect(parseOne(text).platforms?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(parseOne(text).platforms?.key).toBe('services.api.build.platforms');
    const single = 'services:\n  api:\n    platform: linux/arm64\n    build: .';
    expect(parseOne(single).platforms).toEqual({
      platforms: ['linux/arm64'],
      file: FILE,
      key: 'services.api.platform',
    });
  });

  it('reads a platform of any OS, as awesome-compose wasmedge projects write it', () => {
    // docker/awesome-compose wasmedge-kafka-mysql/compose.yml, abridged.
    const text =
      'services:\n  server:\n    image: demo-microservice\n    platform: wasi/wasm\n    build:\n      context: .\n';
    expect(parseOne(text).platforms).toEqual({
      platforms: ['wasi/wasm'],
      file: FILE,
      key: 'services.server.platform',
    });
  });

  it.each([
    [
      '[linux/arm64, linux/arm64/v8]',
      'services.api.build.platforms[1]',
      'is listed twice (linux/arm64 is the same platform)',
    ],
    [
      '[linux/amd64, linux/x86_64]',
      'services.api.build.platforms[1]',
      'is listed twice (linux/amd64 is the same platform)',
    ],
    ['[linux/amd64, a/b/c/d]', 'services.api.build.platforms[1]', 'it has 4 parts'],
    ['["plan 9/amd64"]', 'services.api.build.platforms[0]', 'the operating system "plan 9"'],
  ])('refuses build.platforms %s, naming the entry', (list, key, problem) => {
    const text = `services:\n  api:\n    build:\n      context: .\n      platforms: ${list}`;
    expect(() => parseOne(text)).toThrow(key);
    expect(() => parseOne(text)).toThrow(problem);
  });

  it('ignores services without build, such as databases', () => {
    const text = `
version: "3.9"
name: shop
x-common: &common
  restart: always
services:
  db:
    image: postgres:16
    <<: *common
  cache:
    image: redis
  web:
    build: web
    <<: *common
volumes:
  data: {}
`;
    expect(parseComposeFile(text, FILE).map((service) => service.name)).toEqual(['web']);
  });

  it.each(['', 'name: empty\n', 'services:\n'])('reads %j as no services', (text) => {
    expect(parseComposeFile(text, FILE)).toEqual([]);
  });

  describe('build args', () => {
    const environment = { FROM_ENV: 'env-value', EMPTY: '' };

    it.each([
      [
        'a list',
        '- A=1\n        - B=x=y\n        - C=\n        - FROM_ENV\n        - UNSET',
        { A: '1', B: 'x=y', C: '', FROM_ENV: 'env-value' },
      ],
      [
        'a map',
        'A: 1\n        B: "x=y"\n        C: ""\n        D: true\n        V: 3.10\n        FROM_ENV:\n        UNSET:',
        { A: '1', B: 'x=y', C: '', D: 'true', V: '3.10', FROM_ENV: 'env-value' },
      ],
      ['an empty map', '{}', {}],
    ])('reads %s', (_, argsText, expected) => {
      const text = `services:\n  api:\n    build:\n      context: .\n      args:\n        ${argsText}`;
      expect(parseOne(text, environment).args).toEqual(expected);
    });

    it('interpolates values in both forms', () => {
      const text =
        'services:\n  a:\n    build:\n      args: ["V=${TAG:-1}"]\n  b:\n    build:\n      args: { V: "$TAG" }';
      const services = parseComposeFile(text, FILE, { TAG: '7' });
      expect(services.map((service) => service.args)).toEqual([{ V: '7' }, { V: '7' }]);
    });
  });

  it('interpolates context, dockerfile, target and platform', () => {
    const text = `
services:
  api:
    platform: \${PLATFORM}
    build:
      context: \${ROOT:-.}/api
      dockerfile: Dockerfile.\${FLAVOUR}
      target: $TARGET
`;
    const service = parseOne(text, { FLAVOUR: 'prod', TARGET: 'run', PLATFORM: 'linux/amd64' });
    expect(service.context?.path).toBe('./api');
    expect(service.dockerfile?.path).toBe('Dockerfile.prod');
    expect(service.target).toBe('run');
    expect(service.platforms?.platforms).toEqual(['linux/amd64']);
  });

  describe('extends within the file', () => {
    it('inherits and overrides build fields', () => {
      const text = `
services:
  base:
    image: scratch
    build:
      context: services/base
      target: runtime
      args: { A: "1", B: "1" }
  api:
    extends: base
    build:
      args: { B: "2" }
  worker:
    extends: { service: api }
    platform: linux/arm64
`;
      const services = parseComposeFile(text, FILE);
      expect(services.map((service) => service.name)).toEqual(['base', 'api', 'worker']);
      const worker = services[2];
      expect(worker?.context?.path).toBe('services/base');
      expect(worker?.target).toBe('runtime');
      expect(worker?.args).toEqual({ A: '1', B: '2' });
      expect(worker?.platforms?.platforms).toEqual(['linux/arm64']);
    });

    it.each([
      [
        'a missing service',
        'services:\n  api:\n    extends: nope',
        'services.api.extends',
        '"nope"',
      ],
      [
        'another file',
        'services:\n  api:\n    extends: { file: common.yml, service: base }',
        'services.api.extends.file',
        '"common.yml"',
      ],
      [
        'a circle',
        'services:\n  a:\n    extends: b\n  b:\n    extends: a',
        'services.b.extends',
        'a → b → a',
      ],
    ])('rejects %s', (_, text, key, detail) => {
      expectInputError(() => parseComposeFile(text, FILE), [FILE, key, detail]);
    });
  });

  it.each([
    ['(top level)', '[a, b]', '["a","b"]'],
    ['services', 'services: [api]', '["api"]'],
    ['services.api', 'services:\n  api: ./api', '"./api"'],
    ['services.api.build', 'services:\n  api:\n    build: [a]', '["a"]'],
    ['services.api.build', 'services:\n  api:\n    build:', 'null'],
    ['services.api.build', 'services:\n  api:\n    build: ""', '""'],
    [
      'services.api.build.dockerfile_inline',
      'services:\n  api:\n    build:\n      dockerfile_inline: FROM scratch',
      '"FROM scratch"',
    ],
    [
      'services.api.build.context',
      'services:\n  api:\n    build:\n      context: { path: . }',
      '{"path":"."}',
    ],
    ['services.api.build.args', 'services:\n  api:\n    build:\n      args: A=1', '"A=1"'],
    ['services.api.build.args[1]', 'services:\n  api:\n    build:\n      args: [A=1, =2]', '"=2"'],
    [
      'services.api.build.args[0]',
      'services:\n  api:\n    build:\n      args: [{ A: 1 }]',
      '{"A":"1"}',
    ],
    ['services.api.build.args.A', 'services:\n  api:\n    build:\n      args: { A: [1] }', '["1"]'],
    [
      'services.api.build.platforms',
      'services:\n  api:\n    build:\n      platforms: linux/amd64',
      '"linux/amd64"',
    ],
    ['services.api.build.platforms', 'services:\n  api:\n    build:\n      platforms: []', '[]'],
    [
      'services.api.platform',
      'services:\n  api:\n    build: .\n    platform: [linux/amd64]',
      '["linux/amd64"]',
    ],
    ['services["my api"]', 'services:\n  my api:\n    build: .', '"my api"'],
    ['include', 'include: [other.yml]\nservices: {}', '["other.yml"]'],
    ['services.api', 'services:\n  api:\n    build: a\n  api:\n    build: b', 'lines 2 and 4'],
    ['line 4', 'services:\n  api:\n    build: a\n   image: b\n', 'invalid YAML'],
  ])('rejects a bad value at %s', (key, text, value) => {
    expectInputError(() => parseComposeFile(text, FILE), [FILE, key, value]);
  });

  it('rejects a bad interpolation, naming the key and the text', () => {
    expectInputError(
      () => parseComposeFile('services:\n  api:\n    build: ${ROOT', FILE),
      [FILE, 'services.api.build', '"${ROOT"', 'invalid interpolation'],
    );
  });
});

describe('interpolate', () => {
  const environment = { SET: 'value', EMPTY: '', NESTED: 'inner' };

  it.each([
    ['no variables', 'plain', 'plain'],
    ['$VAR', 'a-$SET-b', 'a-value-b'],
    ['${VAR}', '${SET}x', 'valuex'],
    ['an unset variable', '[${UNSET}]', '[]'],
    ['$$', 'cost: $$5 and $${SET}', 'cost: $5 and ${SET}'],
    [':- when unset', '${UNSET:-fallback}', 'fallback'],
    [':- when empty', '${EMPTY:-fallback}', 'fallback'],
    [':- when set', '${SET:-fallback}', 'value'],
    ['- when empty', '${EMPTY-fallback}', ''],
    ['- when unset', '${UNSET-fallback}', 'fallback'],
    [':+ when set', '${SET:+replaced}', 'replaced'],
    [':+ when empty', '${EMPTY:+replaced}', ''],
    ['+ when empty', '${EMPTY+replaced}', 'replaced'],
    [':? when set', '${SET:?must be set}', 'value'],
    ['a nested default', '${UNSET:-${NESTED}/x}', 'inner/x'],
    ['a default with spaces', '${UNSET:-a b}', 'a b'],
  ])('expands %s', (_, text, expected) => {
    expect(interpolate(text, environment, FILE, 'key')).toBe(expected);
  });

  it.each([
    ['an unclosed brace', '${SET', 'closing'],
    ['a lone dollar', 'a $ b', 'literal'],
    ['a bad name', '${1X}', 'not a variable reference'],
    ['an unknown operator', '${SET:=x}', 'not a variable reference'],
    [':? when empty', '${EMPTY:?give EMPTY a value}', 'EMPTY is required: give EMPTY a value'],
    ['? when unset', '${UNSET?}', 'UNSET is required'],
  ])('rejects %s', (_, text, problem) => {
    expectInputError(
      () => interpolate(text, environment, FILE, 'services.api.build.context'),
      [FILE, 'services.api.build.context', JSON.stringify(text), problem],
    );
  });
});

describe('mergeComposeFiles', () => {
  it('overrides field by field and args key by key, later files winning', () => {
    const base = parseComposeFile(
      'services:\n  api:\n    build:\n      context: api\n      target: prod\n      args: { A: "1", B: "1" }\n  web:\n    build: web',
      'compose.yaml',
    );
    const override = parseComposeFile(
      'services:\n  api:\n    build:\n      dockerfile: Dockerfile.dev\n      args: { B: "2" }\n  extra:\n    build: extra',
      'compose.override.yaml',
    );
    const merged = mergeComposeFiles([base, override]);
    expect(merged.map((service) => service.name)).toEqual(['api', 'web', 'extra']);
    expect(merged[0]).toEqual({
      name: 'api',
      file: 'compose.override.yaml',
      context: { path: 'api', file: 'compose.yaml', key: 'services.api.build.context' },
      dockerfile: {
        path: 'Dockerfile.dev',
        file: 'compose.override.yaml',
        key: 'services.api.build.dockerfile',
      },
      target: 'prod',
      args: { A: '1', B: '2' },
      platform: undefined,
    });
  });
});
