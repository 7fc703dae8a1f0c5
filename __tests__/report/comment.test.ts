import { limits as defaultLimits } from '../support/fixtures.js';
import type { FailOn } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';

import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import type { ServiceOutcome, Verdict } from '../../src/compare/types.js';
import type { ImageMeasurement } from '../../src/measure/types.js';
import { COMMENT_MAX_LENGTH, commentMarker, renderComment } from '../../src/report/comment.js';
import type { Limits } from '../../src/services/types.js';

const MB = 1_000_000;
const HINT = 'npx image-size-gate update';
const RUN_URL = 'https://github.com/acme/shop/actions/runs/42';
const OPTIONS = { key: '', refreshHint: HINT, runUrl: RUN_URL };

/** `[instruction, MB, base?, diffId?]`; the diffId defaults to one per instruction and size. */
type LayerSpec = readonly [string, number, boolean?, string?];

/** These reports show warnings: every service warns from 5% up. */
function limits(overrides: Partial<Limits> = {}): Limits {
  return defaultLimits({ warnIncrease: { kind: 'percent', percent: 5 }, ...overrides });
}

function image(specs: readonly LayerSpec[]): ImageMeasurement {
  const layers = specs.map(([instruction, size, base, diffId]) => ({
    diffId: diffId ?? `sha256:${instruction}:${size}`,
    size: Math.round(size * MB),
    instruction,
    base: base ?? false,
  }));
  return {
    imageId: `sha256:${specs.length}`,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    platform: 'linux/amd64',
    layers,
  };
}

function entry(specs: readonly LayerSpec[]): BaselineEntry {
  const { size, layers } = image(specs);
  return { size, layers };
}

function measured(
  name: string,
  specs: readonly LayerSpec[],
  serviceLimits: Limits = limits(),
): ServiceOutcome {
  return {
    name,
    limits: serviceLimits,
    measurement: image(specs),
    dockerfile: `${name}/Dockerfile`,
  };
}

interface Scenario {
  readonly outcomes: readonly ServiceOutcome[];
  readonly baseline: Readonly<Record<string, BaselineEntry>>;
  readonly failOn?: FailOn;
  readonly totalBudget?: number;
  readonly known?: readonly string[];
}

function verdictOf(scenario: Scenario): Verdict {
  return compare({
    outcomes: scenario.outcomes,
    baseline: { version: 1, services: scenario.baseline },
    metric: 'uncompressed',
    failOn: scenario.failOn ?? 'any',
    totalBudget: scenario.totalBudget,
    fullRun: true,
    knownServices: scenario.known ?? scenario.outcomes.map((outcome) => outcome.name),
  });
}

const PYTHON: LayerSpec = ['FROM python:3.12-slim', 45, true, 'sha256:python'];
const NODE: LayerSpec = ['FROM node:22-alpine', 40, true, 'sha256:node'];
const API_BEFORE: LayerSpec[] = [
  PYTHON,
  ['RUN pip install --no-cache-dir -r requirements.txt', 80],
  ['COPY . /app', 5],
];
const WEB: LayerSpec[] = [NODE, ['RUN npm ci --omit=dev', 60], ['COPY dist /srv', 12]];
const WORKER_BEFORE: LayerSpec[] = [PYTHON, ['RUN pip install celery', 30], ['COPY . /app', 4]];

function allPassing(): Verdict {
  return verdictOf({
    outcomes: [
      measured('api', [
        PYTHON,
        ['RUN pip install --no-cache-dir -r requirements.txt', 82],
        ['COPY . /app', 5],
      ]),
      measured('web', WEB, limits({ budget: 150 * MB })),
      measured('worker', WORKER_BEFORE),
    ],
    baseline: { api: entry(API_BEFORE), web: entry(WEB), worker: entry(WORKER_BEFORE) },
  });
}

function oneFailing(): Verdict {
  return verdictOf({
    outcomes: [
      measured(
        'api',
        [
          PYTHON,
          ['RUN apt-get update && apt-get install -y build-essential', 60],
          ['RUN pip install --no-cache-dir -r requirements.txt', 95],
          ['COPY . /app', 5, false, 'sha256:rebuilt'],
        ],
        limits({ budget: 200 * MB }),
      ),
      measured('web', WEB, limits({ budget: 150 * MB })),
      measured('worker', [PYTHON, ['RUN pip install celery', 26], ['COPY . /app', 4]]),
    ],
    baseline: { api: entry(API_BEFORE), web: entry(WEB), worker: entry(WORKER_BEFORE) },
    totalBudget: 500 * MB,
  });
}

