import type { PackageSummary } from '../../src/core/model.js';
import { summarisePackages } from '../../src/measure/packages/summary.js';
import { describe, expect, it } from 'vitest';

import {
  diffPackages,
  largestPackageChanges,
  packageTotalsByEcosystem,
  type PackageChange,
} from '../../src/compare/packages.js';
import type { PackageUsage } from '../../src/measure/packages/types.js';

function usage(
  ecosystem: PackageUsage['ecosystem'],
  name: string,
  version: string,
  bytes: number,
  architecture?: string,
): PackageUsage {
  return {
    ecosystem,
    name,
    version,
    architecture,
    bytes,
    files: 1,
    installs: 1,
    layers: [{ layer: 0, bytes }],
  };
}

function row(
  ecosystem: PackageSummary['ecosystem'],
  name: string,
  version: string,
  bytes: number,
): PackageSummary {
  return { ecosystem, name, version, bytes };
}

/** `[kind, ecosystem:name, before, after, delta]` for compact expectations. */
function summary(changes: readonly PackageChange[]) {
  return changes.map((change) => [
    change.kind,
    `${change.ecosystem}:${change.name}`,
    change.bytesBefore,
    change.bytesAfter,
    change.delta,
  ]);
}

describe('summarisePackages', () => {
  it('keeps no files, merges installs of one identity and sorts by ecosystem then name', () => {
    const rows = summarisePackages([
      usage('npm', 'ms', '2.1.3', 3_000),
      usage('npm', 'ms', '2.0.0', 2_700),
      usage('python', 'requests', '2.32.3', 400_000),
      usage('dpkg', 'bash', '5.2.15', 1_300_000, 'amd64'),
      usage('apk', 'musl', '1.2.5-r0', 650_000, 'x86_64'),
    ]);
    expect(rows).toEqual([
      row('dpkg', 'bash', '5.2.15', 1_300_000),
      row('apk', 'musl', '1.2.5-r0', 650_000),
      row('python', 'requests', '2.32.3', 400_000),
      row('npm', 'ms', '2.0.0, 2.1.3', 3_000 + 2_700),
    ]);
  });

  it('names dpkg packages of a foreign architecture `<name>:<arch>`, native and `all` bare', () => {
    const rows = summarisePackages([
      usage('dpkg', 'libc6', '2.36', 12_000_000, 'amd64'),
      usage('dpkg', 'libc6', '2.36', 11_000_000, 'i386'),
      usage('dpkg', 'bash', '5.2', 7_000_000, 'amd64'),
      usage('dpkg', 'tzdata', '2024a', 3_000_000, 'all'),
    ]);
    expect(rows.map((entry) => entry.name)).toEqual(['bash', 'libc6', 'libc6:i386', 'tzdata']);
  });
});

