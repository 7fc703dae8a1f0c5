import { describe, expect, test } from 'vitest';
import {
  assessGhaCache,
  buildkitOfDockerEngine,
  ghaCacheTroubleIn,
  ghaSetupFailureIn,
  parseBuildxInspect,
  parseBuildxVersion,
  parseEngineFacts,
  reportGhaCacheTrouble,
  type BuildxBuilderInfo,
  type GhaCacheTrouble,
  type GhaCacheCapabilityInput,
} from '../../src/build/buildx-info.js';
import type { GhaCacheMode } from '../../src/build/cache-env.js';
import { readRawJsonProgress } from '../../src/build/progress.js';
import type { CacheState } from '../../src/build/types.js';

describe('parseBuildxVersion (table; buildx is absent on the test machine)', () => {
  test.each([
    ['github.com/docker/buildx v0.21.1 7c2359c', '0.21.1'],
    ['github.com/docker/buildx v0.21.1 7c2359c1f3d8a9e0b\n', '0.21.1'],
    ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1'],
    ['github.com/docker/buildx 0.12.1 0.12.1-0ubuntu1~22.04.1', '0.12.1'],
    ['github.com/docker/buildx v0.21.0-desktop.1 abc', '0.21.0'],
    ['github.com/docker/buildx v0.3.1-tp-docker 6db68d029599c6710a32aa7adcba8e5a344795a7', '0.3.1'],
    ['github.com/docker/buildx v0.22 Homebrew', '0.22.0'],
    ['buildx v0.19.3', '0.19.3'],
    ["docker: 'buildx' is not a docker command.\nSee 'docker --help'", undefined],
    ['', undefined],
  ])('%j → %s', (stdout, expected) => {
    expect(parseBuildxVersion(stdout)).toBe(expected);
  });
});

const CONTAINER_BUILDER = `Name:          builder-1
Driver:        docker-container
Last Activity: 2025-01-01 00:00:00 +0000 UTC

Nodes:
Name:                  builder-10
Endpoint:              unix:///var/run/docker.sock
Status:                running
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version:      v0.20.2
Platforms:             linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
 org.mobyproject.buildkit.worker.hostname:         1b2d6d3b1c2a
GC Policy rule#0:
 All:           false
 Filters:       type==source.local,type==exec.cachemount,type==source.git.checkout
 Keep Duration: 48h0m0s
`;

const DOCKER_DRIVER = `Name:   default
Driver: docker

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.13.2
Platforms:        linux/amd64, linux/amd64/v2, linux/386
`;

const OLD_BUILDX_TWO_NODES = `Name:   elated_tesla
Driver: docker-container

Nodes:
Name:      elated_tesla0
Endpoint:  unix:///var/run/docker.sock
Status:    running
Buildkit:  v0.10.3
Platforms: linux/amd64

Name:      elated_tesla1
Endpoint:  ssh://ubuntu@1.2.3.4
Status:    running
Buildkit:  v0.9.0
Platforms: linux/arm64*, linux/arm/v7, linux/arm/v6
`;

const OLD_DOCKER_DRIVER_ENGINE_VERSION = `Name:   default
Driver: docker

Nodes:
Name:      default
Endpoint:  default
Status:    running
Buildkit:  20.10.24
Platforms: linux/amd64, linux/386
`;

const INACTIVE_NODE =
  'Name:   ci\r\nDriver: docker-container\r\n\r\nNodes:\r\nName:      ci0\r\nEndpoint:  unix:///var/run/docker.sock\r\nStatus:    inactive\r\nPlatforms: \r\n';

