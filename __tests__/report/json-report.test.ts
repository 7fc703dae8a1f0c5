import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { mergeShardReports, type MergeOptions } from '../../src/compare/merge.js';
import type { ServiceOutcome, Verdict } from '../../src/compare/types.js';
import { InputError } from '../../src/core/errors.js';
import type { FailOn } from '../../src/core/model.js';
import {
  buildJsonReport,
  parseJsonReport,
  serializeJsonReport,
  shardReportOf,
  type JsonReport,
} from '../../src/report/json-report.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { MB, entry, limits, measured, mixedVerdict } from '../support/verdicts.js';

/** The merge of decoded shard reports, as `mode: report` does it. */
function verdictFromReports(reports: readonly JsonReport[], options: MergeOptions): Verdict {
  return mergeShardReports(reports.map(shardReportOf), options);
}

describe('buildJsonReport', () => {
  it('carries exact bytes, layers and reasons', () => {
    const report = buildJsonReport(mixedVerdict(), {
      generatedAt: '2025-01-01T00:00:00.000Z',
      mode: 'check',
    });
    expect(report).toMatchObject({
      version: 1,
      mode: 'check',
      runUrl: null,
      passed: false,
      metric: 'uncompressed',
      failOn: 'any',
      total: { budget: 1000 * MB, overBudget: false },
    });
    const api = report.services.find((service) => service.name === 'api');
    expect(api).toMatchObject({
      status: 'fail',
      baseline: 180 * MB,
      current: 184 * MB,
      change: 4 * MB,
      budget: 150 * MB,
      error: null,
    });
    expect(api?.image?.layers.map((layer) => layer.size)).toEqual([92 * MB, 92 * MB]);
    const search = report.services.find((service) => service.name === 'search');
    expect(search).toMatchObject({
      current: null,
      image: null,
      error: 'exit code 1: npm ci failed',
    });
    expect(JSON.parse(serializeJsonReport(report))).toEqual(report);
    expect(serializeJsonReport(report).endsWith('}\n')).toBe(true);
  });
});

describe('JSON report: layers, Dockerfile and breaches', () => {
  const layered = compare({
    outcomes: [
      {
        name: 'api',
        limits: limits({ budget: 100 * MB }),
        dockerfile: 'services/api/Dockerfile',
        measurement: {
          imageId: 'sha256:api',
          size: 120 * MB,
          platform: 'linux/amd64',
          layers: [
            { diffId: 'sha256:base', size: 70 * MB, instruction: 'FROM debian', base: true },
            {
              diffId: 'sha256:curl',
              size: 20 * MB,
              instruction: 'RUN apt-get install curl',
              base: false,
            },
            { diffId: 'sha256:app2', size: 30 * MB, instruction: 'COPY . /app', base: false },
          ],
        },
      },
    ],
    baseline: {
      version: 1,
      services: {
        api: {
          size: 95 * MB,
          layers: [
            { diffId: 'sha256:base', size: 70 * MB, instruction: 'FROM debian', base: true },
            { diffId: 'sha256:app1', size: 25 * MB, instruction: 'COPY . /app', base: false },
          ],
        },
      },
    },
    metric: 'uncompressed',
    failOn: 'any',
    fullRun: true,
    knownServices: ['api'],
  });

  it('carries them per service', () => {
    const [api] = buildJsonReport(layered, { generatedAt: 'now', mode: 'check' }).services;
    expect(api?.dockerfile).toBe('services/api/Dockerfile');
    expect(api?.breaches.map((breach) => breach.kind)).toEqual(['budget', 'increase']);
    expect(api?.layerChanges).toEqual([
      {
        instruction: 'FROM debian',
        kind: 'unchanged',
        baseline: 70 * MB,
        current: 70 * MB,
        change: 0,
        base: true,
        layer: 0,
      },
      {
        instruction: 'RUN apt-get install curl',
        kind: 'added',
        baseline: null,
        current: 20 * MB,
        change: 20 * MB,
        base: false,
        layer: 1,
      },
      {
        instruction: 'COPY . /app',
        kind: 'grown',
        baseline: 25 * MB,
        current: 30 * MB,
        change: 5 * MB,
        base: false,
        layer: 2,
      },
    ]);
  });
});

