import { describe, expect, it } from 'vitest';
import type { BaselineHistory, BaselineVersion } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import { checkCreep, trendOf } from '../../src/compare/trend.js';
import type { Approval } from '../../src/compare/types.js';
import type { FailOn } from '../../src/core/model.js';
import { renderComment } from '../../src/report/comment.js';
import { renderTrendChart } from '../../src/report/chart.js';
import {
  buildJsonReport,
  parseJsonReport,
  serializeJsonReport,
  shardReportOf,
} from '../../src/report/json-report.js';
import { MB, entry, limits, measured } from '../support/fixtures.js';

/** Commit IDs as git prints them: 40 hex digits, distinct per index. */
function commitId(index: number): string {
  return index.toString(16).padStart(2, '0').repeat(20);
}

function version(
  index: number,
  services: Record<string, { size: number; compressed?: number; platform?: string }>,
): BaselineVersion {
  return {
    commit: commitId(index),
    committedAt: `2026-11-${String(index + 1).padStart(2, '0')}T12:00:00Z`,
    services,
  };
}

/** Five versions where `api` grows 5% each time, from 100 MB: 100, 105, 110.25, … */
const STEPS = [0, 1, 2, 3, 4].map((step) => Math.round(100 * MB * 1.05 ** step));
const HISTORY: BaselineHistory = {
  kind: 'read',
  versions: STEPS.map((size, index) => version(index, { api: { size } })),
  skipped: [],
  shallow: false,
};
const LAST = STEPS[4] ?? 0;
/** This run grows another 5% over the last version: under a 10% max-increase. */
const NOW = Math.round(LAST * 1.05);

function gate(fields: {
  readonly maxCreep?: string;
  readonly failOn?: FailOn;
  readonly history?: BaselineHistory;
  readonly approval?: Approval;
  readonly current?: number;
}) {
  const maxCreep =
    fields.maxCreep === undefined
      ? undefined
      : { kind: 'percent' as const, percent: Number(fields.maxCreep) };
  return compare({
    outcomes: [measured('api', fields.current ?? NOW, { limits: limits({ maxCreep }) })],
    baseline: { version: 1, services: { api: entry(LAST) } },
    metric: 'uncompressed',
    failOn: fields.failOn ?? 'any',
    fullRun: true,
    knownServices: ['api'],
    history: fields.history ?? HISTORY,
    approval: fields.approval,
  });
}

describe('trendOf', () => {
  it('gives the size in each version that has the service, oldest first, then this run', () => {
    const history: BaselineHistory = {
      kind: 'read',
      versions: [
        version(1, { web: { size: 5 } }),
        version(2, { api: { size: 10, compressed: 4 } }),
        version(3, { api: { size: 12 } }),
      ],
      skipped: [],
      shallow: false,
    };
    expect(trendOf('api', 'uncompressed', history, 13)).toEqual([
      { commit: commitId(2), at: '2026-11-03T12:00:00Z', size: 10 },
      { commit: commitId(3), at: '2026-11-04T12:00:00Z', size: 12 },
      { commit: undefined, at: undefined, size: 13 },
    ]);
    // Compressed: only versions that recorded a compressed size are points.
    expect(trendOf('api', 'compressed', history, 5)?.map((point) => point.size)).toEqual([4, 5]);
    expect(trendOf('new-service', 'uncompressed', history, 1)).toBeUndefined();
    expect(trendOf('api', 'uncompressed', { kind: 'unavailable', reason: 'x' }, 1)).toBeUndefined();
  });

  it('reads a one-platform entry as the same platform of a service now measured per platform', () => {
    const history: BaselineHistory = {
      kind: 'read',
      versions: [
        version(1, { api: { size: 10, platform: 'linux/amd64' } }),
        version(2, { api: { size: 11, platform: 'linux/amd64' } }),
        version(3, { 'api@linux/amd64': { size: 12, platform: 'linux/amd64' } }),
      ],
      skipped: [],
      shallow: false,
    };
    const sizes = (name: string, platform: string) =>
      trendOf(name, 'uncompressed', history, 13, platform)?.map((point) => point.size);
    expect(sizes('api@linux/amd64', 'linux/amd64')).toEqual([10, 11, 12, 13]);
    // Never across platforms.
    expect(sizes('api@linux/arm64', 'linux/arm64')).toBeUndefined();
  });

  it('never reads an inherited key as a service', () => {
    expect(trendOf('constructor', 'uncompressed', HISTORY, 1)).toBeUndefined();
  });
});

