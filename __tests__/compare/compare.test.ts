import { NO_PACKAGES, entry, limits } from '../support/fixtures.js';
import type { FailOn, Status } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';

import type { Baseline, BaselineEntry } from '../../src/baseline/types.js';
import { compare, type CompareInput } from '../../src/compare/compare.js';
import { computeTotal, finishVerdict, splitBaseOwn } from '../../src/compare/verdict.js';
import type { ServiceOutcome } from '../../src/compare/types.js';
import type { ImageAnalysis } from '../../src/measure/analysis-types.js';
import type { ImageMeasurement } from '../../src/measure/types.js';
import type { Limits } from '../../src/services/types.js';

const MB = 1_000_000;

function measurement(size: number, compressed?: number): ImageMeasurement {
  return {
    imageId: `sha256:${String(size).padStart(64, '0')}`,
    size,
    ...(compressed === undefined ? {} : { compressed }),
    platform: 'linux/amd64',
    layers: [{ diffId: 'sha256:aa', size, instruction: 'COPY . /app', base: false }],
  };
}

function measured(
  name: string,
  size: number,
  serviceLimits: Limits = limits(),
  compressed?: number,
): ServiceOutcome {
  return { name, limits: serviceLimits, measurement: measurement(size, compressed) };
}

function baselineOf(services: Record<string, BaselineEntry>): Baseline {
  return { version: 1, services };
}

function run(overrides: Partial<CompareInput> & Pick<CompareInput, 'outcomes'>) {
  return compare({
    baseline: baselineOf({}),
    metric: 'uncompressed',
    failOn: 'any',
    fullRun: true,
    knownServices: overrides.outcomes.map((outcome) => outcome.name),
    ...overrides,
  });
}

interface SingleServiceCase {
  readonly title: string;
  readonly baseline: number | undefined;
  readonly current: number;
  readonly limits?: Limits;
  readonly failOn?: FailOn;
  readonly status: Status;
  readonly passed: boolean;
  readonly unchanged?: boolean;
  readonly reason?: RegExp;
}

const budget = 150 * MB;
const base = 100 * MB;
const tenPercentOfBase = base / 10;