describe('parseJsonReport', () => {
  const report = buildJsonReport(mixedVerdict(), {
    generatedAt: '2025-01-01T00:00:00.000Z',
    mode: 'check',
    runUrl: 'https://github.com/acme/shop/actions/runs/1',
  });
  const text = serializeJsonReport(report);

  it('reads back what this version writes', () => {
    expect(parseJsonReport(text, 'shard-1.json')).toEqual(report);
    expect(parseJsonReport(`\uFEFF${text}`, 'shard-1.json')).toEqual(report);
  });

  it('ignores keys it does not know', () => {
    const extended = { ...report, futureField: 1 };
    expect(parseJsonReport(JSON.stringify(extended), 'r.json')).toEqual(report);
  });

  it('reads a layer change written before layer indexes as an unknown index (null)', () => {
    const older = JSON.parse(text) as { services: { layerChanges: Record<string, unknown>[] }[] };
    for (const service of older.services) {
      for (const layer of service.layerChanges) delete layer['layer'];
    }
    const read = parseJsonReport(JSON.stringify(older), 'old.json');
    const changes = read.services.flatMap((service) => service.layerChanges);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((layer) => layer.layer === null)).toBe(true);
  });

  function mutated(change: (document: Record<string, unknown>) => void): string {
    const document = JSON.parse(text) as Record<string, unknown>;
    change(document);
    return JSON.stringify(document);
  }

  function firstService(document: Record<string, unknown>): Record<string, unknown> {
    return (document['services'] as Record<string, unknown>[])[0] ?? {};
  }

  it.each<[string, (document: Record<string, unknown>) => void, RegExp]>([
    ['a newer version', (d) => (d['version'] = 2), /^r\.json: version: is newer .* \(got 2\)$/],
    ['another version', (d) => (d['version'] = '1'), /^r\.json: version: must be 1 \(got "1"\)$/],
    [
      'a missing key',
      (d) => delete d['passed'],
      /^r\.json: passed: must be true or false \(got nothing\)$/,
    ],
    [
      'a bad metric',
      (d) => (d['metric'] = 'fast'),
      /^r\.json: metric: must be one of: uncompressed, compressed \(got "fast"\)$/,
    ],
    [
      'a fractional size',
      (d) => ((d['total'] as Record<string, unknown>)['current'] = 1.5),
      /^r\.json: total\.current: must be a whole number of bytes \(0 or more\) \(got 1\.5\)$/,
    ],
    [
      'a bad status',
      (d) => (firstService(d)['status'] = 'ok'),
      /^r\.json: services\[0\]\.status: must be one of: pass, warn, fail, new, removed, error, missing \(got "ok"\)$/,
    ],
    [
      'a missing nullable key',
      (d) => delete firstService(d)['dockerfile'],
      /^r\.json: services\[0\]\.dockerfile: is missing \(use null for none\) \(got nothing\)$/,
    ],
    [
      'a bad layer',
      (d) =>
        (((firstService(d)['image'] as Record<string, unknown>)['layers'] as unknown[])[1] = 'x'),
      /^r\.json: services\[0\]\.image\.layers\[1\]: must be an object \(got "x"\)$/,
    ],
    [
      'a bad breach kind',
      (d) => (firstService(d)['breaches'] = [{ kind: 'size', reason: 'x' }]),
      /^r\.json: services\[0\]\.breaches\[0\]\.kind: must be one of: budget, increase, creep, error \(got "size"\)$/,
    ],
    [
      'a bad layer change',
      (d) =>
        (firstService(d)['layerChanges'] = [
          {
            instruction: 'RUN x',
            kind: 'grown',
            baseline: 1,
            current: 2,
            change: 'one',
            base: false,
          },
        ]),
      /^r\.json: services\[0\]\.layerChanges\[0\]\.change: must be a whole number \(got "one"\)$/,
    ],
    [
      'a non-string failure',
      (d) => (d['failures'] = [3]),
      /^r\.json: failures\[0\]: must be a string \(got 3\)$/,
    ],
    [
      'a list instead of an object',
      (d) => (d['total'] = []),
      /^r\.json: total: must be an object \(got \[\]\)$/,
    ],
  ])('rejects %s, naming the file, the key and the value', (_, change, message) => {
    expect(() => parseJsonReport(mutated(change), 'r.json')).toThrow(InputError);
    expect(() => parseJsonReport(mutated(change), 'r.json')).toThrow(message);
  });

  it('rejects invalid JSON with a line and column', () => {
    expect(() => parseJsonReport('{\n  "version": 1,\n}', 'r.json')).toThrow(
      /^r\.json: line 3, column 1: is not valid JSON/,
    );
    expect(() => parseJsonReport('[]', 'r.json')).toThrow(
      'r.json: (top level): must be an object (got [])',
    );
  });
});