describe('checkCreep', () => {
  const percent = (value: number) => ({ kind: 'percent' as const, percent: value });
  const trend = (sizes: number[]) =>
    sizes.map((size, index) => ({
      commit: index === sizes.length - 1 ? undefined : commitId(index),
      at: undefined,
      size,
    }));

  it('breaks the limit only above it: growing by exactly max-creep passes', () => {
    expect(
      checkCreep(percent(20), true, trend([1000, 1100, 1200]), HISTORY).breach,
    ).toBeUndefined();
    expect(checkCreep(percent(20), true, trend([1000, 1100, 1201]), HISTORY).breach).toMatch(
      /^grew by 201 B \(\+20\.1%\) over 2 baseline versions and this run, more than the allowed max-creep of 20%/,
    );
  });

  it('lists the steps, each size once at its first commit', () => {
    const reason = checkCreep(
      percent(10),
      true,
      trend([100 * MB, 100 * MB, 105 * MB, 120 * MB]),
      HISTORY,
    ).breach;
    expect(reason).toContain(
      `: 100 MB (${commitId(0).slice(0, 7)}) → 105 MB (${commitId(2).slice(0, 7)}) → 120 MB (this run)`,
    );
  });

  it('takes a byte limit as well as a percentage', () => {
    const limit = { kind: 'bytes' as const, bytes: 10 * MB };
    expect(checkCreep(limit, true, trend([100 * MB, 111 * MB]), HISTORY).breach).toMatch(
      /grew by 11 MB \(\+11%\) over 1 baseline version and this run, more than the allowed max-creep of 10 MB/,
    );
  });

  it('is not checked for a service that did not grow in this run, or without a limit', () => {
    expect(checkCreep(percent(5), false, trend([100, 200]), HISTORY)).toEqual({
      breach: undefined,
      note: undefined,
    });
    expect(checkCreep(undefined, true, trend([100, 200]), HISTORY).breach).toBeUndefined();
  });

  it('notes when no committed version has the service, rather than passing it silently', () => {
    expect(checkCreep(percent(5), true, undefined, HISTORY).note).toBe(
      'max-creep was not checked: no committed version of the baseline file that could be read has this service',
    );
  });

  it('prints a byte limit to the byte when it rounds like the growth', () => {
    const limit = { kind: 'bytes' as const, bytes: 20_000_000 };
    expect(checkCreep(limit, true, trend([100 * MB, 120_000_400]), HISTORY).breach).toContain(
      'grew by 20000400 B (+20%) over 1 baseline version and this run, more than the allowed max-creep of 20000000 B',
    );
  });

  it('notes why when the history could not be read', () => {
    const unavailable: BaselineHistory = { kind: 'unavailable', reason: 'the checkout is shallow' };
    expect(checkCreep(percent(5), true, undefined, unavailable)).toEqual({
      breach: undefined,
      note: 'max-creep was not checked: the checkout is shallow',
    });
  });
});

