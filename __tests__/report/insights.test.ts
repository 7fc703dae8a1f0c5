import { NO_PACKAGES } from '../support/fixtures.js';
import { describe, expect, test } from 'vitest';
import type { ServiceFindings, ServiceResult } from '../../src/compare/types.js';
import { resultOf, verdictOf } from '../support/results.js';
import type { ImageMeasurement } from '../../src/measure/types.js';
import { renderInsights } from '../../src/report/insights.js';
import { renderTerminalHints } from '../../src/report/markdown.js';

const MB = 1_000_000;

function measured(overrides: Partial<ImageMeasurement> = {}): ImageMeasurement {
  const layers = [
    { diffId: 'sha256:a', size: 80 * MB, instruction: 'FROM debian', base: true },
    { diffId: 'sha256:b', size: 45 * MB, instruction: 'RUN apt-get install -y gcc', base: false },
    { diffId: 'sha256:c', size: 2 * MB, instruction: 'COPY . /app', base: false },
  ];
  return {
    imageId: 'sha256:image',
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    compressed: 51 * MB,
    compressedEstimated: true,
    platform: 'linux/amd64',
    layers,
    baseImage: 'debian:bookworm-slim',
    analysis: {
      wastedBytes: 30 * MB,
      efficiency: 1 - (30 * MB) / (127 * MB),
      wasted: [
        { path: 'tmp/big.bin', bytes: 30 * MB, addedInLayer: 1, removedInLayer: 2, how: 'deleted' },
      ],
      layers: [
        { largestFiles: [], largestDirectories: [] },
        {
          largestFiles: [{ path: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', bytes: 33 * MB }],
          largestDirectories: [],
        },
        { largestFiles: [{ path: 'app/<img src=x>.js', bytes: 2 * MB }], largestDirectories: [] },
      ],
      hints: [
        {
          id: 'build-toolchain',
          title: 'Build toolchain in the image (C/C++ compiler)',
          bytes: 40 * MB,
          fix: 'Build in a separate stage and COPY only the result into the final stage (multi-stage build).',
          examples: [{ path: 'usr/lib/gcc/x86_64-linux-gnu/12/cc1', bytes: 33 * MB }],
          layers: [1],
          packages: [],
        },
      ],
      packages: NO_PACKAGES,
    },
    ...overrides,
  };
}

function result(
  measurement: ImageMeasurement,
  overrides: Partial<ServiceFindings> = {},
): ServiceResult {
  return resultOf({
    name: 'api',
    status: 'fail',
    baseline: 80 * MB,
    current: measurement.size,
    change: measurement.size - 80 * MB,
    budget: undefined,
    reasons: [],
    unchanged: false,
    measurement,
    error: undefined,
    breaches: [],
    layerChanges: [
      {
        instruction: 'FROM debian',
        kind: 'unchanged',
        baseline: 80 * MB,
        current: 80 * MB,
        change: 0,
        base: true,
        layer: 0,
      },
      {
        instruction: 'RUN apt-get install -y gcc',
        kind: 'added',
        baseline: undefined,
        current: 45 * MB,
        change: 45 * MB,
        base: false,
        layer: 1,
      },
      {
        instruction: 'COPY . /app',
        kind: 'added',
        baseline: undefined,
        current: 2 * MB,
        change: 2 * MB,
        base: false,
        layer: 2,
      },
    ],
    dockerfile: undefined,
    ...overrides,
  });
}

describe('renderInsights', () => {
  test('pull size, base vs own, the files the grown layers added, waste and hints', () => {
    const text = renderInsights(result(measured()), { allLayers: false });
    expect(text).toContain('**Pull size:** 51 MB (estimated with gzip)');
    expect(text).toContain('<code>debian:bookworm-slim</code>: 80 MB, **own layers:** 47 MB');
    expect(text).toContain(
      '- layer 2 (<code>RUN apt-get install -y gcc</code>): <code>/usr/lib/gcc/x86\\_64-linux-gnu/12/cc1</code> 33 MB',
    );
    expect(text).toContain('**Wasted:** 30 MB');
    expect(text).toContain('efficiency 76.4%');
    expect(text).toContain(
      '<code>/tmp/big.bin</code> 30 MB (added by layer 2, deleted by layer 3)',
    );
    expect(text).toContain(
      '💡 **Build toolchain in the image (C/C++ compiler)** (40 MB): Build in a separate stage',
    );
  });

  test('hint text from a merged (untrusted) report cannot inject markdown, HTML or mentions', () => {
    const base = measured();
    const analysis = base.analysis;
    if (!analysis) throw new Error('fixture has an analysis');
    const forged = {
      ...analysis,
      hints: [
        {
          id: 'build-toolchain' as const,
          title: '</details>\n\n# Approved by @org/security-team <img src=x>',
          bytes: 2 * MB,
          fix: 'Run `rm -rf </code><img src=x>` [here](http://x)',
          examples: [],
          layers: [1],
          packages: [],
        },
      ],
    };
    const text = renderInsights(result({ ...base, analysis: forged }), { allLayers: false });
    expect(text).not.toMatch(/<\/details>|<img|\n# |@org\/|\]\(http/);
    expect(text).toContain('<code>rm -rf &lt;/code&gt;&lt;img src=x&gt;</code>');
  });

  test('paths from the image cannot inject HTML', () => {
    const text = renderInsights(result(measured()), { allLayers: false });
    expect(text).not.toContain('<img');
    expect(text).toContain('&lt;img src=x&gt;');
  });

  test('an exact pull size says nothing about estimates; no base image, no base line', () => {
    const text = renderInsights(
      result(measured({ compressedEstimated: undefined, baseImage: undefined })),
      { allLayers: false },
    );
    expect(text).toContain('**Pull size:** 51 MB');
    expect(text).not.toContain('estimated');
    expect(text).not.toContain('Base image');
  });

  test('only the layers that grew list their files, unless analyze is all', () => {
    const onlyGcc = result(measured(), {
      layerChanges: [
        {
          instruction: 'RUN apt-get install -y gcc',
          kind: 'grown',
          baseline: 40 * MB,
          current: 45 * MB,
          change: 5 * MB,
          base: false,
          layer: 1,
        },
      ],
    });
    expect(renderInsights(onlyGcc, { allLayers: false })).not.toContain('- layer 3 (');
    expect(renderInsights(onlyGcc, { allLayers: true })).toContain('- layer 3 (');
  });

  test('small waste is not worth a line', () => {
    const base = measured();
    const analysis = base.analysis;
    if (!analysis) throw new Error('fixture has an analysis');
    const text = renderInsights(
      result({ ...base, analysis: { ...analysis, wastedBytes: 999_999, wasted: [] } }),
      { allLayers: false },
    );
    expect(text).not.toContain('Wasted');
  });
});

describe('renderTerminalHints', () => {
  const verdict = (service: ServiceResult) => verdictOf([service]);

  test('one line per hint with its bytes and fix; control characters cannot reach the terminal', () => {
    const text = renderTerminalHints(verdict(result(measured(), { name: 'api\u001b[31m' })), false);
    expect(text).toBe(
      'api?[31m: hint: Build toolchain in the image (C/C++ compiler) (40 MB). Build in a separate stage and COPY only the result into the final stage (multi-stage build).',
    );
  });

  test('an unchanged service shows its hints only with analyze: all', () => {
    const unchanged = result(measured(), { status: 'pass', unchanged: true, change: 0 });
    expect(renderTerminalHints(verdict(unchanged), false)).toBe('');
    expect(renderTerminalHints(verdict(unchanged), true)).toContain('hint: Build toolchain');
  });
});
