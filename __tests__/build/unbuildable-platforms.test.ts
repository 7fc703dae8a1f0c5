import { describe, expect, it } from 'vitest';
import { unbuildablePlatforms, type EngineQueries } from '../../src/build-and-measure.js';
import type { ImageBuilder } from '../../src/build/types.js';
import type { Service } from '../../src/services/types.js';
import { limits } from '../support/fixtures.js';
import { MemoryLog } from '../support/memory-log.js';

/** An engine as `docker version` and `docker info` describe it. */
function engine(store: 'classic' | 'containerd', os = 'linux'): EngineQueries {
  const driverStatus =
    store === 'containerd'
      ? [['driver-type', 'io.containerd.snapshotter.v1']]
      : [
          ['Backing Filesystem', 'extfs'],
          ['Supports d_type', 'true'],
        ];
  return {
    version: () => Promise.resolve({ Os: os, Arch: 'amd64' }),
    info: () => Promise.resolve({ Driver: 'overlay2', DriverStatus: driverStatus }),
  };
}

function builder(
  kind: 'engine' | 'buildx-load' | 'buildx-oci',
  platforms?: string[],
): ImageBuilder {
  return {
    method: kind === 'engine' ? 'engine' : 'buildx',
    cache: { on: false, note: '' },
    platforms,
    buildsPlatformsTogether: kind === 'buildx-oci',
    exportsOciLayout: kind === 'buildx-oci',
    build: () => Promise.reject(new Error('not called')),
  };
}

function service(name: string, platform: string | undefined, built = true): Service {
  return {
    name,
    baseName: name.split('@')[0] ?? name,
    definedIn: 'compose.yaml',
    build: built
      ? { context: '/c', dockerfile: '/c/Dockerfile', target: undefined, args: {} }
      : undefined,
    image: built ? undefined : 'example/runner:1',
    platform,
    platformOrigin:
      platform === undefined
        ? undefined
        : { file: 'compose.yaml', key: `services.${name}.platform` },
    limits: limits(),
  };
}

describe('a platform of another OS than the engine is an error of that service only', () => {
  const services = [
    service('web', undefined),
    service('api', 'linux/amd64'),
    service('runner', 'wasi/wasm'),
    service('win', 'Windows/AMD64'),
    service('tool', 'wasi/wasm', false),
  ];

  it.each([
    // The classic store refuses images of another OS: a build would fail after its minutes.
    ['classic', 'engine', ['runner', 'win', 'tool']],
    ['classic', 'buildx-load', ['runner', 'win', 'tool']],
    // An OCI layout never enters the engine; a prebuilt image is still pulled into it.
    ['classic', 'buildx-oci', ['tool']],
    // The containerd store holds any platform: everything is tried.
    ['containerd', 'engine', []],
    ['containerd', 'buildx-load', []],
    ['containerd', 'buildx-oci', []],
  ] as const)('%s store, %s builder: %j refused', async (store, kind, refused) => {
    const log = new MemoryLog();
    const result = await unbuildablePlatforms(services, builder(kind), engine(store), log);
    expect([...result.keys()]).toEqual(refused);
    expect(log.warnings).toHaveLength(refused.length);
  });

  it('says what it is, where the platform was written, and what would build it', async () => {
    const log = new MemoryLog();
    const result = await unbuildablePlatforms(services, builder('engine'), engine('classic'), log);
    expect(result.get('runner')).toBe(
      'cannot be built here: its platform wasi/wasm (compose.yaml: services.runner.platform) is a wasi platform, and this engine (linux/amd64, classic image store) holds linux images only; buildx exporting an OCI layout (docker/setup-buildx-action) or the containerd image store can build it',
    );
    expect(result.get('win')).toContain('its platform Windows/AMD64');
    expect(result.get('win')).toContain('is a windows platform');
    expect(result.get('tool')).toBe(
      'cannot be pulled here: its platform wasi/wasm (compose.yaml: services.tool.platform) is a wasi platform, and this engine (linux/amd64, classic image store) holds linux images only; the containerd image store can pull it',
    );
    expect(log.warnings[0]).toBe(`runner: ${result.get('runner')}`);
  });

  it('reads the OS as containerd does: Linux/x86_64 is a linux platform', async () => {
    const result = await unbuildablePlatforms(
      [service('api', 'Linux/x86_64')],
      builder('engine'),
      engine('classic'),
      new MemoryLog(),
    );
    expect(result.size).toBe(0);
  });

  it('asks the engine nothing when no service names a platform', async () => {
    const silent: EngineQueries = {
      version: () => Promise.reject(new Error('asked')),
      info: () => Promise.reject(new Error('asked')),
    };
    const result = await unbuildablePlatforms(
      [service('web', undefined)],
      builder('engine'),
      silent,
      new MemoryLog(),
    );
    expect(result.size).toBe(0);
  });
});

describe('a platform the builder does not list is a warning, once', () => {
  it.each([
    [
      'linux/arm64',
      'The builder lists linux/amd64, linux/386, not linux/arm64: a RUN step for linux/arm64 needs QEMU emulation (docker/setup-qemu-action); COPY and ADD do not.',
    ],
    [
      'wasi/wasm',
      'The builder lists linux/amd64, linux/386, not wasi/wasm: a RUN step for wasi/wasm cannot run on this linux builder; COPY, ADD and stages FROM --platform=$BUILDPLATFORM work.',
    ],
  ])('%s', async (platform, warning) => {
    const log = new MemoryLog();
    const result = await unbuildablePlatforms(
      [service('a', platform), service('b', platform), service('c', 'linux/amd64')],
      builder('buildx-oci', ['linux/amd64', 'linux/386']),
      engine('classic'),
      log,
    );
    expect(result.size).toBe(0);
    expect(log.warnings).toEqual([warning]);
  });
});
