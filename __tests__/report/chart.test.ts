import { limits } from '../support/fixtures.js';
import type { Metric } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';

import type { BaselineEntry } from '../../src/baseline/types.js';
import { compare } from '../../src/compare/compare.js';
import type { ServiceOutcome, Verdict } from '../../src/compare/types.js';
import { chartLabel, MAX_CHART_SERVICES, renderSizeChart } from '../../src/report/chart.js';
import { renderMarkdown, renderTerminalTable } from '../../src/report/markdown.js';

const MB = 1_000_000;

function measured(name: string, size: number, budget?: number): ServiceOutcome {
  return {
    name,
    limits: limits({ budget }),
    measurement: {
      imageId: `sha256:${name}`,
      size,
      compressed: Math.round(size / 3),
      platform: 'linux/amd64',
      layers: [{ diffId: `sha256:${name}`, size, instruction: 'COPY . /', base: false }],
    },
  };
}

function verdictOf(
  outcomes: readonly ServiceOutcome[],
  baseline: Record<string, BaselineEntry> = {},
  metric: Metric = 'uncompressed',
): Verdict {
  return compare({
    outcomes,
    baseline: { version: 1, services: baseline },
    metric,
    failOn: 'any',
    fullRun: true,
    knownServices: outcomes.map((outcome) => outcome.name),
  });
}

function entry(size: number): BaselineEntry {
  return { size, compressed: Math.round(size / 3), layers: [] };
}

describe('renderSizeChart', () => {
  it('draws this PR and the baseline as bars, and the budget line when every service has one', () => {
    const verdict = verdictOf(
      [measured('api', 160_150_000, 200 * MB), measured('web', 88_100_000, 100 * MB)],
      { api: entry(150_100_000), web: entry(88_100_000) },
    );
    expect(renderSizeChart(verdict)).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Image sizes (MB)"',
        '    x-axis ["api", "web"]',
        '    y-axis "MB" 0 --> 250',
        '    bar [160.15, 88.1]',
        '    bar [150.1, 88.1]',
        '    line [200, 100]',
        '```',
        '',
        '<sub>Each bar is this PR’s size with the baseline drawn over it: the part above the baseline is growth. The line is each service’s budget.</sub>',
      ].join('\n'),
    );
  });

  it('leaves out the budget line unless every service shown has a budget', () => {
    const chart = renderSizeChart(
      verdictOf([measured('api', 10 * MB, 20 * MB), measured('web', MB)]),
    );
    expect(chart).not.toContain('line [');
    expect(chart).toContain('No budget line: not every service shown has a budget.');
  });

  it('gives a new service a 0 baseline bar and skips services that were not measured', () => {
    const verdict = verdictOf(
      [
        measured('fresh', 5 * MB),
        { name: 'broken', limits: limits(), error: 'boom', stage: 'build' },
      ],
      { broken: entry(7 * MB), gone: entry(3 * MB) },
    );
    const chart = renderSizeChart(verdict) ?? '';
    expect(chart).toContain('x-axis ["fresh"]');
    expect(chart).toContain('bar [5]\n    bar [0]');
  });

  it('returns undefined when nothing was measured', () => {
    const verdict = verdictOf([
      { name: 'broken', limits: limits(), error: 'boom', stage: 'build' },
    ]);
    expect(renderSizeChart(verdict)).toBeUndefined();
  });

  it('uses compressed sizes under the compressed metric', () => {
    const chart = renderSizeChart(verdictOf([measured('api', 30 * MB)], {}, 'compressed')) ?? '';
    expect(chart).toContain('title "Compressed image sizes (MB)"');
    expect(chart).toContain('bar [10]');
  });

  it('shows at most 30 services, the largest, in table order, and says so', () => {
    const outcomes = Array.from({ length: 42 }, (_, index) =>
      measured(`svc-${String(index).padStart(2, '0')}`, (index + 1) * MB),
    );
    const chart = renderSizeChart(verdictOf(outcomes)) ?? '';
    const axis = /x-axis \[(.*)\]/.exec(chart)?.[1] ?? '';
    const labels = axis.split(', ');
    expect(labels).toHaveLength(MAX_CHART_SERVICES);
    expect(labels[0]).toBe('"svc-12"');
    expect(labels.at(-1)).toBe('"svc-41"');
    expect(chart).toContain('Showing the 30 largest of 42 measured services; the table lists all.');
  });

  it('ends the axis on a round number above the tallest bar', () => {
    const chart = renderSizeChart(verdictOf([measured('a', 10 * MB)])) ?? '';
    expect(chart).toContain('y-axis "MB" 0 --> 12');
    const empty = renderSizeChart(verdictOf([measured('a', 0)])) ?? '';
    expect(empty).toContain('y-axis "MB" 0 --> 1');
  });
});

describe('chartLabel', () => {
  it.each([
    ['api', 'api'],
    ['web-v2.internal', 'web-v2.internal'],
    ['"quoted"', '_quoted_'],
    ['a[0]', 'a_0_'],
    ['<img src=x>', '_img src_x_'],
    ['@org/team', '_org/team'],
    ['x;#quot;', 'x__quot_'],
    ['line\nbreak', 'line break'],
    ['', '_'],
    ['dienst-ü', 'dienst-ü'],
    ['a-very-long-service-name-that-goes-on', 'a-very-long-service-n...'],
  ])('%j → %j', (name, label) => {
    expect(chartLabel(name)).toBe(label);
  });
});

describe('renderMarkdown with the chart', () => {
  it('puts the chart after the tables and leaves the terminal table alone', () => {
    const verdict = verdictOf([measured('api', 10 * MB), measured('web', 5 * MB)], {
      api: entry(10 * MB),
      web: entry(4 * MB),
    });
    const markdown = renderMarkdown(verdict);
    expect(markdown.indexOf('```mermaid')).toBeGreaterThan(markdown.indexOf('</details>'));
    expect(renderTerminalTable(verdict)).not.toContain('mermaid');
  });
});
