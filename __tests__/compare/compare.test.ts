import { describe, expect, it } from 'vitest';

import type { Baseline, BaselineEntry } from '../../src/baseline/types.js';
import {
  compare,
  computeTotal,
  failureLines,
  type CompareInput,
} from '../../src/compare/compare.js';
import type { FailOn, ServiceOutcome, Status } from '../../src/compare/types.js';
import type { ImageMeasurement } from '../../src/measure/types.js';
import type { Limits } from '../../src/services/types.js';

const MB = 1_000_000;

function limits(overrides: Partial<Limits> = {}): Limits {
  return {
    budget: undefined,
    maxIncrease: { kind: 'percent', percent: 10 },
    warnIncrease: undefined,
    ignoreBelow: MB,
    ...overrides,
  };
}

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

function entry(size: number, compressed?: number): BaselineEntry {
  return { size, ...(compressed === undefined ? {} : { compressed }), layers: [] };
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

  it('has no layer changes without a baseline entry, without baseline layers, or on error', () => {
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
    expect(verdict.services.map((service) => [service.name, service.layerChanges])).toEqual([
      ['broken', []],
      ['fresh', []],
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

describe('computeTotal and failureLines', () => {
  it('rebuild the verdict’s total and failures from its services', () => {
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
    expect(failureLines(verdict.services, total, 'any')).toEqual(verdict.failures);
    expect(failureLines(verdict.services, total, 'budget')).toEqual([
      'api: 120 MB is over its budget of 100 MB by 20 MB',
      'broken: build failed: boom',
      'total: 220 MB is over the total budget of 100 MB by 120 MB',
    ]);
    expect(failureLines(verdict.services, total, 'never')).toEqual([]);
  });
});