function oneWarning(): Verdict {
  return verdictOf({
    outcomes: [
      measured('api', API_BEFORE),
      measured(
        'web',
        [NODE, ['RUN npm ci --omit=dev', 65], ['COPY dist /srv', 13]],
        limits({ budget: 150 * MB }),
      ),
    ],
    baseline: { api: entry(API_BEFORE), web: entry(WEB) },
  });
}

function newAndRemoved(): Verdict {
  return verdictOf({
    outcomes: [
      measured('api', API_BEFORE),
      measured('search', [
        ['FROM eclipse-temurin:21-jre', 190, true, 'sha256:temurin'],
        ['COPY target/search.jar /app.jar', 48],
      ]),
      { name: 'billing', limits: limits(), error: 'exit code 1: npm ci failed', stage: 'build' },
    ],
    baseline: {
      api: entry(API_BEFORE),
      billing: entry(WEB),
      legacy: entry([NODE, ['COPY . /srv', 3]]),
    },
  });
}

/** 100 services of 40 layers each, every one of which changed. */
function hundredServices(): Verdict {
  const names = Array.from(
    { length: 100 },
    (_, index) => `service-${String(index).padStart(3, '0')}`,
  );
  const before = (name: string): LayerSpec[] => [
    PYTHON,
    ...Array.from({ length: 40 }, (_, index): LayerSpec => [
      `RUN ${name} step ${index} && ${'x'.repeat(60)}`,
      1 + index / 10,
    ]),
  ];
  const after = (name: string, index: number): LayerSpec[] =>
    before(name).map(([instruction, size, base, diffId], layer): LayerSpec =>
      layer === 0
        ? [instruction, size, base, diffId]
        : [instruction, size + (index % 7) / 10 + 0.05],
    );
  return verdictOf({
    outcomes: names.map((name, index) =>
      measured(
        name,
        after(name, index),
        limits({ budget: index % 10 === 0 ? 60 * MB : undefined }),
      ),
    ),
    baseline: Object.fromEntries(names.map((name) => [name, entry(before(name))])),
  });
}

const HOSTILE_NAMES = ['<img src=x>', '@org/team', 'a|b', '`rm -rf /`', '](http://x)', 'fix #12'];

function hostile(): Verdict {
  const hostileLayers: LayerSpec[] = [
    PYTHON,
    ['RUN echo "```" && echo </code><script>alert(1)</script> | tee @org', 3],
    ['COPY --chown=a|b . /app # `whoami` [x](http://evil) *bold* _em_', 2],
  ];
  return verdictOf({
    outcomes: [
      ...HOSTILE_NAMES.map((name) => measured(name, hostileLayers)),
      {
        name: 'broken',
        limits: limits(),
        error: 'failed <script>alert(1)</script>\nsee #12 | @admin `x`',
        stage: 'measure',
      },
    ],
    baseline: Object.fromEntries(
      HOSTILE_NAMES.map((name) => [name, entry([PYTHON, ['RUN echo "```"', 1]])]),
    ),
  });
}

/** The lines of GitHub tables (main, unchanged and layer tables). */
function tableRows(body: string): string[] {
  return body.split('\n').filter((line) => line.startsWith('| '));
}

/** Cells separated by a `|` that markdown would read as a column border. */
function columnCount(row: string): number {
  return row.split('|').length - 2;
}

describe('renderComment snapshots', () => {
  it.each([
    ['comment-all-pass', allPassing],
    ['comment-one-fail', oneFailing],
    ['comment-one-warn', oneWarning],
    ['comment-new-and-removed', newAndRemoved],
    ['comment-hostile', hostile],
  ])('%s', async (name, scenario) => {
    await expect(renderComment(scenario(), OPTIONS)).toMatchFileSnapshot(
      `./__snapshots__/${name}.md`,
    );
  });

  it('comment-100-services: trims details, keeps every table row, stays under the limit', async () => {
    const verdict = hundredServices();
    const body = renderComment(verdict, OPTIONS);
    await expect(body).toMatchFileSnapshot('./__snapshots__/comment-100-services.md');

    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    for (const service of verdict.services) {
      expect(body).toContain(`| ${service.name} |`);
    }
    expect(body).toMatch(
      /Details for \d+ services were trimmed to fit GitHub's comment limit; the job summary has everything\./,
    );
    // Without a limit everything would be there, and far longer.
    expect(renderComment(verdict, { ...OPTIONS, maxLength: Infinity }).length).toBeGreaterThan(
      COMMENT_MAX_LENGTH,
    );
  });
});

