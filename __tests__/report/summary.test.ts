import { NO_PACKAGES } from '../support/fixtures.js';
import { describe, expect, test } from 'vitest';
import { diffLayers } from '../../src/compare/layers.js';
import type { ServiceFindings } from '../../src/compare/types.js';
import { verdictOf } from '../support/results.js';
import { renderSummary } from '../../src/report/summary.js';

const MB = 1_000_000;

/** A new service with `layers` layers, each listing its largest files (long paths). */
function newService(index: number, layers: number): ServiceFindings {
  const name = `service-${String(index).padStart(3, '0')}`;
  const measured = Array.from({ length: layers }, (_, layer) => ({
    diffId: `sha256:${index}-${layer}`,
    size: MB + layer,
    instruction: `RUN build step ${layer} of ${name} with a fairly long command line to render`,
    base: false,
  }));
  return {
    name,
    status: 'new',
    baseline: undefined,
    current: measured.reduce((sum, layer) => sum + layer.size, 0),
    change: undefined,
    budget: undefined,
    reasons: [`new service, no baseline yet`],
    unchanged: false,
    measurement: {
      imageId: `sha256:${index}`,
      size: measured.reduce((sum, layer) => sum + layer.size, 0),
      platform: 'linux/amd64',
      layers: measured,
      analysis: {
        wastedBytes: 0,
        efficiency: 1,
        wasted: [],
        layers: measured.map((_, layer) => ({
          largestFiles: Array.from({ length: 5 }, (_, file) => ({
            path: `srv/${name}/layer-${layer}/a/rather/deep/directory/tree/file-${file}.bin`,
            bytes: 100_000 - file,
          })),
          largestDirectories: [],
        })),
        hints: [],
        packages: NO_PACKAGES,
      },
    },
    error: undefined,
    breaches: [],
    layerChanges: diffLayers(measured, []),
    dockerfile: undefined,
  };
}

describe('renderSummary', () => {
  test('a few services: every detail, in full', () => {
    const summary = renderSummary(verdictOf([newService(1, 3), newService(2, 3)]), 'auto');
    expect(summary).toContain('file-4.bin');
    expect(summary.match(/<details>/g)?.length).toBe(2);
  });

  test('hundreds of services with many layers stay under GitHub’s 1 MiB summary limit', () => {
    const services = Array.from({ length: 300 }, (_, index) => newService(index, 25));
    const summary = renderSummary(verdictOf(services), 'auto');
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1_000_000);
    // The table keeps every service.
    for (const service of services) expect(summary).toContain(`| ${service.name} |`);
  });
});