describe('parseBuildxInspect (table; buildx is absent on the test machine)', () => {
  test.each<[string, string, BuildxBuilderInfo | undefined]>([
    [
      'docker-container builder, current format',
      CONTAINER_BUILDER,
      {
        name: 'builder-1',
        driver: 'docker-container',
        buildkitVersion: 'v0.20.2',
        engineVersion: undefined,
        platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386'],
      },
    ],
    [
      'docker driver',
      DOCKER_DRIVER,
      {
        name: 'default',
        driver: 'docker',
        buildkitVersion: 'v0.13.2',
        engineVersion: undefined,
        platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/386'],
      },
    ],
    [
      'older `Buildkit:` lines, two nodes: the oldest BuildKit, platforms without `*`',
      OLD_BUILDX_TWO_NODES,
      {
        name: 'elated_tesla',
        driver: 'docker-container',
        buildkitVersion: 'v0.9.0',
        engineVersion: undefined,
        platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'],
      },
    ],
    [
      'old docker driver printing the engine version where BuildKit belongs',
      OLD_DOCKER_DRIVER_ENGINE_VERSION,
      {
        name: 'default',
        driver: 'docker',
        buildkitVersion: undefined,
        engineVersion: '20.10.24',
        platforms: ['linux/amd64', 'linux/386'],
      },
    ],
    [
      'node not booted (no version), CRLF line ends',
      INACTIVE_NODE,
      {
        name: 'ci',
        driver: 'docker-container',
        buildkitVersion: undefined,
        engineVersion: undefined,
        platforms: [],
      },
    ],
    [
      'moby-suffixed BuildKit version kept as printed',
      DOCKER_DRIVER.replace('v0.13.2', 'v0.20.2-moby'),
      {
        name: 'default',
        driver: 'docker',
        buildkitVersion: 'v0.20.2-moby',
        engineVersion: undefined,
        platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/386'],
      },
    ],
    ['no driver line', 'Name: x\n\nNodes:\nName: x0\n', undefined],
    ['an error message', 'ERROR: no builder "nope" found', undefined],
    ['empty output', '', undefined],
  ])('%s', (_description, stdout, expected) => {
    expect(parseBuildxInspect(stdout)).toEqual(expected);
  });
});

const SETUP_HINT =
  'add the step docker/setup-buildx-action before this action (it installs a current buildx and ' +
  'creates a docker-container builder), or set input `builder` to such a builder';
const V2 = "GitHub's cache service v2";
const V1 = 'the GitHub Actions cache';
const OLD_BUILDX = (version: string, minimum = '0.21.0', name = V2) =>
  `buildx ${version} is older than ${minimum}, the first release that speaks ${name}: ${SETUP_HINT}.`;
const OLD_BUILDKIT = (version: string, minimum = '0.20.0', name = V2) =>
  `The builder runs BuildKit ${version}, older than ${minimum}, the first release that speaks ${name}: ${SETUP_HINT}.`;
const DOCKER_DRIVER_CLASSIC = `The builder uses the \`docker\` driver on the classic image store, which cannot export cache to the GitHub Actions cache: ${SETUP_HINT}, or enable the containerd image store in the engine.`;
const UNKNOWN_BUILDX = (minimum = '0.21.0', name = V2, seen = 'was not reported') =>
  `The buildx version ${seen}, so support for ${name} (buildx ${minimum} or newer) is not verified.`;
const UNKNOWN_BUILDKIT = (minimum = '0.20.0', name = V2, seen = 'was not reported') =>
  `The builder's BuildKit version ${seen}, so support for ${name} (BuildKit ${minimum} or newer) is not verified.`;
const UNKNOWN_DRIVER = 'The builder driver could not be read, so cache export is not verified.';
const DISTRIBUTION_BUILDKIT = '"v0.0.0+unknown" is unknown';

const CURRENT: GhaCacheCapabilityInput = {
  serviceVersion: 2,
  buildxVersion: '0.21.1',
  buildkitVersion: 'v0.20.2',
  driver: 'docker-container',
  engineVersion: '28.5.2',
  containerdStore: false,
};

/** Debian trixie's Docker 26.1 with buildx 0.13.1 on the containerd store, as on the test engine. */
const DEBIAN_26: Partial<GhaCacheCapabilityInput> = {
  buildxVersion: '0.13.1',
  buildkitVersion: 'v0.0.0+unknown',
  driver: 'docker',
  engineVersion: '26.1.5+dfsg1',
  containerdStore: true,
};

