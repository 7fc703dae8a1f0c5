import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import type { ServiceOutcome, Verdict } from '../../src/compare/types.js';
import type { FailOn } from '../../src/core/model.js';
import type { Limits } from '../../src/services/types.js';
import { limits as defaultLimits } from './fixtures.js';

/** Verdicts the report tests render: every status once, and a PR where all passes. */

export const MB = 1_000_000;

/** These reports show warnings: every service warns from 5% up. */
export function limits(overrides: Partial<Limits> = {}): Limits {
  return defaultLimits({ warnIncrease: { kind: 'percent', percent: 5 }, ...overrides });
}

export function measured(name: string, size: number, serviceLimits = limits()): ServiceOutcome {
  return {
    name,
    limits: serviceLimits,
    measurement: {
      imageId: `sha256:${name.length}${size}`,
      size,
      compressed: size / 4,
      platform: 'linux/amd64',
      layers: [
        {
          diffId: 'sha256:base',
          size: size / 2,
          compressed: size / 8,
          instruction: 'FROM debian:bookworm-slim',
          base: true,
        },
        {
          diffId: 'sha256:own',
          size: size / 2,
          compressed: size / 8,
          instruction: 'COPY . /app',
          base: false,
        },
      ],
    },
  };
}

export function entry(size: number): BaselineEntry {
  return { size, layers: [] };
}

/** A monorepo PR in which every status appears once. */
export function mixedVerdict(failOn: FailOn = 'any'): Verdict {
  const budget = 150 * MB;
  return compare({
    outcomes: [
      measured('api', budget + 34 * MB, limits({ budget })),
      measured('auth', 50 * MB),
      measured('billing', 80 * MB + MB / 2),
      measured('web', 100 * MB + 6 * MB, limits({ budget: 200 * MB })),
      measured('worker', 30 * MB),
      { name: 'search', limits: limits(), error: 'exit code 1: npm ci failed', stage: 'build' },
    ],
    baseline: {
      version: 1,
      services: {
        api: entry(budget + 30 * MB),
        auth: entry(50 * MB),
        billing: entry(80 * MB),
        web: entry(100 * MB),
        search: entry(60 * MB),
        legacy: entry(40 * MB),
      },
    },
    metric: 'uncompressed',
    failOn,
    totalBudget: 1000 * MB,
    fullRun: true,
    knownServices: ['api', 'auth', 'billing', 'web', 'worker', 'search'],
  });
}

export function allPassing(): Verdict {
  return compare({
    outcomes: [measured('api', 100 * MB + 2 * MB), measured('web', 50 * MB)],
    baseline: { version: 1, services: { api: entry(100 * MB), web: entry(50 * MB) } },
    metric: 'uncompressed',
    failOn: 'any',
    fullRun: true,
    knownServices: ['api', 'web'],
  });
}