describe('verdictFromReports', () => {
  const meta = { generatedAt: '2025-01-01T00:00:00.000Z', mode: 'check' };
  const roundTrip = (verdict: Verdict): JsonReport =>
    parseJsonReport(serializeJsonReport(buildJsonReport(verdict, meta)), 'report.json');

  it.each<FailOn>(['any', 'budget', 'never'])(
    'rebuilds the verdict of one report exactly (fail-on %s)',
    (failOn) => {
      const verdict = mixedVerdict(failOn);
      expect(verdictFromReports([roundTrip(verdict)], { totalBudget: 1000 * MB, failOn })).toEqual(
        verdict,
      );
    },
  );

  function shard(outcomes: readonly ServiceOutcome[], totalBudget?: number): Verdict {
    return compare({
      outcomes,
      baseline: {
        version: 1,
        services: { api: entry(100 * MB), web: entry(50 * MB), db: entry(10 * MB) },
      },
      metric: 'uncompressed',
      failOn: 'any',
      totalBudget,
      fullRun: false,
      knownServices: ['api', 'web', 'db'],
    });
  }

  it('merges shards into the verdict one run over every service would give', () => {
    const api = measured('api', 120 * MB);
    const web = measured('web', 50 * MB);
    const db = measured('db', 10 * MB);
    const whole = shard([api, web, db], 150 * MB);
    const merged = verdictFromReports([roundTrip(shard([web, api])), roundTrip(shard([db]))], {
      totalBudget: 150 * MB,
      failOn: 'any',
    });
    expect(merged).toEqual(whole);
    expect(merged.failures).toEqual([
      'api: grew by 20 MB (+20.0%), more than the allowed 10%',
      'total: 180 MB is over the total budget of 150 MB by 30 MB',
    ]);
    expect(renderMarkdown(merged)).toBe(renderMarkdown(whole));
  });

  it('a service in two shard reports is an error that names both', () => {
    const first = roundTrip(shard([measured('api', 120 * MB)]));
    const again = roundTrip(shard([measured('api', 101 * MB)]));
    const merged = verdictFromReports([first, again], {
      failOn: 'any',
      reportNames: ['shard-1/report.json', 'shard-2/report.json'],
    });
    expect(merged.services.map((service) => [service.name, service.status])).toEqual([
      ['api', 'error'],
    ]);
    expect(merged.passed).toBe(false);
    expect(merged.failures).toEqual([
      'api: is in two shard reports (shard-1/report.json and shard-2/report.json); each service belongs to exactly one shard',
    ]);
  });

  it('a service the repository knows that no report covers is missing and fails; the total still counts it', () => {
    const reports = Array.from({ length: 3 }, (_, index) =>
      roundTrip(shard([measured(`svc-${index}`, 10 * MB)])),
    );
    const knownServices = new Map<string, number | undefined>(
      Array.from({ length: 4 }, (_, index) => [`svc-${index}`, 10 * MB]),
    );
    const merged = verdictFromReports(reports, { failOn: 'any', knownServices });
    expect(merged.services.map((service) => [service.name, service.status])).toEqual([
      ['svc-0', 'new'],
      ['svc-1', 'new'],
      ['svc-2', 'new'],
      ['svc-3', 'missing'],
    ]);
    expect(merged.passed).toBe(false);
    expect(merged.failures[0]).toMatch(/^svc-3: no shard report covers it \(3 merged\)/);
    // The missing one is counted at its baseline size on both sides: no phantom change.
    expect(merged.total.current).toBe(40 * MB);
    expect(merged.total.baseline).toBe(10 * MB);
    expect(verdictFromReports(reports, { failOn: 'never', knownServices }).passed).toBe(true);
  });

  it('a baseline service the config no longer defines is removed, not missing, as one full run would say', () => {
    const reports = [roundTrip(shard([measured('svc-0', 10 * MB)]))];
    const knownServices = new Map<string, number | undefined>([
      ['svc-0', 10 * MB],
      ['legacy', 40 * MB],
    ]);
    const merged = verdictFromReports(reports, {
      failOn: 'any',
      knownServices,
      definedServices: new Set(['svc-0']),
    });
    expect(merged.services.map((service) => [service.name, service.status])).toEqual([
      ['legacy', 'removed'],
      ['svc-0', 'new'],
    ]);
    expect(merged.passed).toBe(true);
    expect(merged.services[0]?.reasons).toEqual([
      'no longer defined in the repository (was 40 MB)',
    ]);
    // Removed counts on the baseline side only: the repository lost 40 MB.
    expect(merged.total.baseline - merged.total.current).toBe(40 * MB - 10 * MB);
  });

  it('applies fail-on to the stored breaches', () => {
    const report = roundTrip(shard([measured('api', 120 * MB)]));
    expect(verdictFromReports([report], { failOn: 'never' })).toMatchObject({
      passed: true,
      failures: [],
    });
  });

  it('refuses reports that measured different metrics', () => {
    const uncompressed = roundTrip(shard([measured('api', 100 * MB)]));
    const compressed: JsonReport = { ...uncompressed, metric: 'compressed' };
    expect(() => verdictFromReports([uncompressed, compressed], { failOn: 'any' })).toThrow(
      /^report 2 of 2: metric: differs from the first report's metric \("uncompressed"\)/,
    );
  });
});