describe('max-creep in compare', () => {
  const creepPercent = Math.round(((NOW - (STEPS[0] ?? 0)) / (STEPS[0] ?? 1)) * 1000) / 10;

  it(`fails a service that crept ${creepPercent}% over five versions though each step was 5%`, () => {
    const verdict = gate({ maxCreep: '20' });
    const [api] = verdict.services;
    expect(api?.status).toBe('fail');
    expect(api?.breaches.map((breach) => breach.kind)).toEqual(['creep']);
    expect(api?.failsGate).toBe(true);
    expect(verdict.passed).toBe(false);
    expect(verdict.failures[0]).toContain(
      `(+${creepPercent.toFixed(1)}%) over 5 baseline versions`,
    );
    expect(api?.trend?.map((point) => point.size)).toEqual([...STEPS, NOW]);
  });

  it('passes the same growth without max-creep, or with a limit above the creep', () => {
    expect(gate({}).services[0]?.status).toBe('pass');
    expect(gate({ maxCreep: String(Math.ceil(creepPercent)) }).services[0]?.status).toBe('pass');
  });

  it('is a warning that would fail with fail-on budget, and nothing with fail-on never', () => {
    const budgetOnly = gate({ maxCreep: '20', failOn: 'budget' });
    expect(budgetOnly.services[0]?.status).toBe('warn');
    expect(budgetOnly.services[0]?.reasons.join('\n')).toContain(
      '(this would fail with fail-on: any)',
    );
    expect(budgetOnly.passed).toBe(true);
    expect(gate({ maxCreep: '20', failOn: 'never' }).passed).toBe(true);
  });

  it('is approved away by the approval label like any size failure', () => {
    const approval: Approval = {
      kind: 'approved',
      label: 'image-size-approved',
      by: 'octocat',
      at: '2026-12-01T10:00:00Z',
    };
    const verdict = gate({ maxCreep: '20', approval });
    expect(verdict.services[0]?.status).toBe('warn');
    expect(verdict.passed).toBe(true);
  });

  it('says once per grown service why it was not checked when the history is unavailable', () => {
    const verdict = gate({
      maxCreep: '20',
      history: { kind: 'unavailable', reason: 'the checkout is shallow' },
    });
    expect(verdict.services[0]?.status).toBe('pass');
    expect(verdict.services[0]?.reasons).toContain(
      'max-creep was not checked: the checkout is shallow',
    );
    expect(verdict.services[0]?.trend).toBeUndefined();
  });
});

describe('the trend in reports', () => {
  it('draws the changed service as a mermaid line over the versions and this run', () => {
    const verdict = gate({ maxCreep: '20' });
    const chart = renderTrendChart(verdict.services[0] ?? { name: 'api' }, 'uncompressed');
    const megabytes = [...STEPS, NOW].map((size) => Number((size / MB).toFixed(2)));
    expect(chart).toContain(`    line [${megabytes.join(', ')}]`);
    expect(chart).toContain(
      `x-axis [${[0, 1, 2, 3, 4].map((index) => `"${commitId(index).slice(0, 7)}"`).join(', ')}, "this run"]`,
    );
    expect(chart).toContain('the last 5 versions of the baseline file');
    const comment = renderComment(verdict, { key: '', refreshHint: '', analyze: 'auto' });
    expect(comment).toContain('```mermaid\nxychart-beta\n    title "api: size (MB)"');
  });

  it('draws nothing for a service without past versions', () => {
    expect(renderTrendChart({ name: 'api', trend: undefined }, 'uncompressed')).toBeUndefined();
    expect(
      renderTrendChart(
        { name: 'api', trend: [{ commit: undefined, at: undefined, size: 1 }] },
        'uncompressed',
      ),
    ).toBeUndefined();
  });

  it('keeps the trend through a shard report, and refuses a commit that is not a commit ID', () => {
    const verdict = gate({ maxCreep: '20' });
    const report = buildJsonReport(verdict, { generatedAt: '2026-12-01T00:00:00Z', mode: 'check' });
    const text = serializeJsonReport(report);
    const read = shardReportOf(parseJsonReport(text, 'report.json'));
    expect(read.services[0]?.trend).toEqual(verdict.services[0]?.trend);
    const forged = text.replace(commitId(0), '\\"]; click x \\"https://evil');
    expect(() => parseJsonReport(forged, 'report.json')).toThrow(
      /report\.json.*services\[0\]\.trend\[0\]\.commit.*must be a git commit ID/,
    );
  });

  it('reads a report from before the trend as having none', () => {
    const verdict = gate({});
    const report = JSON.parse(
      serializeJsonReport(
        buildJsonReport(verdict, { generatedAt: '2026-12-01T00:00:00Z', mode: 'check' }),
      ),
    ) as { services: Record<string, unknown>[] };
    for (const service of report.services) delete service['trend'];
    const read = shardReportOf(parseJsonReport(JSON.stringify(report), 'old.json'));
    expect(read.services[0]?.trend).toBeUndefined();
  });
});