const singleServiceCases: SingleServiceCase[] = [
  {
    title: 'exactly at the budget passes',
    baseline: budget,
    current: budget,
    limits: limits({ budget }),
    status: 'pass',
    passed: true,
    unchanged: true,
  },
  {
    title: 'one byte over the budget fails',
    baseline: budget,
    current: budget + 1,
    limits: limits({ budget }),
    status: 'fail',
    passed: false,
    unchanged: true,
    reason: /^150 MB is over its budget of 150 MB by 1 B$/,
  },
  {
    title: 'over budget by a readable amount names the numbers',
    baseline: budget + 34 * MB,
    current: budget + 34 * MB,
    limits: limits({ budget }),
    status: 'fail',
    passed: false,
    reason: /^184 MB is over its budget of 150 MB by 34 MB$/,
  },
  {
    title: 'growing by exactly the allowed percentage passes',
    baseline: base,
    current: base + tenPercentOfBase,
    status: 'pass',
    passed: true,
  },
  {
    title: 'growing one byte past the allowed percentage fails',
    baseline: base,
    current: base + tenPercentOfBase + 1,
    status: 'fail',
    passed: false,
    reason: /^grew by 10000001 B, more than the allowed 10% of 100 MB \(10000000 B\)$/,
  },
  {
    title: 'a percentage breach shows the decimals that tell it from its limit',
    baseline: base,
    current: base + tenPercentOfBase + base / 10_000,
    status: 'fail',
    passed: false,
    reason: /^grew by 10 MB \(\+10\.01%\), more than the allowed 10%$/,
  },
  {
    title: 'a percentage breach reads with one decimal',
    baseline: base,
    current: base + 2 * tenPercentOfBase,
    status: 'fail',
    passed: false,
    reason: /^grew by 20 MB \(\+20\.0%\), more than the allowed 10%$/,
  },
  {
    title: 'a byte limit: exactly the allowed bytes passes',
    baseline: base,
    current: base + 25 * MB,
    limits: limits({ maxIncrease: { kind: 'bytes', bytes: 25 * MB } }),
    status: 'pass',
    passed: true,
  },
  {
    title: 'a byte limit: one byte more fails, with exact bytes where rounding hides it',
    baseline: base,
    current: base + 25 * MB + 1,
    limits: limits({ maxIncrease: { kind: 'bytes', bytes: 25 * MB } }),
    status: 'fail',
    passed: false,
    reason: /^grew by 25000001 B \(\+25%\), more than the allowed 25000000 B$/,
  },
  {
    title: 'shrinking always passes, even far below the baseline',
    baseline: base,
    current: base / 4,
    limits: limits({ maxIncrease: { kind: 'bytes', bytes: 0 } }),
    status: 'pass',
    passed: true,
    unchanged: false,
  },
  {
    title: 'growth below ignore-below is noise even when it breaks the limit',
    baseline: MB,
    current: MB + MB - 1,
    status: 'pass',
    passed: true,
    unchanged: true,
  },
  {
    title: 'growth of exactly ignore-below is checked',
    baseline: MB,
    current: MB + MB,
    status: 'fail',
    passed: false,
    unchanged: false,
  },
  {
    title: 'a shrink below ignore-below is also unchanged',
    baseline: base,
    current: base - (MB - 1),
    status: 'pass',
    passed: true,
    unchanged: true,
  },
  {
    title: 'a zero ignore-below still treats an identical size as unchanged',
    baseline: base,
    current: base,
    limits: limits({ ignoreBelow: 0 }),
    status: 'pass',
    passed: true,
    unchanged: true,
  },
  {
    title: 'crossing the warning tier warns and passes',
    baseline: base,
    current: base + tenPercentOfBase / 2 + 1,
    limits: limits({ warnIncrease: { kind: 'percent', percent: 5 } }),
    status: 'warn',
    passed: true,
    reason: /^grew by 5000001 B, more than the warning threshold of 5% of 100 MB \(5000000 B\)$/,
  },
  {
    title: 'a warning reads with the percentage it grew',
    baseline: base,
    current: base + (6 * base) / 100,
    limits: limits({ warnIncrease: { kind: 'percent', percent: 5 } }),
    status: 'warn',
    passed: true,
    reason: /^grew by 6 MB \(\+6\.0%\), more than the warning threshold of 5%$/,
  },
  {
    title: 'exactly at the warning tier passes',
    baseline: base,
    current: base + tenPercentOfBase / 2,
    limits: limits({ warnIncrease: { kind: 'percent', percent: 5 } }),
    status: 'pass',
    passed: true,
  },
  {
    title: 'past the maximum the failure wins over the warning',
    baseline: base,
    current: base + 2 * tenPercentOfBase,
    limits: limits({ warnIncrease: { kind: 'percent', percent: 5 } }),
    status: 'fail',
    passed: false,
    reason: /more than the allowed 10%$/,
  },
  {
    title: 'a 0-byte baseline: any real growth breaks a percentage limit',
    baseline: 0,
    current: 2 * MB,
    status: 'fail',
    passed: false,
    reason:
      /^grew by 2 MB from an empty \(0 B\) baseline; a percentage limit \(10%\) allows no growth/,
  },
  {
    title: 'a 0-byte baseline: noise still passes',
    baseline: 0,
    current: MB - 1,
    status: 'pass',
    passed: true,
    unchanged: true,
  },
  {
    title: 'a 0-byte baseline: a byte limit works normally',
    baseline: 0,
    current: 2 * MB,
    limits: limits({ maxIncrease: { kind: 'bytes', bytes: 5 * MB } }),
    status: 'pass',
    passed: true,
  },
  {
    title: 'a new service under its budget is new and passes',
    baseline: undefined,
    current: budget - 1,
    limits: limits({ budget }),
    status: 'new',
    passed: true,
    reason: /^new service, no baseline yet: 150 MB$/,
  },
  {
    title: 'a new service over its budget fails',
    baseline: undefined,
    current: budget + 1,
    limits: limits({ budget }),
    status: 'fail',
    passed: false,
    reason: /is over its budget of 150 MB by 1 B$/,
  },
  {
    title: 'fail-on budget: an increase breach only warns, and says it would fail',
    baseline: base,
    current: base + 2 * tenPercentOfBase,
    failOn: 'budget',
    status: 'warn',
    passed: true,
    reason: /more than the allowed 10% \(this would fail with fail-on: any\)$/,
  },
  {
    title: 'fail-on budget: a budget breach still fails',
    baseline: budget,
    current: budget + 1,
    limits: limits({ budget }),
    failOn: 'budget',
    status: 'fail',
    passed: false,
  },
  {
    title: 'fail-on never: the breach is shown but the gate passes',
    baseline: base,
    current: base + 2 * tenPercentOfBase,
    limits: limits({ budget: base }),
    failOn: 'never',
    status: 'fail',
    passed: true,
  },
];

describe('compare: one service', () => {
  it.each(singleServiceCases)('$title', (testCase) => {
    const baseline = baselineOf(
      testCase.baseline === undefined ? {} : { api: entry(testCase.baseline) },
    );
    const verdict = run({
      outcomes: [measured('api', testCase.current, testCase.limits)],
      baseline,
      failOn: testCase.failOn ?? 'any',
    });
    const [result] = verdict.services;
    expect(result?.status).toBe(testCase.status);
    expect(verdict.passed).toBe(testCase.passed);
    expect(verdict.failures.length === 0).toBe(testCase.passed);
    if (testCase.unchanged !== undefined) expect(result?.unchanged).toBe(testCase.unchanged);
    if (testCase.reason)
      expect(result?.reasons).toContainEqual(expect.stringMatching(testCase.reason));
    expect(result?.current).toBe(testCase.current);
    expect(result?.baseline).toBe(testCase.baseline);
    expect(result?.change).toBe(
      testCase.baseline === undefined ? undefined : testCase.current - testCase.baseline,
    );
  });
});

