import { describe, expect, it } from 'vitest';
import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import { mergeShardReports } from '../../src/compare/merge.js';
import type { Verdict } from '../../src/compare/types.js';
import type { LayerMeasurement } from '../../src/measure/types.js';
import type { PackageUsage } from '../../src/measure/packages/types.js';
import { summarisePackages } from '../../src/measure/packages/summary.js';
import { renderComment } from '../../src/report/comment.js';
import {
  buildJsonReport,
  parseJsonReport,
  serializeJsonReport,
  shardReportOf,
} from '../../src/report/json-report.js';
import { renderTerminalPackages } from '../../src/report/packages.js';
import { NO_PACKAGES, imageOf, limits } from '../support/fixtures.js';

/** Package sizes as Debian bookworm's gcc and make have them (fixture values). */
const GCC = 69_815_987;
const CPP = 31_000_000;
const MAKE = 1_534_497;
const BASH = 7_000_000;

function usage(name: string, version: string, bytes: number, layer: number): PackageUsage {
  return {
    ecosystem: 'dpkg',
    name,
    version,
    architecture: 'amd64',
    bytes,
    files: 10,
    installs: 1,
    layers: [{ layer, bytes }],
  };
}

const BASE_LAYER: LayerMeasurement = {
  diffId: 'sha256:base',
  size: 80_000_000,
  instruction: 'FROM debian:bookworm-slim',
  base: true,
};
const GCC_LAYER: LayerMeasurement = {
  diffId: 'sha256:gcc',
  size: GCC + CPP + 5_000_000,
  instruction: 'RUN apt-get install -y --no-install-recommends gcc',
  base: false,
};
const MAKE_LAYER: LayerMeasurement = {
  diffId: 'sha256:make',
  size: MAKE + 2_000_000,
  instruction: 'RUN apt-get install -y --no-install-recommends make',
  base: false,
};

const BEFORE = [
  usage('gcc-12', '12.2.0-14', GCC, 1),
  usage('cpp-12', '12.2.0-14', CPP, 1),
  usage('bash', '5.2.15-2+b2', BASH, 0),
];
const AFTER = [...BEFORE, usage('make', '4.3-4.1', MAKE, 2)];

function measuredWith(layers: LayerMeasurement[], packages: PackageUsage[]) {
  return imageOf(layers, {
    analysis: {
      wastedBytes: 0,
      efficiency: 1,
      wasted: [],
      layers: layers.map(() => ({ largestFiles: [], largestDirectories: [] })),
      hints: [],
      packages: { ...NO_PACKAGES, packages, summary: summarisePackages(packages) },
    },
  });
}

function gccPlusMake(): Verdict {
  const before = measuredWith([BASE_LAYER, GCC_LAYER], BEFORE);
  const entry: BaselineEntry = {
    size: before.size,
    layers: before.layers,
    packages: summarisePackages(BEFORE),
  };
  return compare({
    outcomes: [
      {
        name: 'builder',
        limits: limits(),
        measurement: measuredWith([BASE_LAYER, GCC_LAYER, MAKE_LAYER], AFTER),
        dockerfile: 'builder/Dockerfile',
      },
    ],
    baseline: { version: 1, services: { builder: entry } },
    metric: 'uncompressed',
    failOn: 'any',
    fullRun: true,
    knownServices: ['builder'],
  });
}

describe('packages in the report: gcc, then gcc and make', () => {
  const verdict = gccPlusMake();
  const [builder] = verdict.services;

  it('finds make added with its bytes, and gcc-12 unchanged', () => {
    expect(builder?.packages?.changes).toEqual([
      {
        ecosystem: 'dpkg',
        name: 'make',
        kind: 'added',
        versionBefore: undefined,
        versionAfter: '4.3-4.1',
        bytesBefore: undefined,
        bytesAfter: MAKE,
        delta: MAKE,
      },
    ]);
    expect(builder?.packages?.grownLayers).toEqual([
      { layer: 2, packages: [{ ecosystem: 'dpkg', name: 'make', bytes: MAKE }] },
    ]);
  });

  it('renders the comment (snapshot)', () => {
    const comment = renderComment(verdict, {
      key: 'packages',
      refreshHint: 'npx image-size-gate update',
    });
    expect(comment).toContain('| + make | 4.3-4.1 | +1.53 MB |');
    expect(comment).toContain('(<code>RUN apt-get install -y --no-install-recommends make</code>)');
    expect(comment).not.toContain('gcc-12 |');
    expect(comment).toMatchSnapshot();
  });

  it('prints the largest package changes in a terminal', () => {
    expect(renderTerminalPackages(verdict)).toBe('builder: packages\n  + make 4.3-4.1 +1.53 MB');
  });

  it('carries them through the JSON report and a merge of it', () => {
    const text = serializeJsonReport(
      buildJsonReport(verdict, { generatedAt: 'now', mode: 'check' }),
    );
    const merged = mergeShardReports([shardReportOf(parseJsonReport(text, 'report.json'))], {
      failOn: 'any',
    });
    expect(merged).toEqual(verdict);
  });
});
