import { limits } from '../support/fixtures.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseComposeFile } from '../../src/services/compose.js';
import { parseConfigFile } from '../../src/services/config.js';
import {
  resolveServices,
  type ComposeProject,
  type ResolveServicesArgs,
} from '../../src/services/resolve.js';
import type { Limits } from '../../src/services/types.js';
import { expectInputError } from './expect-input-error.js';

const ROOT = path.resolve('/repo');
const CONFIG_FILE = '.github/image-size.yml';
const COMPOSE_FILE = 'deploy/compose.yaml';
const COMPOSE_DIRECTORY = path.join(ROOT, 'deploy');

const RUN_DEFAULTS: Limits = limits();

function composeProject(text: string, environment: Record<string, string> = {}): ComposeProject {
  return {
    files: [COMPOSE_FILE],
    directory: COMPOSE_DIRECTORY,
    services: parseComposeFile(text, COMPOSE_FILE, environment),
  };
}

function resolve(options: {
  config?: string;
  compose?: string;
  filter?: string[];
  runDefaults?: Limits;
}) {
  const args: ResolveServicesArgs = {
    workingDirectory: ROOT,
    config: options.config === undefined ? undefined : parseConfigFile(options.config, CONFIG_FILE),
    compose: options.compose === undefined ? undefined : composeProject(options.compose),
    filter: options.filter ?? [],
    runDefaults: options.runDefaults ?? RUN_DEFAULTS,
  };
  return resolveServices(args);
}

function serviceNamed(plan: ReturnType<typeof resolve>, name: string) {
  const service = plan.all.find((candidate) => candidate.name === name);
  if (service === undefined) throw new Error(`no service ${name}`);
  return service;
}

describe('resolveServices: paths', () => {
  it.each([
    ['a compose string build', 'build: ../services/api', 'services/api', 'services/api/Dockerfile'],
    ['a compose default context', 'build: {}', 'deploy', 'deploy/Dockerfile'],
    [
      'a compose dockerfile relative to the context',
      'build: { context: api, dockerfile: docker/Dockerfile.prod }',
      'deploy/api',
      'deploy/api/docker/Dockerfile.prod',
    ],
    [
      'a compose dockerfile that climbs out of the context',
      'build: { context: api, dockerfile: ../Dockerfile.shared }',
      'deploy/api',
      'deploy/Dockerfile.shared',
    ],
    [
      'absolute compose paths',
      'build: { context: /abs/api, dockerfile: /abs/docker/Dockerfile }',
      '/abs/api',
      '/abs/docker/Dockerfile',
    ],
  ])('resolves %s', (_, build, context, dockerfile) => {
    const plan = resolve({ compose: `services:\n  api:\n    ${build}` });
    const absolute = (relative: string) =>
      path.isAbsolute(relative) ? relative : path.join(ROOT, relative);
    expect(serviceNamed(plan, 'api').build).toMatchObject({
      context: absolute(context),
      dockerfile: absolute(dockerfile),
    });
  });

  it('resolves config paths against the repository root, dockerfile against the context', () => {
    const plan = resolve({
      config: 'services:\n  api:\n    context: services/api\n    dockerfile: Dockerfile.prod',
    });
    expect(serviceNamed(plan, 'api')).toMatchObject({
      definedIn: CONFIG_FILE,
      build: {
        context: path.join(ROOT, 'services/api'),
        dockerfile: path.join(ROOT, 'services/api/Dockerfile.prod'),
      },
    });
  });

  it('records where each build path was written', () => {
    const plan = resolve({
      config: 'compose: deploy/compose.yaml\nservices:\n  api:\n    dockerfile: Dockerfile.ci',
      compose: 'services:\n  api:\n    build: ../api\n  web:\n    build:\n      context: ../web',
    });
    expect(plan.origins.get('api')).toEqual({
      context: { file: COMPOSE_FILE, key: 'services.api.build', value: '../api' },
      dockerfile: { file: CONFIG_FILE, key: 'services.api.dockerfile', value: 'Dockerfile.ci' },
    });
    expect(plan.origins.get('web')).toEqual({
      context: { file: COMPOSE_FILE, key: 'services.web.build.context', value: '../web' },
      dockerfile: { file: COMPOSE_FILE, key: 'services.web.build.dockerfile', value: 'Dockerfile' },
    });
  });

  it.each(['https://github.com/acme/api.git', 'git@github.com:acme/api.git'])(
    'rejects the remote context %s',
    (context) => {
      expectInputError(
        () => resolve({ compose: `services:\n  api:\n    build: "${context}"` }),
        [COMPOSE_FILE, 'services.api.build', JSON.stringify(context), 'remote'],
      );
    },
  );
});