describe('compare: failures', () => {
  it('names the service and its numbers in one line', () => {
    const verdict = run({
      outcomes: [measured('api', budget + 34 * MB, limits({ budget }))],
      baseline: baselineOf({ api: entry(budget + 30 * MB) }),
    });
    expect(verdict.failures).toEqual(['api: 184 MB is over its budget of 150 MB by 34 MB']);
  });

  it('lists every broken limit of a service', () => {
    const verdict = run({
      outcomes: [measured('api', base + 2 * tenPercentOfBase, limits({ budget: base }))],
      baseline: baselineOf({ api: entry(base) }),
    });
    expect(verdict.failures).toEqual([
      'api: 120 MB is over its budget of 100 MB by 20 MB; grew by 20 MB (+20.0%), more than the allowed 10%',
    ]);
  });

  it('with fail-on budget, lists only the budget breach', () => {
    const verdict = run({
      outcomes: [measured('api', base + 2 * tenPercentOfBase, limits({ budget: base }))],
      baseline: baselineOf({ api: entry(base) }),
      failOn: 'budget',
    });
    expect(verdict.services[0]?.status).toBe('fail');
    expect(verdict.failures).toEqual(['api: 120 MB is over its budget of 100 MB by 20 MB']);
  });
});

describe('compare: errors', () => {
  const failedBuild: ServiceOutcome = {
    name: 'api',
    limits: limits({ budget }),
    error: 'exit code 1: COPY failed',
    stage: 'build',
  };

  it.each<[FailOn, boolean]>([
    ['any', false],
    ['budget', false],
    ['never', true],
  ])('an error outcome with fail-on %s: passed is %s', (failOn, passed) => {
    const verdict = run({
      outcomes: [failedBuild, measured('web', base)],
      baseline: baselineOf({ api: entry(base), web: entry(base) }),
      failOn,
    });
    expect(verdict.passed).toBe(passed);
    expect(verdict.services[0]).toMatchObject({
      name: 'api',
      status: 'error',
      baseline: base,
      current: undefined,
      change: undefined,
      budget,
      error: 'exit code 1: COPY failed',
      reasons: ['build failed: exit code 1: COPY failed'],
    });
  });

  it.each<['build' | 'measure' | 'platform', string]>([
    ['build', 'build failed: E'],
    ['measure', 'measure failed: E'],
    // Never tried: the error itself says so.
    ['platform', 'E'],
  ])('the reason of a %s error is %j, and it fails the gate', (stage, reason) => {
    const verdict = run({
      outcomes: [{ ...failedBuild, error: 'E', stage }, measured('web', base)],
      baseline: baselineOf({ api: entry(base), web: entry(base) }),
    });
    expect(verdict.passed).toBe(false);
    expect(verdict.services[0]).toMatchObject({ status: 'error', error: 'E', reasons: [reason] });
    expect(verdict.services[1]?.status).toBe('pass');
  });

  it('keeps an errored service out of both sides of the total', () => {
    const verdict = run({
      outcomes: [failedBuild, measured('web', base + MB)],
      baseline: baselineOf({ api: entry(base), web: entry(base) }),
    });
    expect(verdict.total).toMatchObject({ baseline: base, current: base + MB, change: MB });
  });
});

describe('compare: removed and unselected services', () => {
  const baseline = baselineOf({ api: entry(base), gone: entry(base / 2), other: entry(base) });

  it('reports a service missing from a full run as removed, which never fails', () => {
    const verdict = run({
      outcomes: [measured('api', base)],
      baseline,
      knownServices: ['api', 'other'],
      fullRun: false,
    });
    expect(verdict.services.map((service) => service.name)).toEqual(['api']);

    const full = run({
      outcomes: [measured('api', base), measured('other', base)],
      baseline,
      knownServices: ['api', 'other'],
      fullRun: true,
    });
    expect(full.passed).toBe(true);
    expect(full.services.map((service) => [service.name, service.status])).toEqual([
      ['api', 'pass'],
      ['gone', 'removed'],
      ['other', 'pass'],
    ]);
    expect(full.services[1]).toMatchObject({
      baseline: base / 2,
      current: undefined,
      reasons: ['no longer defined in the repository (was 50 MB)'],
    });
  });

  it('leaves known services that this run did not select out of the verdict', () => {
    const verdict = run({
      outcomes: [measured('api', base)],
      baseline,
      knownServices: ['api', 'gone', 'other'],
      fullRun: true,
    });
    expect(verdict.services.map((service) => service.name)).toEqual(['api']);
  });

  it('does not read inherited object keys as baseline entries', () => {
    const verdict = run({ outcomes: [measured('constructor', base)] });
    expect(verdict.services[0]?.status).toBe('new');
  });
});