/** Debian sid's Docker 28.5 with buildx 0.29.1 on the containerd store (engine 28c). */
const DEBIAN_28: Partial<GhaCacheCapabilityInput> = {
  buildxVersion: '0.29.1',
  buildkitVersion: 'v0.0.0+unknown',
  driver: 'docker',
  engineVersion: '28.5.2+dfsg4',
  containerdStore: true,
};
const OLD_ENGINE_BUILDKIT = (engine: string) =>
  `The \`docker\` driver runs the BuildKit of Docker Engine ${engine}, older than 0.20.0, the first release that speaks ${V2}: ${SETUP_HINT}, or update the engine to Docker 28 or newer.`;

describe('assessGhaCache: cache protocol × buildx × BuildKit × driver and store', () => {
  test.each<[string, Partial<GhaCacheCapabilityInput>, boolean, string[], string[]]>([
    ['v2: current buildx and docker-container builder', {}, true, [], []],
    [
      'v2: exact minimum versions',
      { buildxVersion: '0.21.0', buildkitVersion: 'v0.20.0' },
      true,
      [],
      [],
    ],
    ['v2: moby-suffixed BuildKit is coerced', { buildkitVersion: 'v0.20.2-moby' }, true, [], []],
    ['v2: newer majors', { buildxVersion: '1.0.0', buildkitVersion: 'v1.2.0' }, true, [], []],
    ['v2: old buildx', { buildxVersion: '0.20.1' }, false, [OLD_BUILDX('0.20.1')], []],
    ['v2: Debian buildx', { buildxVersion: '0.13.1+ds1' }, false, [OLD_BUILDX('0.13.1')], []],
    ['v2: old BuildKit', { buildkitVersion: 'v0.19.4' }, false, [OLD_BUILDKIT('v0.19.4')], []],
    [
      'v2: a release candidate of the minimum counts as the minimum (coerced)',
      { buildkitVersion: 'v0.20.0-rc1' },
      true,
      [],
      [],
    ],
    [
      'v2: docker driver on the classic store',
      { driver: 'docker' },
      false,
      [DOCKER_DRIVER_CLASSIC],
      [],
    ],
    [
      'v2: docker driver on the containerd store',
      { driver: 'docker', containerdStore: true },
      true,
      [],
      [],
    ],
    [
      'v2: docker driver, classic store, old engine BuildKit and old buildx: every reason',
      { driver: 'docker', buildxVersion: '0.12.1', buildkitVersion: 'v0.12.5' },
      false,
      [OLD_BUILDX('0.12.1'), OLD_BUILDKIT('v0.12.5'), DOCKER_DRIVER_CLASSIC],
      [],
    ],
    [
      'v2: unknown versions and driver: tried, reported as unverified',
      { buildxVersion: undefined, buildkitVersion: undefined, driver: undefined },
      true,
      [],
      [UNKNOWN_BUILDX(), UNKNOWN_BUILDKIT(), UNKNOWN_DRIVER],
    ],
    [
      'v2: Debian 26.1 — buildx too old, and Docker 26 carries a BuildKit before 0.20',
      DEBIAN_26,
      false,
      [OLD_BUILDX('0.13.1'), OLD_ENGINE_BUILDKIT('26.1.5+dfsg1')],
      [],
    ],
    [
      'v2: Debian 28.5 on the containerd store — BuildKit v0.0.0+unknown, but Docker 28 carries 0.20 or newer',
      DEBIAN_28,
      true,
      [],
      [],
    ],
    [
      'v2: Debian 28.5 on the classic store — only the store stands in the way',
      { ...DEBIAN_28, containerdStore: false },
      false,
      [DOCKER_DRIVER_CLASSIC],
      [],
    ],
    [
      'v2: Docker 27 with a current buildx, containerd store — the engine BuildKit is too old',
      { ...DEBIAN_28, engineVersion: '27.5.1' },
      false,
      [OLD_ENGINE_BUILDKIT('27.5.1')],
      [],
    ],
    [
      'v2: the engine version says nothing about a docker-container builder',
      { buildkitVersion: 'v0.0.0+unknown', engineVersion: '27.5.1' },
      true,
      [],
      [UNKNOWN_BUILDKIT('0.20.0', V2, DISTRIBUTION_BUILDKIT)],
    ],
    [
      'v2: docker driver, unknown BuildKit, engine version not reported',
      { ...DEBIAN_28, engineVersion: undefined },
      true,
      [],
      [UNKNOWN_BUILDKIT('0.20.0', V2, DISTRIBUTION_BUILDKIT)],
    ],
    [
      'v1: Debian 28.5 with buildx 0.29 — nothing to verify',
      { ...DEBIAN_28, serviceVersion: 1 },
      true,
      [],
      [],
    ],
    ['v2: kubernetes driver', { driver: 'kubernetes' }, true, [], []],
    ['v2: remote driver', { driver: 'remote' }, true, [], []],
    [
      'v1: Debian 26.1 works; the unknown BuildKit version is said, not held against it',
      { ...DEBIAN_26, serviceVersion: 1 },
      true,
      [],
      [UNKNOWN_BUILDKIT('0.9.0', V1, DISTRIBUTION_BUILDKIT)],
    ],
    [
      'v1: buildx 0.13.1 and BuildKit 0.13.2 on a docker-container builder',
      { serviceVersion: 1, buildxVersion: '0.13.1', buildkitVersion: 'v0.13.2' },
      true,
      [],
      [],
    ],
    [
      'v1: exact minimum versions',
      { serviceVersion: 1, buildxVersion: '0.6.0', buildkitVersion: 'v0.9.0' },
      true,
      [],
      [],
    ],
    [
      'v1: buildx and BuildKit from before the gha backend',
      { serviceVersion: 1, buildxVersion: '0.5.1', buildkitVersion: 'v0.8.3' },
      false,
      [OLD_BUILDX('0.5.1', '0.6.0', V1), OLD_BUILDKIT('v0.8.3', '0.9.0', V1)],
      [],
    ],
    [
      'v1: docker driver on the classic store still cannot export',
      { serviceVersion: 1, driver: 'docker', buildxVersion: '0.13.1', buildkitVersion: 'v0.13.2' },
      false,
      [DOCKER_DRIVER_CLASSIC],
      [],
    ],
    [
      'v1: the engine version where BuildKit belongs (old docker driver) is unknown, not old',
      {
        serviceVersion: 1,
        buildkitVersion: undefined,
        driver: 'docker',
        engineVersion: '24.0.7',
        containerdStore: true,
      },
      true,
      [],
      [UNKNOWN_BUILDKIT('0.9.0', V1)],
    ],
  ])('%s', (_description, overrides, ok, reasons, unverified) => {
    const capability = assessGhaCache({ ...CURRENT, ...overrides });
    expect({
      ok: capability.ok,
      reasons: capability.reasons,
      unverified: capability.unverified,
    }).toEqual({ ok, reasons, unverified });
    // The cache column's short note is there exactly when the cache is off.
    expect(capability.offNote === undefined).toBe(ok);
  });

  test.each<[string, Partial<GhaCacheCapabilityInput>, string]>([
    [
      'classic store',
      { ...DEBIAN_28, containerdStore: false },
      'off: the docker driver cannot export cache on the classic image store',
    ],
    ['old buildx first', DEBIAN_26, "off: buildx 0.13.1 predates GitHub's cache service v2"],
    [
      'old engine BuildKit',
      { ...DEBIAN_28, engineVersion: '27.5.1' },
      "off: the BuildKit of Docker 27.5.1 predates GitHub's cache service v2",
    ],
    [
      'old BuildKit',
      { buildkitVersion: 'v0.19.4' },
      "off: BuildKit 0.19.4 predates GitHub's cache service v2",
    ],
  ])('the cache column names the first reason: %s', (_description, overrides, note) => {
    expect(assessGhaCache({ ...CURRENT, ...overrides }).offNote).toBe(note);
  });
});

