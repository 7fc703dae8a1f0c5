import type { FailOn } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';

import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import type { ServiceOutcome, Verdict } from '../../src/compare/types.js';
import { InputError } from '../../src/core/errors.js';
import {
  buildJsonReport,
  parseJsonReport,
  serializeJsonReport,
  verdictFromReports,
  type JsonReport,
} from '../../src/report/json-report.js';
import {
  escapeMarkdown,
  renderMarkdown,
  renderTerminalReasons,
  renderTerminalTable,
} from '../../src/report/markdown.js';
import type { Limits } from '../../src/services/types.js';

const MB = 1_000_000;

function limits(overrides: Partial<Limits> = {}): Limits {
  return {
    budget: undefined,
    maxIncrease: { kind: 'percent', percent: 10 },
    warnIncrease: { kind: 'percent', percent: 5 },
    ignoreBelow: MB,
    ...overrides,
  };
}

function measured(name: string, size: number, serviceLimits = limits()): ServiceOutcome {
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

function entry(size: number): BaselineEntry {
  return { size, layers: [] };
}

/** A monorepo PR in which every status appears once. */
function mixedVerdict(failOn: FailOn = 'any'): Verdict {
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

function allPassing(): Verdict {
  return compare({
    outcomes: [measured('api', 100 * MB + 2 * MB), measured('web', 50 * MB)],
    baseline: { version: 1, services: { api: entry(100 * MB), web: entry(50 * MB) } },
    metric: 'uncompressed',
    failOn: 'any',
    fullRun: true,
    knownServices: ['api', 'web'],
  });
}

describe('renderMarkdown', () => {
  it('renders a full report', () => {
    expect(renderMarkdown(mixedVerdict(), {})).toMatchInlineSnapshot(`
      "## ❌ Image sizes: 2 of 6 services failed — total 451 MB (+500 kB, +0.1%)

      | Service | Baseline | Now | Change | Budget | Status |
      |:--|--:|--:|--:|--:|:--|
      | search | 60 MB | — | — | — | 💥 error |
      | api | 180 MB | 184 MB | +4 MB (+2.2%) | 184 MB / 150 MB (123%) | ❌ fail |
      | web | 100 MB | 106 MB | +6 MB (+6.0%) | 106 MB / 200 MB (53%) | ⚠️ warn |
      | worker | — | 30 MB | — | — | 🆕 new |
      | legacy | 40 MB | — | — | — | 🗑️ removed |
      | **Total** | **450 MB** | **451 MB** | **+500 kB (+0.1%)** | **451 MB / 1 GB (45%)** | ✅ pass |

      <details><summary>2 unchanged services</summary>

      | Service | Baseline | Now | Change | Budget | Status |
      |:--|--:|--:|--:|--:|:--|
      | auth | 50 MB | 50 MB | ±0 B (±0%) | — | ✅ pass |
      | billing | 80 MB | 80.5 MB | +500 kB (+0.6%) | — | ✅ pass |

      </details>

      \`\`\`mermaid
      xychart-beta
          title "Image sizes (MB)"
          x-axis ["api", "auth", "billing", "web", "worker"]
          y-axis "MB" 0 --> 200
          bar [184, 50, 80.5, 106, 30]
          bar [180, 50, 80, 100, 0]
      \`\`\`

      <sub>Each bar is this PR’s size with the baseline drawn over it: the part above the baseline is growth. No budget line: not every service shown has a budget.</sub>

      - ❌ **api**: 184 MB is over its budget of 150 MB by 34 MB
      - 🗑️ **legacy**: no longer defined in the repository (was 40 MB)
      - 💥 **search**: build failed: exit code 1: npm ci failed
      - ⚠️ **web**: grew by 6 MB (+6.0%), more than the warning threshold of 5%
      - 🆕 **worker**: new service, no baseline yet: 30 MB
      "
    `);
  });

  it('heads a passing report with the total change', () => {
    const markdown = renderMarkdown(allPassing(), { title: 'Docker images' });
    expect(markdown.split('\n')[0]).toBe(
      '## ✅ Docker images: all 2 services within limits — total 152 MB (+2 MB, +1.3%)',
    );
  });

  it('says when failures are not enforced', () => {
    const heading = renderMarkdown(mixedVerdict('never'), {}).split('\n')[0];
    expect(heading).toBe(
      '## ⚠️ Image sizes: 2 of 6 services failed (not enforced: fail-on is never) — total 451 MB (+500 kB, +0.1%)',
    );
  });

  it('collapses only unchanged services that pass', () => {
    const markdown = renderMarkdown(mixedVerdict(), {});
    const [main = '', collapsed = ''] = markdown.split('<details>');
    expect(main).not.toMatch(/\| auth \|/);
    expect(collapsed).toMatch(/\| auth \|/);
    expect(collapsed).toMatch(/\| billing \|/);
    expect(collapsed).not.toMatch(/\| api \|/);
  });

  it('uses the singular for one unchanged service', () => {
    expect(renderMarkdown(allPassing(), {})).toContain(
      '<details><summary>1 unchanged service</summary>',
    );
  });

  it('escapes hostile service names and error text everywhere they appear', () => {
    const hostileNames = ['<img src=x>', '@org/team', 'a|b', '`rm -rf`', 'x](http://x)'];
    const verdict = compare({
      outcomes: [
        ...hostileNames.map((name) => measured(name, 10 * MB)),
        {
          name: 'broken',
          limits: limits(),
          error: 'failed <script>alert(1)</script>\nsee #12 | @admin',
          stage: 'measure',
        },
      ],
      baseline: { version: 1, services: {} },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: [],
    });
    const rendered = renderMarkdown(verdict, { title: '[click](http://evil)' });
    const chart = /```mermaid\n[\s\S]*?\n```\n/.exec(rendered)?.[0] ?? '';
    expect(chart).toContain(
      'x-axis ["_img src_x_", "_org/team", "_rm -rf_", "a_b", "x__http://x_"]',
    );
    const markdown = rendered.replace(chart, '');

    expect(markdown).not.toMatch(/<img|<script/);
    expect(markdown).not.toMatch(/@org|@admin/);
    expect(markdown).not.toMatch(/\]\(http/);
    expect(markdown).not.toContain('`');
    expect(markdown).not.toContain('see #12');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) expect(row.match(/ \| /g)?.length).toBe(5);
    expect(markdown).toContain('| &lt;img src=x&gt; |');
    expect(markdown).toContain('| @&#8203;org/team |');
    expect(markdown).toContain('| a&#124;b |');
    expect(markdown).toContain(
      'measure failed: failed &lt;script&gt;alert(1)&lt;/script&gt;<br>see #&#8203;12 &#124; @&#8203;admin',
    );
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['<img src=x>', '&lt;img src=x&gt;'],
    ['@org/team', '@&#8203;org/team'],
    ['a|b', 'a&#124;b'],
    ['`code`', '&#96;code&#96;'],
    ['](http://x)', '&#93;(http://x)'],
    ['[a](b)', '&#91;a&#93;(b)'],
    ['&lt;', '&amp;lt;'],
    ['line\r\nbreak\nand\rmore', 'line<br>break<br>and<br>more'],
    ['my_service*x~', 'my\\_service\\*x\\~'],
    ['a\\|b', 'a\\\\&#124;b'],
    ['issue #42 and C#', 'issue #&#8203;42 and C#'],
    ['bell\u0007 and \u001b[31mred', 'bell and &#91;31mred'],
    ['api-v2.internal', 'api-v2.internal'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('renderTerminalTable', () => {
  it('aligns plain-text columns, numbers to the right', () => {
    expect(renderTerminalTable(mixedVerdict())).toMatchInlineSnapshot(`
      "Service  Baseline      Now           Change                  Budget  Status
      -------  --------  -------  ---------------  ----------------------  -------
      api        180 MB   184 MB    +4 MB (+2.2%)  184 MB / 150 MB (123%)  fail
      auth        50 MB    50 MB       ±0 B (±0%)                       —  pass
      billing     80 MB  80.5 MB  +500 kB (+0.6%)                       —  pass
      legacy      40 MB        —                —                       —  removed
      search      60 MB        —                —                       —  error
      web        100 MB   106 MB    +6 MB (+6.0%)   106 MB / 200 MB (53%)  warn
      worker          —    30 MB                —                       —  new
      -------  --------  -------  ---------------  ----------------------  -------
      Total      450 MB   451 MB  +500 kB (+0.1%)     451 MB / 1 GB (45%)  pass"
    `);
  });

  it('removes control characters from repository text', () => {
    const verdict = compare({
      outcomes: [measured('evil\u001b[2J', MB)],
      baseline: { version: 1, services: {} },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: [],
    });
    expect(renderTerminalTable(verdict)).not.toContain('\u001b');
    expect(renderTerminalReasons(verdict)).toBe('evil?[2J: new service, no baseline yet: 1 MB');
  });
});

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
      /^r\.json: services\[0\]\.breaches\[0\]\.kind: must be one of: budget, increase, error \(got "size"\)$/,
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