describe('compare: total', () => {
  const totalBudget = 3 * base;

  it('counts new services toward the current total and removed ones toward the baseline', () => {
    const verdict = run({
      outcomes: [measured('api', base + MB), measured('fresh', base / 2)],
      baseline: baselineOf({ api: entry(base), gone: entry(base / 4) }),
      knownServices: ['api', 'fresh'],
    });
    const current = base + MB + base / 2;
    const previous = base + base / 4;
    expect(verdict.total).toEqual({
      baseline: previous,
      current,
      change: current - previous,
      budget: undefined,
      overBudget: false,
      carried: 0,
      carriedServices: 0,
    });
  });

  it('metric compressed with an old baseline lacking compressed sizes: no phantom total growth', () => {
    const verdict = run({
      metric: 'compressed',
      outcomes: [measured('a', base, limits(), base / 3), measured('b', base, limits(), base / 4)],
      baseline: baselineOf({ a: entry(base), b: entry(base, base / 4) }),
    });
    expect(verdict.total.current).toBe(base / 3 + base / 4);
    expect(verdict.total.change).toBe(0);
  });

  it('a filtered run counts the services it did not build at their baseline size', () => {
    const verdict = run({
      outcomes: [measured('a', base + MB)],
      baseline: baselineOf({ a: entry(base), b: entry(base * 2), c: entry(base * 3) }),
      knownServices: ['a', 'b', 'c'],
      fullRun: false,
      totalBudget: base * 6,
    });
    expect(verdict.total).toMatchObject({
      baseline: base * 6,
      current: base * 6 + MB,
      change: MB,
      carried: base * 5,
      carriedServices: 2,
      overBudget: true,
    });
    expect(verdict.failures.at(-1)).toMatch(/^total: /);
  });

  it('passes exactly at the total budget', () => {
    const verdict = run({
      outcomes: [measured('a', base), measured('b', base), measured('c', base)],
      totalBudget,
    });
    expect(verdict.total.overBudget).toBe(false);
    expect(verdict.passed).toBe(true);
  });

  it.each<[FailOn, boolean]>([
    ['any', false],
    ['budget', false],
    ['never', true],
  ])('one byte over the total budget with fail-on %s: passed is %s', (failOn, passed) => {
    const verdict = run({
      outcomes: [measured('a', base), measured('b', base), measured('c', base + 1)],
      totalBudget,
      failOn,
    });
    expect(verdict.total.overBudget).toBe(true);
    expect(verdict.passed).toBe(passed);
    expect(verdict.failures).toEqual(
      passed ? [] : ['total: 300 MB is over the total budget of 300 MB by 1 B'],
    );
    expect(verdict.services.every((service) => service.status === 'new')).toBe(true);
  });
});

describe('compare: compressed metric', () => {
  const compressedBase = base / 3;

  it('compares compressed sizes on both sides', () => {
    const verdict = run({
      outcomes: [measured('api', base, limits(), compressedBase + 2 * compressedBase)],
      baseline: baselineOf({ api: entry(base, compressedBase) }),
      metric: 'compressed',
    });
    expect(verdict.services[0]).toMatchObject({
      status: 'fail',
      baseline: compressedBase,
      current: 3 * compressedBase,
    });
    expect(verdict.metric).toBe('compressed');
  });

  it('falls back to uncompressed on both sides when the measurement has no compressed size', () => {
    const verdict = run({
      outcomes: [measured('api', base, limits())],
      baseline: baselineOf({ api: entry(base, compressedBase) }),
      metric: 'compressed',
    });
    expect(verdict.services[0]).toMatchObject({ status: 'pass', baseline: base, current: base });
    expect(verdict.services[0]?.reasons).toEqual([
      'no compressed size was measured, so uncompressed sizes were compared instead',
    ]);
  });

  it('checks only the budget when the baseline has no compressed size', () => {
    const verdict = run({
      outcomes: [measured('api', base, limits({ budget: compressedBase }), compressedBase + 1)],
      baseline: baselineOf({ api: entry(base) }),
      metric: 'compressed',
    });
    const [result] = verdict.services;
    expect(result).toMatchObject({ status: 'fail', baseline: undefined, change: undefined });
    expect(result?.reasons[0]).toMatch(/baseline has no compressed size.*update the baseline/);
  });
});

describe('compare: ordering', () => {
  it('sorts services by name in code-unit order', () => {
    const verdict = run({
      outcomes: ['web', 'API', 'api', 'worker-2', 'worker-10'].map((name) => measured(name, MB)),
    });
    expect(verdict.services.map((service) => service.name)).toEqual([
      'API',
      'api',
      'web',
      'worker-10',
      'worker-2',
    ]);
  });
});