describe('parseEngineFacts (docker info with ENGINE_FACTS_FORMAT, as the test engines print it)', () => {
  test.each([
    [
      'Docker 28.5 on the containerd store',
      '28.5.2+dfsg4\t[["driver-type","io.containerd.snapshotter.v1"]]\n',
      { containerdStore: true, serverVersion: '28.5.2+dfsg4' },
    ],
    [
      'Docker 20.10 on overlay2',
      '20.10.24+dfsg1\t[["Backing Filesystem","extfs"],["Supports d_type","true"]]\n',
      { containerdStore: false, serverVersion: '20.10.24+dfsg1' },
    ],
    ['nothing printed', '', { containerdStore: false, serverVersion: undefined }],
    ['no version', '\tnull', { containerdStore: false, serverVersion: undefined }],
  ])('%s', (_description, stdout, expected) => {
    expect(parseEngineFacts(stdout)).toEqual(expected);
  });
});

describe('buildkitOfDockerEngine', () => {
  test.each([
    ['28.0.0', { atLeast: '0.20.0' }],
    ['28.5.2+dfsg4', { atLeast: '0.20.0' }],
    ['29.1.0', { atLeast: '0.20.0' }],
    ['27.5.1', { below: '0.20.0' }],
    ['26.1.5+dfsg1', { below: '0.20.0' }],
    ['20.10.24+dfsg1', { below: '0.20.0' }],
    // A BuildKit version, or none: not an engine's.
    ['v0.20.2', undefined],
    ['v0.0.0+unknown', undefined],
    [undefined, undefined],
  ])('%s', (engine, expected) => {
    expect(buildkitOfDockerEngine(engine)).toEqual(expected);
  });
});