describe('resolveServices: merging config over compose', () => {
  const compose = `
services:
  api:
    platform: linux/amd64
    build:
      context: ../services/api
      dockerfile: Dockerfile.prod
      target: runtime
      args: { A: "compose", B: "compose" }
  web:
    build: ../web
  db:
    image: postgres:16
`;

  it('keeps the compose build when the config entry only sets limits', () => {
    const plan = resolve({ config: 'services:\n  api:\n    budget: 200MB', compose });
    expect(serviceNamed(plan, 'api')).toEqual({
      name: 'api',
      definedIn: COMPOSE_FILE,
      build: {
        context: path.join(ROOT, 'services/api'),
        dockerfile: path.join(ROOT, 'services/api/Dockerfile.prod'),
        target: 'runtime',
        args: { A: 'compose', B: 'compose' },
      },
      image: undefined,
      baseName: 'api',
      platform: 'linux/amd64',
      platformOrigin: { file: COMPOSE_FILE, key: 'services.api.platform' },
      limits: { ...RUN_DEFAULTS, budget: 200e6 },
    });
  });

  it('overrides field by field and args key by key', () => {
    const config = `
services:
  api:
    target: debug
    platform: linux/arm64
    args: { B: config, C: config }
`;
    const service = serviceNamed(resolve({ config, compose }), 'api');
    expect(service.build).toMatchObject({
      dockerfile: path.join(ROOT, 'services/api/Dockerfile.prod'),
      target: 'debug',
      args: { A: 'compose', B: 'config', C: 'config' },
    });
    expect(service.platform).toBe('linux/arm64');
  });

  it('applies the compose dockerfile to a context the config moved', () => {
    const service = serviceNamed(
      resolve({ config: 'services:\n  api:\n    context: apps/api', compose }),
      'api',
    );
    expect(service.definedIn).toBe(CONFIG_FILE);
    expect(service.build).toMatchObject({
      context: path.join(ROOT, 'apps/api'),
      dockerfile: path.join(ROOT, 'apps/api/Dockerfile.prod'),
    });
  });

  it('measures an image instead when the config names one', () => {
    const service = serviceNamed(
      resolve({ config: 'services:\n  api:\n    image: ghcr.io/acme/api:1', compose }),
      'api',
    );
    expect(service).toMatchObject({
      definedIn: CONFIG_FILE,
      build: undefined,
      image: 'ghcr.io/acme/api:1',
      platform: 'linux/amd64',
    });
  });

  it('adds config-only services and sorts all by name', () => {
    const config = `
services:
  zeta:
    image: zeta:1
  alpha:
    context: alpha
`;
    const plan = resolve({ config, compose });
    expect(plan.all.map((service) => service.name)).toEqual(['alpha', 'api', 'web', 'zeta']);
  });

  it('requires a context or an image for a config entry that no compose service backs', () => {
    expectInputError(
      () => resolve({ config: 'services:\n  ghost:\n    budget: 1MB', compose }),
      [CONFIG_FILE, 'services.ghost.context', 'got nothing', 'no compose service is named "ghost"'],
    );
    expectInputError(
      () => resolve({ config: 'services:\n  ghost:\n    dockerfile: Dockerfile' }),
      [CONFIG_FILE, 'services.ghost.context', 'is required'],
    );
  });

  it('rejects a service defined twice in one source', () => {
    const base = parseConfigFile('services:\n  api:\n    context: a', CONFIG_FILE);
    const [api] = base.services;
    if (api === undefined) throw new Error('no service');
    expectInputError(
      () =>
        resolveServices({
          workingDirectory: ROOT,
          config: { ...base, services: [api, api] },
          compose: undefined,
          filter: [],
          runDefaults: RUN_DEFAULTS,
        }),
      [CONFIG_FILE, 'services.api', '"api"', 'defined twice'],
    );
  });
});