describe('compare: layers and Dockerfile', () => {
  const layered = (instructions: readonly [string, number][]): ImageMeasurement => ({
    imageId: 'sha256:image',
    size: instructions.reduce((sum, [, size]) => sum + size, 0),
    platform: 'linux/amd64',
    layers: instructions.map(([instruction, size]) => ({
      diffId: `sha256:${instruction}:${size}`,
      size,
      instruction,
      base: instruction.startsWith('FROM'),
    })),
  });

  it('lines the layers up with the baseline entry by instruction', () => {
    const previous = layered([
      ['FROM debian', 70 * MB],
      ['RUN make', 10 * MB],
      ['COPY . /app', 5 * MB],
    ]);
    const verdict = run({
      outcomes: [
        {
          name: 'api',
          limits: limits(),
          dockerfile: 'services/api/Dockerfile',
          measurement: layered([
            ['FROM debian', 70 * MB],
            ['RUN make', 10 * MB],
            ['RUN apt-get install -y curl', 3 * MB],
            ['COPY . /app', 5 * MB],
          ]),
        },
      ],
      baseline: baselineOf({ api: { size: previous.size, layers: previous.layers } }),
    });
    const [api] = verdict.services;
    expect(api?.dockerfile).toBe('services/api/Dockerfile');
    expect(api?.layerChanges.map((layer) => layer.kind)).toEqual([
      'unchanged',
      'unchanged',
      'added',
      'unchanged',
    ]);
  });

  it('lists a new service’s layers as added; none without baseline layers or on error', () => {
    const verdict = run({
      outcomes: [
        measured('fresh', base),
        measured('handwritten', base),
        {
          name: 'broken',
          limits: limits(),
          error: 'boom',
          stage: 'build',
          dockerfile: 'Dockerfile',
        },
      ],
      baseline: baselineOf({ handwritten: entry(base), broken: entry(base) }),
    });
    const fresh = verdict.services.find((service) => service.name === 'fresh');
    const freshLayers = fresh?.measurement?.layers ?? [];
    expect(freshLayers.length).toBeGreaterThan(0);
    expect(verdict.services.map((service) => [service.name, service.layerChanges])).toEqual([
      ['broken', []],
      [
        'fresh',
        freshLayers.map((layer, index) => ({
          instruction: layer.instruction,
          kind: 'added',
          baseline: undefined,
          current: layer.size,
          change: layer.size,
          base: layer.base,
          layer: index,
        })),
      ],
      ['handwritten', []],
    ]);
    expect(verdict.services.map((service) => service.dockerfile)).toEqual([
      'Dockerfile',
      undefined,
      undefined,
    ]);
  });

  it('keeps the broken limits of each service, whatever fail-on says', () => {
    const verdict = run({
      outcomes: [measured('api', base + 2 * tenPercentOfBase, limits({ budget: base }))],
      baseline: baselineOf({ api: entry(base) }),
      failOn: 'never',
    });
    expect(verdict.services[0]?.breaches.map((breach) => breach.kind)).toEqual([
      'budget',
      'increase',
    ]);
    expect(verdict.failures).toEqual([]);
  });
});

describe('computeTotal and finishVerdict', () => {
  it('rebuild the verdict’s total, failures and failed services from its services', () => {
    const verdict = run({
      outcomes: [
        measured('api', base + 2 * tenPercentOfBase, limits({ budget: base })),
        { name: 'broken', limits: limits(), error: 'boom', stage: 'build' },
        measured('web', base),
      ],
      baseline: baselineOf({ api: entry(base), broken: entry(base), web: entry(base) }),
      totalBudget: base,
    });
    const total = computeTotal(verdict.services, base);
    expect(total).toEqual(verdict.total);
    const again = (failOn: FailOn) =>
      finishVerdict({
        findings: verdict.services,
        metric: 'uncompressed',
        failOn,
        totalBudget: base,
        carriedSizes: [],
      });
    expect(again('any')).toEqual(verdict);
    expect(again('budget').failures).toEqual([
      'api: 120 MB is over its budget of 100 MB by 20 MB',
      'broken: build failed: boom',
      'total: 220 MB is over the total budget of 100 MB by 120 MB',
    ]);
    expect(again('budget').failedServices).toEqual(['api', 'broken']);
    expect(again('never').failures).toEqual([]);
    expect(again('never').failedServices).toEqual([]);
  });
});