describe('ghaSetupFailureIn: the build errors that the gha cache caused before anything was built', () => {
  test.each([
    [
      'a runner token that is no JWT (buildx 0.29, Docker 28, as measured)',
      'failed to build: failed to solve: failed to configure gha cache exporter: token is malformed: token contains an invalid number of segments',
      'failed to configure gha cache exporter: token is malformed: token contains an invalid number of segments',
    ],
    [
      'the importer',
      'ERROR: failed to solve: failed to configure gha cache importer: invalid url',
      'failed to configure gha cache importer: invalid url',
    ],
    [
      'a BuildKit without the gha backend',
      'ERROR: failed to solve: unknown cache exporter: "gha"',
      'unknown cache exporter: "gha"',
    ],
    ['another cache backend', 'failed to configure registry cache exporter: denied', undefined],
    [
      'a failing RUN step',
      'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      undefined,
    ],
    [
      'a failing RUN step whose command names the gha cache',
      'failed to solve: process "/bin/sh -c echo failed to configure gha cache exporter; exit 1" did not complete successfully: exit code: 1',
      undefined,
    ],
    [
      'a failing RUN step that echoes the unknown-backend text',
      'process "/bin/sh -c echo unknown cache exporter: gha && false" did not complete successfully: exit code: 1',
      undefined,
    ],
    ['a backend whose name only starts with gha', 'unknown cache exporter: "ghabox"', undefined],
  ])('%s', (_description, errorLine, expected) => {
    expect(ghaSetupFailureIn(errorLine)).toBe(expected);
  });
});