describe('resolveServices: limits', () => {
  const runDefaults: Limits = {
    ...RUN_DEFAULTS,
    budget: 900e6,
    warnIncrease: { kind: 'percent', percent: 3 },
  };

  it.each([
    ['run defaults alone', '', '', runDefaults],
    [
      'config defaults over run defaults',
      'defaults:\n  budget: 500MB\n  warn-increase: 5%',
      '',
      { ...runDefaults, budget: 500e6, warnIncrease: { kind: 'percent', percent: 5 } },
    ],
    [
      'the service over config defaults',
      'defaults:\n  budget: 500MB\n  max-increase: 20%\n  ignore-below: 2MB',
      '    budget: 200MB\n    max-increase: 25MB\n',
      {
        ...RUN_DEFAULTS,
        budget: 200e6,
        maxIncrease: { kind: 'bytes', bytes: 25e6 },
        warnIncrease: { kind: 'percent', percent: 3 },
        ignoreBelow: 2e6,
      },
    ],
    [
      'the service over run defaults',
      '',
      '    ignore-below: 10kB\n',
      { ...runDefaults, ignoreBelow: 10e3 },
    ],
  ])('takes %s', (_, defaults, serviceLimits, expected) => {
    const config = `${defaults}\nservices:\n  api:\n    context: api\n${serviceLimits}`;
    const plan = resolve({ config, runDefaults });
    expect(serviceNamed(plan, 'api').limits).toEqual(expected);
  });

  it('leaves image-shape limits that nothing sets unset, and no-new-layers false', () => {
    const plan = resolve({ config: 'services:\n  api:\n    context: api' });
    expect(serviceNamed(plan, 'api').limits).toStrictEqual(RUN_DEFAULTS);
  });

  describe('image-shape limits: service > config defaults > run defaults', () => {
    const run: Limits = {
      ...RUN_DEFAULTS,
      maxWasted: 50e6,
      minEfficiency: 0.8,
      maxLayers: 20,
      noNewLayers: true,
    };
    const shape = (limits: Limits) => ({
      maxWasted: limits.maxWasted,
      minEfficiency: limits.minEfficiency,
      maxLayers: limits.maxLayers,
      noNewLayers: limits.noNewLayers,
    });

    it.each([
      [
        'run defaults alone',
        '',
        '',
        { maxWasted: 50e6, minEfficiency: 0.8, maxLayers: 20, noNewLayers: true },
      ],
      [
        'config defaults over run defaults',
        'defaults:\n  max-wasted: 20MB\n  min-efficiency: 90%\n  max-layers: 15\n  no-new-layers: false',
        '',
        { maxWasted: 20e6, minEfficiency: 0.9, maxLayers: 15, noNewLayers: false },
      ],
      [
        'the service over config defaults, key by key',
        'defaults:\n  max-wasted: 20MB\n  min-efficiency: 90%\n  max-layers: 15\n  no-new-layers: false',
        '    max-wasted: 5MB\n    max-layers: 12\n    no-new-layers: true\n',
        { maxWasted: 5e6, minEfficiency: 0.9, maxLayers: 12, noNewLayers: true },
      ],
      [
        'the service over run defaults, false turning off true',
        '',
        '    min-efficiency: 0.95\n    no-new-layers: false\n',
        { maxWasted: 50e6, minEfficiency: 0.95, maxLayers: 20, noNewLayers: false },
      ],
    ])('takes %s', (_, defaults, serviceLimits, expected) => {
      const config = `${defaults}\nservices:\n  api:\n    context: api\n${serviceLimits}`;
      const plan = resolve({ config, runDefaults: run });
      expect(shape(serviceNamed(plan, 'api').limits)).toEqual(expected);
    });

    it('applies them to compose services and prebuilt images too', () => {
      const plan = resolve({
        config:
          'defaults:\n  max-layers: 9\nservices:\n  db:\n    image: postgres:16\n    max-layers: 30',
        compose: 'services:\n  web:\n    build: ../web',
        runDefaults: run,
      });
      expect(serviceNamed(plan, 'web').limits).toMatchObject({ maxLayers: 9, noNewLayers: true });
      expect(serviceNamed(plan, 'db').limits).toMatchObject({ maxLayers: 30, maxWasted: 50e6 });
    });
  });

  it('applies config defaults to compose services', () => {
    const plan = resolve({
      config: 'defaults:\n  budget: 300MB',
      compose: 'services:\n  web:\n    build: ../web',
    });
    expect(serviceNamed(plan, 'web').limits.budget).toBe(300e6);
  });

  it('returns the run-wide settings', () => {
    const plan = resolve({
      config: 'metric: compressed\ntotal-budget: 2GB\nservices:\n  api:\n    context: api',
    });
    expect(plan.settings).toEqual({ metric: 'compressed', totalBudget: 2e9 });
    expect(resolve({ compose: 'services:\n  api:\n    build: .' }).settings).toEqual({
      metric: undefined,
      totalBudget: undefined,
    });
  });
});