describe('compare: image-shape limits', () => {
  const analysisOf = (wastedBytes: number, efficiency: number): ImageAnalysis => ({
    wastedBytes,
    efficiency,
    wasted: [],
    layers: [],
    hints: [],
    packages: NO_PACKAGES,
  });

  /** An image of `count` 1 MB layers, the first its base image's. */
  const layeredImage = (count: number, analysis?: ImageAnalysis): ImageMeasurement => ({
    imageId: `sha256:${String(count).padStart(64, '0')}`,
    size: count * MB,
    platform: 'linux/amd64',
    layers: Array.from({ length: count }, (_, index) => ({
      diffId: `sha256:layer-${index}`,
      size: MB,
      instruction: index === 0 ? 'FROM debian' : `RUN step ${index}`,
      base: index === 0,
    })),
    ...(analysis === undefined ? {} : { analysis }),
  });

  interface ShapeCase {
    readonly title: string;
    readonly limits: Partial<Limits>;
    readonly layers?: number;
    readonly analysis?: ImageAnalysis;
    /** Layers of the baseline entry: a number, `[]` for an entry that lists none, or no entry. */
    readonly baselineLayers?: number | 'none' | 'new';
    readonly failOn?: FailOn;
    readonly status: Status;
    readonly passed: boolean;
    readonly breaches?: readonly string[];
    /** The reason that must be there, as a whole string; `null` for no extra reason at all. */
    readonly reason?: string | null;
  }

  const cases: ShapeCase[] = [
    {
      title: 'max-wasted: exactly at the limit passes',
      limits: { maxWasted: 10 * MB },
      analysis: analysisOf(10 * MB, 0.5),
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'max-wasted: one byte over fails as a budget breach, with exact bytes',
      limits: { maxWasted: 10 * MB },
      analysis: analysisOf(10 * MB + 1, 0.5),
      status: 'fail',
      passed: false,
      breaches: ['budget'],
      reason:
        'wastes 10000001 B in files later layers delete or overwrite, more than the allowed 10000000 B',
    },
    {
      title: 'max-wasted: a readable breach',
      limits: { maxWasted: 10 * MB },
      analysis: analysisOf(31.5 * MB, 0.5),
      status: 'fail',
      passed: false,
      breaches: ['budget'],
      reason:
        'wastes 31.5 MB in files later layers delete or overwrite, more than the allowed 10 MB',
    },
    {
      title: 'max-wasted: fails with fail-on budget',
      limits: { maxWasted: 10 * MB },
      analysis: analysisOf(11 * MB, 0.5),
      failOn: 'budget',
      status: 'fail',
      passed: false,
      breaches: ['budget'],
    },
    {
      title: 'min-efficiency: exactly at the limit passes',
      limits: { minEfficiency: 0.9 },
      analysis: analysisOf(MB, 0.9),
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'min-efficiency: above the limit passes',
      limits: { minEfficiency: 0.9 },
      analysis: analysisOf(MB, 0.95),
      status: 'pass',
      passed: true,
    },
    {
      title: 'min-efficiency: below fails as a budget breach',
      limits: { minEfficiency: 0.9 },
      analysis: analysisOf(MB, 0.821),
      status: 'fail',
      passed: false,
      breaches: ['budget'],
      reason: 'efficiency 82.1% is below the required 90%',
    },
    {
      title: 'min-efficiency: just below shows the decimals that tell it from the limit',
      limits: { minEfficiency: 0.9 },
      analysis: analysisOf(MB, 0.8999),
      status: 'fail',
      passed: false,
      reason: 'efficiency 89.99% is below the required 90%',
    },
    {
      title: 'min-efficiency: fails with fail-on budget',
      limits: { minEfficiency: 0.9 },
      analysis: analysisOf(MB, 0.5),
      failOn: 'budget',
      status: 'fail',
      passed: false,
      breaches: ['budget'],
    },
    {
      title: 'max-wasted and min-efficiency: both broken, both listed',
      limits: { maxWasted: MB, minEfficiency: 0.9 },
      analysis: analysisOf(2 * MB, 0.5),
      status: 'fail',
      passed: false,
      breaches: ['budget', 'budget'],
    },
    {
      title: 'analysis missing: max-wasted is not checked, and says why',
      limits: { maxWasted: 10 * MB },
      status: 'pass',
      passed: true,
      breaches: [],
      reason: 'max-wasted was not checked because analyze is none (no file analysis was made)',
    },
    {
      title: 'analysis missing: min-efficiency is not checked, and says why',
      limits: { minEfficiency: 0.9 },
      status: 'pass',
      passed: true,
      breaches: [],
      reason: 'min-efficiency was not checked because analyze is none (no file analysis was made)',
    },
    {
      title: 'analysis missing: both in one sentence',
      limits: { maxWasted: 10 * MB, minEfficiency: 0.9 },
      status: 'pass',
      passed: true,
      breaches: [],
      reason:
        'max-wasted and min-efficiency were not checked because analyze is none (no file analysis was made)',
    },
    {
      title: 'analysis missing and neither limit set: nothing to say',
      limits: {},
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'max-layers: exactly at the limit passes',
      limits: { maxLayers: 12 },
      layers: 12,
      baselineLayers: 12,
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'max-layers: one more fails as a budget breach',
      limits: { maxLayers: 12 },
      layers: 13,
      baselineLayers: 13,
      status: 'fail',
      passed: false,
      breaches: ['budget'],
      reason: 'has 13 layers, more than the allowed 12',
    },
    {
      title: 'max-layers: a new service over the limit fails',
      limits: { maxLayers: 12 },
      layers: 14,
      baselineLayers: 'new',
      status: 'fail',
      passed: false,
      reason: 'has 14 layers, more than the allowed 12',
    },
    {
      title: 'max-layers: fails with fail-on budget',
      limits: { maxLayers: 1 },
      layers: 2,
      baselineLayers: 2,
      failOn: 'budget',
      status: 'fail',
      passed: false,
      breaches: ['budget'],
    },
    {
      title: 'max-layers: fail-on never shows the breach but passes',
      limits: { maxLayers: 1 },
      layers: 2,
      baselineLayers: 2,
      failOn: 'never',
      status: 'fail',
      passed: true,
      breaches: ['budget'],
    },
    {
      title: 'no-new-layers: the same count passes',
      limits: { noNewLayers: true },
      layers: 7,
      baselineLayers: 7,
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'no-new-layers: fewer layers pass',
      limits: { noNewLayers: true },
      layers: 6,
      baselineLayers: 7,
      status: 'pass',
      passed: true,
    },
    {
      title: 'no-new-layers: one more fails as an increase',
      limits: { noNewLayers: true },
      layers: 8,
      baselineLayers: 7,
      status: 'fail',
      passed: false,
      breaches: ['increase'],
      reason: 'has 8 layers, 1 more than its baseline (no-new-layers)',
    },
    {
      title: 'no-new-layers: the count of new layers is given',
      limits: { noNewLayers: true },
      layers: 9,
      baselineLayers: 7,
      status: 'fail',
      passed: false,
      reason: 'has 9 layers, 2 more than its baseline (no-new-layers)',
    },
    {
      title: 'no-new-layers: with fail-on budget it only warns, and says it would fail',
      limits: { noNewLayers: true },
      layers: 8,
      baselineLayers: 7,
      failOn: 'budget',
      status: 'warn',
      passed: true,
      breaches: [],
      reason:
        'has 8 layers, 1 more than its baseline (no-new-layers) (this would fail with fail-on: any)',
    },
    {
      title: 'no-new-layers off: more layers pass',
      limits: { noNewLayers: false },
      layers: 9,
      baselineLayers: 7,
      status: 'pass',
      passed: true,
      reason: null,
    },
    {
      title: 'no-new-layers: a new service has nothing to compare with',
      limits: { noNewLayers: true },
      layers: 9,
      baselineLayers: 'new',
      status: 'new',
      passed: true,
    },
    {
      title: 'no-new-layers: a baseline entry without layers is not checked, and says why',
      limits: { noNewLayers: true },
      layers: 9,
      baselineLayers: 'none',
      status: 'pass',
      passed: true,
      reason:
        'no-new-layers was not checked: the baseline entry lists no layers; update the baseline',
    },
  ];

  it.each(cases)('$title', (testCase) => {
    const layers = testCase.layers ?? 3;
    const image = layeredImage(layers, testCase.analysis);
    const baselineLayers = testCase.baselineLayers ?? layers;
    // Growth of whole layers must not trip max-increase: only the limit under test may fail.
    const serviceLimits = limits({
      maxIncrease: { kind: 'bytes', bytes: 100 * MB },
      ...testCase.limits,
    });
    const verdict = run({
      outcomes: [{ name: 'api', limits: serviceLimits, measurement: image }],
      baseline: baselineOf(
        baselineLayers === 'new'
          ? {}
          : {
              api: {
                size: image.size,
                layers: baselineLayers === 'none' ? [] : layeredImage(baselineLayers).layers,
              },
            },
      ),
      failOn: testCase.failOn ?? 'any',
    });
    const [result] = verdict.services;
    expect(result?.status).toBe(testCase.status);
    expect(verdict.passed).toBe(testCase.passed);
    if (testCase.breaches !== undefined) {
      expect(result?.breaches.map((breach) => breach.kind)).toEqual(testCase.breaches);
    }
    if (testCase.reason === null) expect(result?.reasons).toEqual([]);
    else if (testCase.reason !== undefined) expect(result?.reasons).toContain(testCase.reason);
    if (!testCase.passed) {
      expect(verdict.failures).toHaveLength(1);
      if (testCase.reason) expect(verdict.failures[0]).toContain(testCase.reason);
    }
  });
});