describe('ghaCacheTroubleIn: gha cache errors in a build that succeeded anyway', () => {
  // As buildx 0.29 on Docker 28 (containerd store) prints them with --progress=plain, measured.
  const restoreFailed = [
    '#0 building with "default" instance using docker driver',
    '#3 importing cache manifest from gha:12643383726340062432',
    '#3 ERROR: failed to configure gha cache importer: token is malformed: token contains an invalid number of segments',
    '#5 [1/1] COPY a /a',
    '#5 DONE 0.0s',
  ];
  const saveRefused = [
    '#3 importing cache manifest from gha:3441269435288355247',
    '#5 [1/1] COPY a /a',
    '#6 exporting to image',
    '#7 exporting to GitHub Actions Cache',
    '#7 preparing build cache for export 0.0s done',
    '#7 ERROR: unauthenticated',
  ];
  test.each([
    [
      'the importer could not be set up (read-only mode, a token that is no JWT)',
      restoreFailed,
      {
        restore:
          'failed to configure gha cache importer: token is malformed: token contains an invalid number of segments',
        save: undefined,
      },
    ],
    ['the service refused the save', saveRefused, { restore: undefined, save: 'unauthenticated' }],
    [
      'both, each read once',
      [...restoreFailed, ...saveRefused.slice(1), '#7 ERROR: again'],
      {
        restore:
          'failed to configure gha cache importer: token is malformed: token contains an invalid number of segments',
        save: 'unauthenticated',
      },
    ],
    [
      'a cache miss and a save that worked',
      [
        '#3 importing cache manifest from gha:18369795842231768796',
        '#3 DONE 0.0s',
        '#7 exporting to GitHub Actions Cache',
        '#7 preparing build cache for export 0.0s done',
        '#7 DONE 0.1s',
      ],
      { restore: undefined, save: undefined },
    ],
    [
      'a failing RUN step is not the cache',
      [
        '#5 [2/2] RUN exit 3',
        '#5 ERROR: process "/bin/sh -c exit 3" did not complete successfully',
      ],
      { restore: undefined, save: undefined },
    ],
    [
      'a registry cache is not the gha cache',
      ['#8 exporting cache to registry', '#8 ERROR: denied'],
      { restore: undefined, save: undefined },
    ],
  ])('%s', (_description, lines, expected) => {
    expect(ghaCacheTroubleIn(lines)).toEqual(expected);
  });

  test('BuildKit 0.11 named its export step "exporting to GitHub cache"', () => {
    expect(
      ghaCacheTroubleIn(['#9 exporting to GitHub cache', '#9 ERROR: unexpected status 500']),
    ).toEqual({ restore: undefined, save: 'unexpected status 500' });
  });

  test('the rawjson reader: a multi-line error (the Azure SDK writes them) gives its first line', () => {
    const stderr = [
      JSON.stringify({
        vertexes: [{ digest: 'sha256:e', name: 'exporting to GitHub Actions Cache' }],
      }),
      JSON.stringify({
        vertexes: [
          {
            digest: 'sha256:e',
            name: 'exporting to GitHub Actions Cache',
            error:
              'PUT https://blob.example/x\n--------------------\nRESPONSE 403: AuthenticationFailed',
          },
        ],
      }),
    ].join('\n');
    const lines = readRawJsonProgress(stderr).lines;
    expect(ghaCacheTroubleIn(lines)).toEqual({
      restore: undefined,
      save: 'PUT https://blob.example/x',
    });
    expect(lines).toContain('#1 RESPONSE 403: AuthenticationFailed');
  });

  test('the rawjson reader: a cancelled import is CANCELED, as the plain printer says, not a failure', () => {
    const stderr = JSON.stringify({
      vertexes: [
        {
          digest: 'sha256:i',
          name: 'importing cache manifest from gha:1',
          error: 'failed to load cache: context canceled',
        },
      ],
    });
    const lines = readRawJsonProgress(stderr).lines;
    expect(lines).toEqual(['#1 importing cache manifest from gha:1', '#1 CANCELED']);
    expect(ghaCacheTroubleIn(lines)).toEqual({ restore: undefined, save: undefined });
  });

  test('the rawjson reader writes the lines the same way', () => {
    const stderr = [
      JSON.stringify({
        vertexes: [{ digest: 'sha256:a', name: 'importing cache manifest from gha:1' }],
      }),
      JSON.stringify({
        vertexes: [
          {
            digest: 'sha256:a',
            name: 'importing cache manifest from gha:1',
            error: 'failed to configure gha cache importer: invalid url',
          },
        ],
      }),
    ].join('\n');
    expect(ghaCacheTroubleIn(readRawJsonProgress(stderr).lines)).toEqual({
      restore: 'failed to configure gha cache importer: invalid url',
      save: undefined,
    });
  });
});