describe('resolveServices: filter', () => {
  const compose = `
services:
  api:
    build: api
  api-admin:
    build: admin
  worker-email:
    build: email
  worker-pdf:
    build: pdf
`;
  const names = (services: readonly { name: string }[]) => services.map((service) => service.name);

  it.each([
    [[], ['api', 'api-admin', 'worker-email', 'worker-pdf'], true],
    [['api'], ['api'], false],
    [['worker-*'], ['worker-email', 'worker-pdf'], false],
    [['api*', ' worker-pdf '], ['api', 'api-admin', 'worker-pdf'], false],
    [['{api,worker-pdf}'], ['api', 'worker-pdf'], false],
    [['!api'], ['api-admin', 'worker-email', 'worker-pdf'], false],
    [['*'], ['api', 'api-admin', 'worker-email', 'worker-pdf'], true],
    [['', '  '], ['api', 'api-admin', 'worker-email', 'worker-pdf'], true],
  ])('selects %j', (filter, selected, fullRun) => {
    const plan = resolve({ compose, filter });
    expect(names(plan.all)).toEqual(['api', 'api-admin', 'worker-email', 'worker-pdf']);
    expect(names(plan.selected)).toEqual(selected);
    expect(plan.fullRun).toBe(fullRun);
  });

  it('rejects a pattern that matches nothing, listing the services', () => {
    expectInputError(
      () => resolve({ compose, filter: ['api', 'wrker-*'] }),
      [
        'workflow inputs: services: matches no service; the services are api, api-admin, worker-email',
        '(got "wrker-*")',
      ],
    );
  });
});

describe('resolveServices: nothing to measure', () => {
  it.each([
    ['an empty config', { config: 'defaults:\n  budget: 1GB' }, [CONFIG_FILE, 'no service']],
    [
      'a compose file with only images',
      { compose: 'services:\n  db:\n    image: postgres' },
      [COMPOSE_FILE, 'no service', '`build:`'],
    ],
    [
      'a config importing such a compose file',
      { config: 'compose: deploy/compose.yaml', compose: 'services: {}' },
      [CONFIG_FILE, COMPOSE_FILE, 'no service'],
    ],
  ])('rejects %s', (_, options, parts) => {
    expectInputError(() => resolve(options), parts);
  });
});
