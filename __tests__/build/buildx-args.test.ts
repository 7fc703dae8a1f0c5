import type { Environment } from '../../src/core/model.js';
import { describe, expect, test } from 'vitest';
import {
  buildxBuildArgs,
  buildxEnv,
  cacheScope,
  type BuildxRequest,
} from '../../src/build/buildx-args.js';
import { parseGhaCacheMode, readGhaCacheEnvironment } from '../../src/build/cache-env.js';

const IID = '/tmp/isg/api.iid';
const CONTEXT = '/repo/services/api';
const DOCKERFILE = '/repo/services/api/Dockerfile';

/** What a JavaScript action sees on a github.com runner today. */
const RUNNER_ENV: Environment = {
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_RESULTS_URL: 'https://results-receiver.actions.githubusercontent.com/',
  ACTIONS_CACHE_URL: 'https://artifactcache.actions.githubusercontent.com/abc/',
  ACTIONS_CACHE_SERVICE_V2: 'True',
};

const HEAD = ['buildx', 'build', '--file', DOCKERFILE];
const OUTPUTS = ['--provenance=false', '--iidfile', IID, '--load'];
const FROM = (scope: string) => ['--cache-from', `type=gha,scope=${scope}`];
const TO = (scope: string) => ['--cache-to', `type=gha,mode=max,scope=${scope},ignore-error=true`];
const API_SCOPE = 'image-size-gate-api';

const OFF_BECAUSE = (names: string, verb: 'is' | 'are') =>
  `The GitHub Actions cache is off: ${names} ${verb} not set. The runner gives these variables to ` +
  'a JavaScript action such as image-size-gate automatically, but not to `run:` steps; run the ' +
  'gate with `uses:`, or expose them first with crazy-max/ghaction-github-runtime.';
const UNKNOWN_MODE = (value: string) =>
  `ACTIONS_CACHE_MODE is ${JSON.stringify(value)}, which is not one of write, read, write-only ` +
  'or none; the GitHub Actions cache is used for reading and writing.';

interface ArgvCase {
  readonly name: string;
  readonly request?: Partial<Omit<BuildxRequest, 'cacheEnvironment'>>;
  readonly env?: Environment;
  readonly args: string[];
  readonly warnings?: string[];
}

function request(overrides: ArgvCase['request'], env: Environment): BuildxRequest {
  return {
    serviceName: 'api',
    build: { context: CONTEXT, dockerfile: DOCKERFILE, target: undefined, args: {} },
    platform: undefined,
    globalBuildArgs: {},
    builder: undefined,
    cache: 'gha',
    cacheScopePrefix: 'image-size-gate',
    iidFile: IID,
    ...overrides,
    cacheEnvironment: readGhaCacheEnvironment(env),
  };
}

