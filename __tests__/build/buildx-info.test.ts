import { describe, expect, test } from 'vitest';
import {
  assessGhaCache,
  parseBuildxInspect,
  parseBuildxVersion,
  type BuildxBuilderInfo,
  type GhaCacheCapabilityInput,
} from '../../src/build/buildx-info.js';

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
  containerdStore: false,
};

/** Debian trixie's Docker 26.1 with buildx 0.13.1 on the containerd store, as on the test engine. */
const DEBIAN_26: Partial<GhaCacheCapabilityInput> = {
  buildxVersion: '0.13.1',
  buildkitVersion: 'v0.0.0+unknown',
  driver: 'docker',
  containerdStore: true,
};

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
      'v2: Debian 26.1 — buildx too old; its BuildKit v0.0.0+unknown is unknown, not old',
      DEBIAN_26,
      false,
      [OLD_BUILDX('0.13.1')],
      [UNKNOWN_BUILDKIT('0.20.0', V2, DISTRIBUTION_BUILDKIT)],
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
      { serviceVersion: 1, buildkitVersion: undefined, driver: 'docker', containerdStore: true },
      true,
      [],
      [UNKNOWN_BUILDKIT('0.9.0', V1)],
    ],
  ])('%s', (_description, overrides, ok, reasons, unverified) => {
    expect(assessGhaCache({ ...CURRENT, ...overrides })).toEqual({ ok, reasons, unverified });
  });
});