describe('renderComment', () => {
  it('starts with the marker, then the verdict and total change', () => {
    const [marker, heading] = renderComment(oneFailing(), { ...OPTIONS, key: 'images' }).split(
      '\n',
    );
    expect(marker).toBe('<!-- image-size-gate:comment key="images" -->');
    expect(heading).toBe(
      '### ❌ Image sizes: 1 of 3 services failed — total 392 MB (+71 MB, +22%)',
    );
  });

  it('uses the table columns of the spec, budget as used / budget (share)', () => {
    const body = renderComment(oneFailing(), OPTIONS);
    expect(body).toContain('| Service | Baseline | This PR | Change | Budget | Status |');
    expect(body).toContain(
      '| api | 130 MB | 205 MB | +75 MB (+58%) | 205 MB / 200 MB (103%) | ❌ fail |',
    );
  });

  it('collapses unchanged services and marks warnings', () => {
    const body = renderComment(oneWarning(), OPTIONS);
    expect(body).toContain('<details><summary>1 unchanged service</summary>');
    expect(body).toMatch(/\| web \|.*\| ⚠️ warn \|/);
    const main = body.split('<details>')[0] ?? '';
    expect(main).not.toContain('| api |');
  });

  it('shows exactly one added row for a layer inserted in the middle', () => {
    const body = renderComment(oneFailing(), OPTIONS);
    const api = /<details><summary>❌ <b>api<\/b>[\s\S]*?<\/details>/.exec(body)?.[0] ?? '';
    const layerRows = tableRows(api).slice(1);
    expect(layerRows.filter((row) => row.includes('(added)'))).toEqual([
      '| <code>RUN apt-get update &amp;&amp; apt-get install -y build-essential</code> | — | 60 MB | +60 MB (added) |',
    ]);
    expect(layerRows).toEqual([
      '| <code>RUN apt-get update &amp;&amp; apt-get install -y build-essential</code> | — | 60 MB | +60 MB (added) |',
      '| <code>RUN pip install --no-cache-dir -r requirements.txt</code> | 80 MB | 95 MB | +15 MB (+19%) |',
    ]);
  });

  it('lists every layer of a new service and marks base-image layers', () => {
    const body = renderComment(newAndRemoved(), OPTIONS);
    expect(body).toContain(
      '| <code>FROM eclipse-temurin:21-jre</code> (base image) | — | 190 MB | +190 MB (added) |',
    );
  });

  it('escapes every piece of repository text', () => {
    const body = renderComment(hostile(), OPTIONS);
    expect(body).not.toMatch(/<img|<script|<\/code><script/);
    expect(body).not.toMatch(/@org|@admin/);
    expect(body).not.toMatch(/\]\(http:\/\/(x|evil)/);
    expect(body).not.toContain('see #12');
    // The only backticks are the fence of the refresh hint.
    expect(body.match(/`/g)).toHaveLength(6);
    for (const row of tableRows(body)) {
      const header = row.startsWith('| Layer') || row.startsWith('|:--|--:|--:|--:|');
      const layerRow = row.includes('<code>');
      expect(columnCount(row)).toBe(header || layerRow ? 4 : 6);
    }
    expect(body).toContain('<b>&lt;img src=x&gt;</b>');
    expect(body).toContain('<b>@&#8203;org/team</b>');
    expect(body).toContain('| a&#124;b |');
    expect(body).toContain(
      '<code>RUN echo "&#96;&#96;&#96;" &amp;&amp; echo &lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt; &#124; tee @&#8203;org</code>',
    );
  });

  it('is deterministic', () => {
    expect(renderComment(hundredServices(), OPTIONS)).toBe(
      renderComment(hundredServices(), OPTIONS),
    );
  });

  it('ends with the refresh hint and the run link when something changed', () => {
    const body = renderComment(oneFailing(), OPTIONS);
    expect(
      body.endsWith(
        `If this change is intended, refresh the baseline:\n\n\`\`\`\n${HINT}\n\`\`\`\n\n[View the workflow run](${RUN_URL})\n`,
      ),
    ).toBe(true);
  });

  it('leaves out the hint when nothing changed, and the link without a run', () => {
    const verdict = verdictOf({
      outcomes: [measured('api', API_BEFORE)],
      baseline: { api: entry(API_BEFORE) },
    });
    const body = renderComment(verdict, { key: '', refreshHint: HINT });
    expect(body).not.toContain('refresh the baseline');
    expect(body).not.toContain('workflow run');
  });

  it('fences a hint that contains backticks, and encodes a hostile run URL', () => {
    const body = renderComment(oneFailing(), {
      key: '',
      refreshHint: 'run ```this```',
      runUrl: 'https://x/y) <img src=x>',
    });
    expect(body).toContain('````\nrun ```this```\n````');
    expect(body).toContain('[View the workflow run](https://x/y%29%20%3Cimg%20src=x%3E)');
  });

  it('trims the least important details first, and says so', () => {
    const verdict = oneFailing();
    const full = renderComment(verdict, OPTIONS);
    const worker = /<details><summary>✅ <b>worker<\/b>[\s\S]*?<\/details>\n\n/.exec(full)?.[0];
    expect(worker).toBeDefined();
    const trimmed = renderComment(verdict, { ...OPTIONS, maxLength: full.length - 1 });
    expect(trimmed.length).toBeLessThan(full.length);
    expect(trimmed).toContain('<b>api</b>');
    expect(trimmed).toContain('+60 MB (added)');
    expect(trimmed).not.toContain('RUN pip install celery');
    expect(trimmed).toContain(
      "Details for 1 service were trimmed to fit GitHub's comment limit; the job summary has everything.",
    );
  });

  it('keeps every main table row while the table fits, shrinking the unchanged table last', () => {
    const verdict = oneWarning();
    const body = renderComment(verdict, { ...OPTIONS, maxLength: 700 });
    expect(body.length).toBeLessThanOrEqual(700);
    expect(body).toMatch(/\| web \|/);
    expect(body).toContain('1 unchanged service');
  });

  it('cuts the main table only when the table alone cannot fit', () => {
    const body = renderComment(hundredServices(), { ...OPTIONS, maxLength: 3000 });
    expect(body.length).toBeLessThanOrEqual(3000);
    expect(body).toMatch(/\| …and \d+ more services: see the job summary \| \| \| \| \| \|/);
    expect(body).toMatch(/\| \*\*Total\*\* \|/);
    expect(body.split('\n')[0]).toBe(commentMarker(''));
  });
});