describe('diffPackages', () => {
  const before = [
    row('dpkg', 'bash', '5.2.15-2', 1_300_000),
    row('dpkg', 'curl', '7.88.1-10', 500_000),
    row('dpkg', 'libc6', '2.36-9', 12_000_000),
    row('python', 'requests', '2.31.0', 400_000),
    row('python', 'Typing_Extensions', '4.12.2', 100_000),
    row('npm', 'express', '4.19.2', 200_000),
    row('npm', 'left-pad', '1.3.0', 5_000),
  ];
  const after = [
    usage('dpkg', 'bash', '5.2.15-2', 1_300_000, 'amd64'),
    usage('dpkg', 'libc6', '2.36-9', 12_500_000, 'amd64'),
    usage('dpkg', 'libc6', '2.36-9', 11_000_000, 'i386'),
    usage('python', 'requests', '2.32.3', 390_000),
    usage('python', 'typing-extensions', '4.12.2', 90_000),
    usage('npm', 'express', '4.19.2', 200_000),
    usage('npm', 'lodash', '4.17.21', 1_400_000),
  ];

  it('reports added, removed, grown, shrunk and version-changed packages, unchanged ones left out', () => {
    expect(summary(diffPackages(before, summarisePackages(after)))).toEqual([
      ['removed', 'dpkg:curl', 500_000, undefined, -500_000],
      ['grown', 'dpkg:libc6', 12_000_000, 12_500_000, 500_000],
      ['added', 'dpkg:libc6:i386', undefined, 11_000_000, 11_000_000],
      ['version-changed', 'python:requests', 400_000, 390_000, -10_000],
      ['shrunk', 'python:typing-extensions', 100_000, 90_000, -10_000],
      ['removed', 'npm:left-pad', 5_000, undefined, -5_000],
      ['added', 'npm:lodash', undefined, 1_400_000, 1_400_000],
    ]);
  });

  it('carries both versions of a changed package', () => {
    const requests = diffPackages(before, summarisePackages(after)).find(
      (change) => change.name === 'requests',
    );
    expect(requests).toMatchObject({ versionBefore: '2.31.0', versionAfter: '2.32.3' });
  });

  it('reports nothing without package data in the baseline, and nothing for identical sides', () => {
    expect(diffPackages(undefined, summarisePackages(after))).toEqual([]);
    expect(diffPackages(summarisePackages(after), summarisePackages(after))).toEqual([]);
  });

  it('reports a version change even when the bytes did not move', () => {
    const changes = diffPackages(
      [row('apk', 'musl', '1.2.4-r2', 650_000)],
      summarisePackages([usage('apk', 'musl', '1.2.5-r0', 650_000, 'x86_64')]),
    );
    expect(summary(changes)).toEqual([['version-changed', 'apk:musl', 650_000, 650_000, 0]]);
  });
});

describe('packageTotalsByEcosystem', () => {
  it('sums packages and bytes per ecosystem on both sides', () => {
    const before = [
      row('dpkg', 'bash', '5.2', 1_000),
      row('dpkg', 'curl', '7', 500),
      row('npm', 'a', '1', 10),
    ];
    const after = [
      usage('dpkg', 'bash', '5.2', 1_200, 'amd64'),
      usage('python', 'six', '1.16.0', 30),
    ];
    expect(packageTotalsByEcosystem(before, summarisePackages(after))).toEqual([
      {
        ecosystem: 'dpkg',
        packagesBefore: 2,
        packagesAfter: 1,
        bytesBefore: 1_500,
        bytesAfter: 1_200,
        delta: -300,
      },
      {
        ecosystem: 'python',
        packagesBefore: 0,
        packagesAfter: 1,
        bytesBefore: 0,
        bytesAfter: 30,
        delta: 30,
      },
      {
        ecosystem: 'npm',
        packagesBefore: 1,
        packagesAfter: 0,
        bytesBefore: 10,
        bytesAfter: 0,
        delta: -10,
      },
    ]);
  });

  it('leaves the before side undefined without package data in the baseline', () => {
    expect(
      packageTotalsByEcosystem(undefined, summarisePackages([usage('npm', 'a', '1', 10)])),
    ).toEqual([
      {
        ecosystem: 'npm',
        packagesBefore: undefined,
        packagesAfter: 1,
        bytesBefore: undefined,
        bytesAfter: 10,
        delta: 0,
      },
    ]);
  });
});

describe('largestPackageChanges', () => {
  it('orders by |delta| descending, then ecosystem and name, and keeps n', () => {
    const changes = diffPackages(
      [row('npm', 'b', '1', 100), row('npm', 'a', '1', 100), row('dpkg', 'z', '1', 1_000)],
      summarisePackages([
        usage('npm', 'b', '1', 50),
        usage('npm', 'a', '1', 150),
        usage('apk', 'new', '1', 2_000),
      ]),
    );
    expect(largestPackageChanges(changes, 3).map((change) => [change.name, change.delta])).toEqual([
      ['new', 2_000],
      ['z', -1_000],
      ['a', 50],
    ]);
    expect(largestPackageChanges(changes, 0)).toEqual([]);
    expect(largestPackageChanges(changes, 10)).toHaveLength(4);
  });
});