const CASES: ArgvCase[] = [
  {
    name: 'an OCI layout output replaces --load',
    request: { output: { ociLayout: '/tmp/isg/oci' } },
    args: [
      ...HEAD,
      '--provenance=false',
      '--iidfile',
      IID,
      '--output',
      'type=oci,tar=false,dest=/tmp/isg/oci',
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'rawjson progress comes after provenance, before the outputs',
    request: { progress: 'rawjson' },
    args: [
      ...HEAD,
      '--provenance=false',
      '--progress=rawjson',
      '--iidfile',
      IID,
      '--load',
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'local tags follow the Dockerfile, the run tag first',
    request: { tags: ['image-size-gate/api:run-1', 'image-size-gate/api:latest'] },
    args: [
      ...HEAD,
      '--tag',
      'image-size-gate/api:run-1',
      '--tag',
      'image-size-gate/api:latest',
      ...OUTPUTS,
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'gha cache on: read and write one scope per service',
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'cache input none while the runner variables are present: no cache flags, no warning',
    request: { cache: 'none' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
  },
  {
    name: 'ACTIONS_CACHE_MODE=read: restore only, no --cache-to',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'read' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), CONTEXT],
  },
  {
    name: 'ACTIONS_CACHE_MODE=write: restore and save',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'write' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'ACTIONS_CACHE_MODE=write-only: save only, no --cache-from',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'write-only' },
    args: [...HEAD, ...OUTPUTS, ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'ACTIONS_CACHE_MODE=none: no cache flags and no warning (the workflow chose it)',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'none' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
  },
  {
    name: 'ACTIONS_CACHE_MODE with other case and spaces is still read',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: ' Read ' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), CONTEXT],
  },
  {
    name: 'unknown ACTIONS_CACHE_MODE (read-write is not a runner value): read-write plus warning',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'read-write' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
    warnings: [UNKNOWN_MODE('read-write')],
  },
  {
    name: 'empty ACTIONS_CACHE_MODE counts as unset',
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: '' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'platform: --platform and the platform in the scope',
    request: { platform: 'linux/arm64' },
    args: [
      ...HEAD,
      '--platform',
      'linux/arm64',
      ...OUTPUTS,
      ...FROM('image-size-gate-api-linux-arm64'),
      ...TO('image-size-gate-api-linux-arm64'),
      CONTEXT,
    ],
  },
  {
    name: 'platform with a variant: every slash replaced in the scope',
    request: { platform: 'linux/arm/v7' },
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'read' },
    args: [
      ...HEAD,
      '--platform',
      'linux/arm/v7',
      ...OUTPUTS,
      ...FROM('image-size-gate-api-linux-arm-v7'),
      CONTEXT,
    ],
  },
  {
    name: 'target',
    request: {
      build: { context: CONTEXT, dockerfile: DOCKERFILE, target: 'runtime', args: {} },
    },
    args: [
      ...HEAD,
      '--target',
      'runtime',
      ...OUTPUTS,
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'build args sorted by key; the service value overrides the build-args input',
    request: {
      globalBuildArgs: { VERSION: 'global', ALPHA: 'a', ZULU: 'z' },
      build: {
        context: CONTEXT,
        dockerfile: DOCKERFILE,
        target: undefined,
        args: { VERSION: 'service', BETA: 'x=y z', Apple: 'lowercase sorts after uppercase' },
      },
    },
    args: [
      ...HEAD,
      '--build-arg',
      'ALPHA=a',
      '--build-arg',
      'Apple=lowercase sorts after uppercase',
      '--build-arg',
      'BETA=x=y z',
      '--build-arg',
      'VERSION=service',
      '--build-arg',
      'ZULU=z',
      ...OUTPUTS,
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'builder',
    request: { builder: 'ci-builder' },
    args: [
      'buildx',
      'build',
      '--builder',
      'ci-builder',
      '--file',
      DOCKERFILE,
      ...OUTPUTS,
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'missing ACTIONS_RUNTIME_TOKEN: no cache flags, warning names it',
    env: { ...RUNNER_ENV, ACTIONS_RUNTIME_TOKEN: undefined },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [OFF_BECAUSE('ACTIONS_RUNTIME_TOKEN', 'is')],
  },
  {
    name: 'empty ACTIONS_RUNTIME_TOKEN counts as missing',
    env: { ...RUNNER_ENV, ACTIONS_RUNTIME_TOKEN: '' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [OFF_BECAUSE('ACTIONS_RUNTIME_TOKEN', 'is')],
  },
  {
    name: 'cache service v2 without ACTIONS_RESULTS_URL: ACTIONS_CACHE_URL does not help',
    env: { ...RUNNER_ENV, ACTIONS_RESULTS_URL: undefined },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [OFF_BECAUSE('ACTIONS_RESULTS_URL', 'is')],
  },
  {
    name: 'cache service v1 with only ACTIONS_CACHE_URL: cache on',
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://cache/' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'cache service v1 with only ACTIONS_RESULTS_URL: cache on',
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results/' },
    args: [...HEAD, ...OUTPUTS, ...FROM(API_SCOPE), ...TO(API_SCOPE), CONTEXT],
  },
  {
    name: 'cache service v1 without either URL',
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_SERVICE_V2: 'false' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [OFF_BECAUSE('ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL', 'is')],
  },
  {
    name: 'nothing from the runner (a `run:` step): both requirements named',
    env: {},
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [
      OFF_BECAUSE('ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL', 'are'),
    ],
  },
  {
    name: 'unknown mode and missing variables: both warnings',
    env: { ACTIONS_CACHE_MODE: 'full', ACTIONS_CACHE_SERVICE_V2: '1' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
    warnings: [
      UNKNOWN_MODE('full'),
      OFF_BECAUSE('ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL', 'are'),
    ],
  },
  {
    name: 'ACTIONS_CACHE_MODE=none with variables missing: no warning about them',
    env: { ACTIONS_CACHE_MODE: 'none' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
  },
  {
    name: 'cache input none: the cache mode and variables are not looked at',
    request: { cache: 'none' },
    env: { ACTIONS_CACHE_MODE: 'bogus' },
    args: [...HEAD, ...OUTPUTS, CONTEXT],
  },
  {
    name: 'Dockerfile outside the context',
    request: {
      build: {
        context: '/repo',
        dockerfile: '/repo/docker/api.Dockerfile',
        target: undefined,
        args: {},
      },
    },
    args: [
      'buildx',
      'build',
      '--file',
      '/repo/docker/api.Dockerfile',
      ...OUTPUTS,
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      '/repo',
    ],
  },
  {
    name: 'iidfile path with a space passed as one argument',
    request: { iidFile: '/run/tmp/x y/api.iid' },
    args: [
      ...HEAD,
      '--provenance=false',
      '--iidfile',
      '/run/tmp/x y/api.iid',
      '--load',
      ...FROM(API_SCOPE),
      ...TO(API_SCOPE),
      CONTEXT,
    ],
  },
  {
    name: 'custom cache-scope prefix',
    request: { cacheScopePrefix: 'pr-gate' },
    args: [...HEAD, ...OUTPUTS, ...FROM('pr-gate-api'), ...TO('pr-gate-api'), CONTEXT],
  },
  {
    name: 'service name with dots kept in the scope',
    request: { serviceName: 'web.frontend.v2' },
    args: [
      ...HEAD,
      ...OUTPUTS,
      ...FROM('image-size-gate-web.frontend.v2'),
      ...TO('image-size-gate-web.frontend.v2'),
      CONTEXT,
    ],
  },
  {
    name: 'service name with a comma and spaces cannot break the CSV cache option',
    request: { serviceName: 'my svc,"x"' },
    args: [
      ...HEAD,
      ...OUTPUTS,
      ...FROM('image-size-gate-my-svc-x-'),
      ...TO('image-size-gate-my-svc-x-'),
      CONTEXT,
    ],
  },
  {
    name: 'everything at once, in order',
    request: {
      serviceName: 'worker',
      builder: 'b1',
      platform: 'linux/amd64',
      globalBuildArgs: { B: '2', A: '1' },
      build: { context: '/r/w', dockerfile: '/r/w/Dockerfile', target: 'prod', args: {} },
      cacheScopePrefix: 'gate',
    },
    env: { ...RUNNER_ENV, ACTIONS_CACHE_MODE: 'write' },
    args: [
      'buildx',
      'build',
      '--builder',
      'b1',
      '--file',
      '/r/w/Dockerfile',
      '--target',
      'prod',
      '--platform',
      'linux/amd64',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B=2',
      ...OUTPUTS,
      ...FROM('gate-worker-linux-amd64'),
      ...TO('gate-worker-linux-amd64'),
      '/r/w',
    ],
  },
];

describe('buildx argv (table; buildx is absent on the test machine)', () => {
  test.each(CASES)('$name', ({ request: overrides, env = RUNNER_ENV, args, warnings = [] }) => {
    const plan = buildxBuildArgs(request(overrides, env));
    expect(plan.args).toEqual(args);
    expect(plan.warnings).toEqual(warnings);
  });

  test('the table covers at least 18 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(18);
  });

  test('no argument is a shell string: context and paths with spaces stay one element', () => {
    const plan = buildxBuildArgs(
      request(
        {
          build: {
            context: '/repo/my app',
            dockerfile: '/repo/my app/Dockerfile',
            target: undefined,
            args: { NOTE: 'a b; rm -rf /' },
          },
        },
        RUNNER_ENV,
      ),
    );
    expect(plan.args.at(-1)).toBe('/repo/my app');
    expect(plan.args).toContain('NOTE=a b; rm -rf /');
  });
});

describe('cacheScope', () => {
  test.each([
    ['image-size-gate', 'api', undefined, 'image-size-gate-api'],
    ['image-size-gate', 'api', '', 'image-size-gate-api'],
    ['image-size-gate', 'api', 'linux/amd64', 'image-size-gate-api-linux-amd64'],
    ['image-size-gate', 'api', 'linux/arm64/v8', 'image-size-gate-api-linux-arm64-v8'],
    ['team/gate', 'svc_1.a', undefined, 'team-gate-svc_1.a'],
  ])('%s + %s + %s → %s', (prefix, service, platform, expected) => {
    expect(cacheScope(prefix, service, platform)).toBe(expected);
  });
});

describe('ACTIONS_CACHE_MODE', () => {
  test.each([
    [undefined, 'read-write', undefined],
    ['', 'read-write', undefined],
    ['write', 'read-write', undefined],
    ['read', 'read', undefined],
    ['write-only', 'write-only', undefined],
    ['none', 'none', undefined],
    ['NONE', 'none', undefined],
    ['read-write', 'read-write', 'read-write'],
    ['readonly', 'read-write', 'readonly'],
  ])('%j → %s (unknown: %j)', (raw, mode, unknownValue) => {
    expect(parseGhaCacheMode(raw)).toEqual({ mode, unknownValue });
  });
});

describe('readGhaCacheEnvironment', () => {
  test.each([
    [RUNNER_ENV, 2, []],
    // Go's strconv.ParseBool, as buildx reads it: exactly these six are true.
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((value): [Environment, 1 | 2, string[]] => [
      { ...RUNNER_ENV, ACTIONS_CACHE_SERVICE_V2: value },
      2,
      [],
    ]),
    ...['yes', 'on', 'y', 'tRUE', ' true', 'true '].map((value): [Environment, 1 | 2, string[]] => [
      { ...RUNNER_ENV, ACTIONS_CACHE_SERVICE_V2: value },
      1,
      [],
    ]),
    [{ ...RUNNER_ENV, ACTIONS_CACHE_SERVICE_V2: undefined }, 1, []],
    [{ ...RUNNER_ENV, ACTIONS_CACHE_SERVICE_V2: '0' }, 1, []],
    [
      { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_CACHE_URL: 'u' },
      2,
      ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'],
    ],
    [
      { ACTIONS_RUNTIME_TOKEN: ' ' },
      1,
      ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL'],
    ],
  ] satisfies [Environment, 1 | 2, string[]][])(
    'env %# → v%s, missing %j',
    (env, serviceVersion, missing) => {
      const result = readGhaCacheEnvironment(env);
      expect(result.serviceVersion).toBe(serviceVersion);
      expect(result.missing).toEqual(missing);
    },
  );
});

describe('buildxEnv', () => {
  test('keeps the whole process environment, including the runner cache variables', () => {
    const env = { PATH: '/usr/bin', DOCKER_HOST: 'unix:///x.sock', ...RUNNER_ENV };
    expect(buildxEnv(env)).toEqual(env);
  });

  test('drops undefined entries, keeps empty strings', () => {
    expect(buildxEnv({ A: 'a', B: undefined, C: '' })).toEqual({ A: 'a', C: '' });
  });

  test('returns a copy', () => {
    const source: Record<string, string | undefined> = { A: 'a' };
    const copy = buildxEnv(source);
    copy.A = 'changed';
    expect(source.A).toBe('a');
  });
});