describe('commentMarker', () => {
  it.each([
    ['', '<!-- image-size-gate:comment key="" -->'],
    ['images', '<!-- image-size-gate:comment key="images" -->'],
    ['arm64-images.v2', '<!-- image-size-gate:comment key="arm64-images.v2" -->'],
    ['a b', '<!-- image-size-gate:comment key="a%20b" -->'],
    ['x --> <script>', '<!-- image-size-gate:comment key="x%20-%2D%3E%20%3Cscript%3E" -->'],
    ['a"b', '<!-- image-size-gate:comment key="a%22b" -->'],
    ['---', '<!-- image-size-gate:comment key="-%2D-" -->'],
    ['ü', '<!-- image-size-gate:comment key="%C3%BC" -->'],
  ])('%j → %s', (key, marker) => {
    expect(commentMarker(key)).toBe(marker);
  });

  it('never lets the key close the comment, and keeps keys apart', () => {
    const keys = ['--', '-%2D', '->', '--!>', '%2D-', 'a\nb', '-->'];
    const markers = keys.map(commentMarker);
    for (const marker of markers) {
      expect(marker.indexOf('--', 4)).toBe(marker.length - 3);
    }
    expect(new Set(markers).size).toBe(keys.length);
  });
});

describe('many services: what needs attention leads the table', () => {
  it('a 100-service pull request shows its five problems at the top, then the changed ones', () => {
    const names = Array.from(
      { length: 100 },
      (_, index) => `svc-${String(index).padStart(3, '0')}`,
    );
    const baseline = Object.fromEntries(names.map((name) => [name, entry([['COPY a /a', 100]])]));
    // Late names on purpose: in name order they would be the last rows of the table.
    const growth: Record<string, number> = {
      'svc-095': 30, // fail (+30%)
      'svc-096': 12, // fail
      'svc-097': 7, // warn (between 5% and 10%)
      'svc-098': 6, // warn
      'svc-099': 20, // fail
      'svc-010': 2, // changed, passes
    };
    const outcomes = names.map((name) =>
      measured(name, [['COPY a /a', 100 + (growth[name] ?? 0)]]),
    );
    const rows = tableRows(renderComment(verdictOf({ outcomes, baseline }), OPTIONS));
    // rows[0] is the header.
    const firstNames = rows.slice(1, 7).map((row) => row.split('|')[1]?.trim());
    expect(firstNames).toEqual(['svc-095', 'svc-096', 'svc-099', 'svc-097', 'svc-098', 'svc-010']);
  });
});