describe('reportGhaCacheTrouble: one warning, and the Cache column of the build that went on', () => {
  const base = { service: 'api', variablesFix: 'check the variables' };
  const readWrite = { on: true, note: 'gha (service v2), read and write' };
  test.each([
    [
      'nothing went wrong',
      { restore: undefined, save: undefined },
      'read-write',
      readWrite,
      undefined,
      undefined,
    ],
    [
      'the service refused both ways, one reason',
      { restore: 'unauthenticated', save: 'unauthenticated' },
      'read-write',
      readWrite,
      "The GitHub Actions cache could neither be read nor saved for api (unauthenticated): it was built without cached layers, and the next run cannot restore it. The build table's Cache column names each service this hit; check the variables.",
      { on: false, note: 'off: restoring failed: unauthenticated; saving failed: unauthenticated' },
    ],
    [
      'only the save failed: the restore still worked',
      { restore: undefined, save: 'quota exceeded' },
      'read-write',
      readWrite,
      "The GitHub Actions cache could not save api's layers (quota exceeded): the image is built, but the next run cannot restore it. The build table's Cache column names each service this hit; a limit or an outage of GitHub's cache service passes: the next run tries again.",
      { on: true, note: 'gha (service v2), read and write; saving failed: quota exceeded' },
    ],
    [
      'read only, and the restore failed: nothing worked',
      { restore: 'invalid url', save: undefined },
      'read',
      { on: true, note: 'gha (service v2), read only' },
      "The GitHub Actions cache could not be read for api (invalid url): it was built without cached layers. The build table's Cache column names each service this hit; check the variables.",
      { on: false, note: 'off: restoring failed: invalid url' },
    ],
    [
      'two reasons are both named',
      { restore: 'timeout', save: 'unauthenticated' },
      'read-write',
      readWrite,
      "The GitHub Actions cache could neither be read nor saved for api (restoring: timeout; saving: unauthenticated): it was built without cached layers, and the next run cannot restore it. The build table's Cache column names each service this hit; check the variables.",
      { on: false, note: 'off: restoring failed: timeout; saving failed: unauthenticated' },
    ],
    [
      'write only, and the save failed: nothing worked',
      { restore: undefined, save: 'unauthenticated' },
      'write-only',
      { on: true, note: 'gha (service v2), write only' },
      "The GitHub Actions cache could not save api's layers (unauthenticated): the image is built, but the next run cannot restore it. The build table's Cache column names each service this hit; check the variables.",
      { on: false, note: 'off: saving failed: unauthenticated' },
    ],
    [
      'read and write, only the restore failed: the save still worked',
      { restore: 'failed to configure gha cache importer: invalid url', save: undefined },
      'read-write',
      readWrite,
      "The GitHub Actions cache could not be read for api (failed to configure gha cache importer: invalid url): it was built without cached layers. The build table's Cache column names each service this hit; check the variables.",
      {
        on: true,
        note: 'gha (service v2), read and write; restoring failed: failed to configure gha cache importer: invalid url',
      },
    ],
    [
      'a builder without the gha backend in read-only mode gets the builder fix',
      { restore: 'unknown cache importer: "gha"', save: undefined },
      'read',
      { on: true, note: 'gha (service v2), read only' },
      'The GitHub Actions cache could not be read for api (unknown cache importer: "gha"): it was built without cached layers. The build table\'s Cache column names each service this hit; this builder\'s BuildKit has no gha backend: add the step docker/setup-buildx-action before this action, or set input `builder`.',
      { on: false, note: 'off: restoring failed: unknown cache importer: "gha"' },
    ],
  ] satisfies [
    string,
    GhaCacheTrouble,
    GhaCacheMode,
    CacheState,
    string | undefined,
    CacheState | undefined,
  ][])('%s', (_description, trouble, mode, cache, warning, state) => {
    const report = reportGhaCacheTrouble({ ...base, trouble, mode, cache });
    expect(report?.warning).toBe(warning);
    expect(report?.cache).toEqual(state);
  });
});
