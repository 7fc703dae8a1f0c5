import { describe, expect, it } from 'vitest';
import { buildGroups } from '../../src/build-and-measure.js';
import type { ImageBuilder } from '../../src/build/types.js';
import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import { mergeShardReports } from '../../src/compare/merge.js';
import { serviceOfUnit } from '../../src/core/platforms.js';
import type { Service } from '../../src/services/types.js';
import { MB, limits, measured, singleLayerImage } from '../support/fixtures.js';

function onPlatform(name: string, size: number, platform: string) {
  return measured(name, size, { measurement: singleLayerImage(size, { platform }) });
}

function entryOn(size: number, platform: string): BaselineEntry {
  return { size, platform, layers: [] };
}

describe('platforms', () => {
  // The grammar and normal spellings: __tests__/core/platforms.test.ts.
  it('names the service of a per-platform unit', () => {
    expect(serviceOfUnit('api@linux/arm64')).toBe('api');
    expect(serviceOfUnit('api')).toBe('api');
  });
});

describe('compare like with like', () => {
  it('never compares an image with an entry written for another platform', () => {
    const verdict = compare({
      outcomes: [onPlatform('api', 100 * MB, 'linux/arm64')],
      baseline: { version: 1, services: { api: entryOn(50 * MB, 'linux/amd64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: ['api'],
    });
    const [api] = verdict.services;
    expect(api?.status).toBe('new');
    expect(api?.baseline).toBeUndefined();
    expect(api?.change).toBeUndefined();
    expect(verdict.passed).toBe(true);
    expect(api?.reasons).toEqual([
      'the baseline entry "api" is for linux/amd64 and this image is linux/arm64: sizes of different platforms are not compared; update the baseline',
    ]);
  });

  it('reads linux/arm64/v8 and linux/arm64 as one platform', () => {
    const verdict = compare({
      outcomes: [onPlatform('api', 100 * MB, 'linux/arm64/v8')],
      baseline: { version: 1, services: { api: entryOn(100 * MB, 'linux/arm64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: ['api'],
    });
    expect(verdict.services[0]?.change).toBe(0);
  });

  it('uses a one-platform entry for the same platform of a service now measured per platform', () => {
    const verdict = compare({
      outcomes: [
        onPlatform('api@linux/amd64', 120 * MB, 'linux/amd64'),
        onPlatform('api@linux/arm64', 90 * MB, 'linux/arm64'),
      ],
      baseline: { version: 1, services: { api: entryOn(100 * MB, 'linux/amd64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: ['api@linux/amd64', 'api@linux/arm64'],
    });
    expect(
      verdict.services.map((service) => [service.name, service.status, service.change]),
    ).toEqual([
      ['api@linux/amd64', 'fail', 20 * MB],
      ['api@linux/arm64', 'new', undefined],
    ]);
    // The old entry stood for amd64: it is not `removed`, and the total counts it once.
    expect(verdict.total).toMatchObject({ baseline: 100 * MB, current: 210 * MB });
  });

  it('counts a one-platform entry once for a filtered run of the other platform', () => {
    const verdict = compare({
      outcomes: [onPlatform('api@linux/arm64', 90 * MB, 'linux/arm64')],
      baseline: { version: 1, services: { api: entryOn(100 * MB, 'linux/amd64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: false,
      knownServices: ['api@linux/amd64', 'api@linux/arm64'],
    });
    expect(verdict.total).toMatchObject({ carried: 100 * MB, carriedServices: 1 });
    expect(verdict.services.map((service) => service.name)).toEqual(['api@linux/arm64']);
  });

  it('a merge of shards does not call the one-platform entry missing', () => {
    const shard = compare({
      outcomes: [onPlatform('api@linux/amd64', 100 * MB, 'linux/amd64')],
      baseline: { version: 1, services: { api: entryOn(100 * MB, 'linux/amd64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: false,
      knownServices: ['api@linux/amd64'],
    });
    const merged = mergeShardReports([{ metric: 'uncompressed', services: shard.services }], {
      failOn: 'any',
      knownServices: new Map([['api', 100 * MB]]),
      definedServices: new Set(['api@linux/amd64']),
    });
    expect(merged.services.map((service) => [service.name, service.status])).toEqual([
      ['api@linux/amd64', 'pass'],
    ]);
  });
});

describe('a merge with a one-platform entry and a lost shard', () => {
  it('keeps the entry in play when the shard that used it is missing', () => {
    // The arm64 shard reported (a new platform); the amd64 shard, compared with `api`, is lost.
    const shard = compare({
      outcomes: [onPlatform('api@linux/arm64', 90 * MB, 'linux/arm64')],
      baseline: { version: 1, services: { api: entryOn(100 * MB, 'linux/amd64') } },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: false,
      knownServices: ['api@linux/arm64'],
    });
    const merged = mergeShardReports([{ metric: 'uncompressed', services: shard.services }], {
      failOn: 'any',
      knownServices: new Map<string, number | undefined>([
        ['api', 100 * MB],
        ['api@linux/amd64', undefined],
        ['api@linux/arm64', undefined],
      ]),
      definedServices: new Set(['api@linux/amd64', 'api@linux/arm64']),
    });
    expect(merged.services.map((service) => [service.name, service.status])).toEqual([
      ['api', 'removed'],
      ['api@linux/amd64', 'missing'],
      ['api@linux/arm64', 'new'],
    ]);
    expect(merged.passed).toBe(false);
  });
});

describe('buildGroups', () => {
  const service = (name: string, built: boolean, platform?: string): Service => ({
    name,
    baseName: name.split('@')[0] ?? name,
    definedIn: 'config',
    build: built
      ? { context: '/c', dockerfile: '/c/Dockerfile', target: undefined, args: {} }
      : undefined,
    image: built ? undefined : 'postgres:16',
    platform,
    platformOrigin: undefined,
    limits: limits(),
  });
  const services = [
    service('api@linux/amd64', true, 'linux/amd64'),
    service('api@linux/arm64', true, 'linux/arm64'),
    service('db@linux/amd64', false, 'linux/amd64'),
    service('db@linux/arm64', false, 'linux/arm64'),
    service('web', true),
  ];
  const names = (groups: (readonly Service[])[]) =>
    groups.map((group) => group.map((one) => one.name));
  const builder = (together: boolean): ImageBuilder => ({
    method: 'buildx',
    cache: { on: false, note: '' },
    buildsPlatformsTogether: together,
    build: () => Promise.reject(new Error('not called')),
  });

  it('builds the platforms of a service together where the builder exports an OCI layout', () => {
    expect(names(buildGroups(services, builder(true)))).toEqual([
      ['api@linux/amd64', 'api@linux/arm64'],
      ['db@linux/amd64', 'db@linux/arm64'],
      ['web'],
    ]);
  });

  it('otherwise builds each platform on its own, but pulls a prebuilt image one platform at a time', () => {
    expect(names(buildGroups(services, builder(false)))).toEqual([
      ['api@linux/amd64'],
      ['api@linux/arm64'],
      ['db@linux/amd64', 'db@linux/arm64'],
      ['web'],
    ]);
  });
});