describe('compare: base image versus own layers', () => {
  const image = (
    layers: readonly [string, number, boolean][],
    baseImage?: string,
  ): ImageMeasurement => ({
    imageId: 'sha256:image',
    size: layers.reduce((sum, [, size]) => sum + size, 0),
    platform: 'linux/amd64',
    layers: layers.map(([instruction, size, isBase]) => ({
      diffId: `sha256:${instruction}:${size}`,
      size,
      instruction,
      base: isBase,
    })),
    ...(baseImage === undefined ? {} : { baseImage }),
  });
  const previous = image([
    ['FROM debian', 70 * MB, true],
    ['RUN apt-get install -y curl', 10 * MB, true],
    ['RUN make', 20 * MB, false],
  ]);
  const compareWith = (current: ImageMeasurement, serviceLimits = limits()) => {
    const verdict = run({
      outcomes: [{ name: 'api', limits: serviceLimits, measurement: current }],
      baseline: baselineOf({ api: { size: previous.size, layers: previous.layers } }),
    });
    const [result] = verdict.services;
    if (result === undefined) throw new Error('no result');
    return result;
  };

  it('says a change that is all in the base layers comes from the base image, naming it', () => {
    const result = compareWith(
      image(
        [
          ['FROM debian', 85 * MB, true],
          ['RUN apt-get install -y curl', 10 * MB, true],
          ['RUN make', 20 * MB, false],
        ],
        'debian:bookworm-slim',
      ),
    );
    expect(result.reasons).toEqual([
      'grew by 15 MB (+15.0%), more than the allowed 10%',
      'the change comes from the base image (debian:bookworm-slim)',
    ]);
    expect(result.breaches.map((breach) => breach.reason)).toEqual([
      'grew by 15 MB (+15.0%), more than the allowed 10%',
    ]);
    expect(result).toMatchObject({
      change: 15 * MB,
      baseChange: 15 * MB,
      ownChange: 0,
      baseSize: 95 * MB,
      ownSize: 20 * MB,
    });
  });

  it('leaves out the name when the base image is unknown, and counts a shrink too', () => {
    const result = compareWith(
      image([
        ['FROM debian', 60 * MB, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN make', 20 * MB, false],
      ]),
    );
    expect(result.status).toBe('pass');
    expect(result.reasons).toEqual(['the change comes from the base image']);
    expect(result).toMatchObject({ baseChange: -10 * MB, ownChange: 0 });
  });

  it('still says so when the own layers changed by less than ignore-below', () => {
    const result = compareWith(
      image([
        ['FROM debian', 75 * MB, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN make', 20 * MB + MB - 1, false],
      ]),
    );
    expect(result.reasons).toEqual(['the change comes from the base image']);
    expect(result).toMatchObject({ baseChange: 5 * MB, ownChange: MB - 1 });
  });

  it('says nothing about the base image for a mixed change', () => {
    const result = compareWith(
      image([
        ['FROM debian', 75 * MB, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN make', 23 * MB, false],
      ]),
    );
    expect(result.status).toBe('pass');
    expect(result.reasons).toEqual([]);
    expect(result).toMatchObject({
      change: 8 * MB,
      baseChange: 5 * MB,
      ownChange: 3 * MB,
      baseSize: 85 * MB,
      ownSize: 23 * MB,
    });
  });

  it('says nothing when only the own layers changed', () => {
    const result = compareWith(
      image([
        ['FROM debian', 70 * MB, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN make', 25 * MB, false],
      ]),
    );
    expect(result.reasons).toEqual([]);
    expect(result).toMatchObject({ baseChange: 0, ownChange: 5 * MB });
  });

  it('says nothing when the service change is below ignore-below', () => {
    const result = compareWith(
      image([
        ['FROM debian', 70 * MB + MB - 1, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN make', 20 * MB, false],
      ]),
    );
    expect(result.unchanged).toBe(true);
    expect(result.reasons).toEqual([]);
    expect(result).toMatchObject({ baseChange: MB - 1, ownChange: 0 });
  });

  it('counts an added base layer as a base change', () => {
    const result = compareWith(
      image([
        ['FROM debian', 70 * MB, true],
        ['RUN apt-get install -y curl', 10 * MB, true],
        ['RUN apt-get install -y git', 5 * MB, true],
        ['RUN make', 20 * MB, false],
      ]),
    );
    expect(result.reasons).toEqual(['the change comes from the base image']);
    expect(result).toMatchObject({ baseChange: 5 * MB, ownChange: 0, baseSize: 85 * MB });
  });

  it('has sizes but no changes without baseline layers, all as added when new, nothing without a measurement', () => {
    const verdict = run({
      outcomes: [
        { name: 'api', limits: limits(), measurement: previous },
        measured('fresh', base),
        { name: 'broken', limits: limits(), error: 'boom', stage: 'build' },
      ],
      baseline: baselineOf({ api: entry(previous.size), broken: entry(base), gone: entry(base) }),
      knownServices: ['api', 'fresh', 'broken'],
    });
    const split = (name: string) => {
      const result = verdict.services.find((service) => service.name === name);
      return [result?.baseChange, result?.ownChange, result?.baseSize, result?.ownSize];
    };
    expect(split('api')).toEqual([undefined, undefined, 80 * MB, 20 * MB]);
    expect(split('fresh')).toEqual([0, base, 0, base]);
    expect(split('broken')).toEqual([undefined, undefined, undefined, undefined]);
    expect(split('gone')).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('splitBaseOwn', () => {
  it('sums layer changes and layer sizes by base and own', () => {
    const current: ImageMeasurement = {
      imageId: 'sha256:x',
      size: 6,
      platform: 'linux/amd64',
      layers: [
        { diffId: 'a', size: 1, instruction: 'FROM a', base: true },
        { diffId: 'b', size: 2, instruction: 'RUN b', base: true },
        { diffId: 'c', size: 3, instruction: 'RUN c', base: false },
      ],
    };
    expect(
      splitBaseOwn(
        [
          {
            instruction: 'FROM a',
            kind: 'grown',
            baseline: 0,
            current: 1,
            change: 1,
            base: true,
            layer: 0,
          },
          {
            instruction: 'X',
            kind: 'removed',
            baseline: 4,
            current: undefined,
            change: -4,
            base: true,
            layer: undefined,
          },
          {
            instruction: 'RUN c',
            kind: 'added',
            baseline: undefined,
            current: 3,
            change: 3,
            base: false,
            layer: 2,
          },
        ],
        current,
      ),
    ).toEqual({ baseChange: -3, ownChange: 3, baseSize: 3, ownSize: 3 });
    expect(splitBaseOwn([], undefined)).toEqual({
      baseChange: undefined,
      ownChange: undefined,
      baseSize: undefined,
      ownSize: undefined,
    });
  });
});
