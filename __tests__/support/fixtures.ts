import type { PackageInventory } from '../../src/measure/packages/types.js';
import type { BaselineEntry } from '../../src/baseline/types.js';
import type { ServiceOutcome } from '../../src/compare/types.js';
import type { ImageMeasurement, LayerMeasurement } from '../../src/measure/types.js';
import type { Limits } from '../../src/services/types.js';

/** The shared builders of unit tests: limits, measurements and baseline entries. */

export const MB = 1_000_000;

/** Limits as the inputs' defaults make them (10% max increase, 1 MB ignore-below), overridable. */
export function limits(overrides: Partial<Limits> = {}): Limits {
  return {
    budget: undefined,
    maxIncrease: { kind: 'percent', percent: 10 },
    warnIncrease: undefined,
    maxCreep: undefined,
    ignoreBelow: MB,
    maxWasted: undefined,
    minEfficiency: undefined,
    maxLayers: undefined,
    noNewLayers: false,
    ...overrides,
  };
}

/** An image of the given layers; its size is their sum. */
export function imageOf(
  layers: readonly LayerMeasurement[],
  overrides: Partial<ImageMeasurement> = {},
): ImageMeasurement {
  return {
    imageId: `sha256:${layers.map((layer) => layer.diffId).join('+')}`,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    platform: 'linux/amd64',
    layers,
    ...overrides,
  };
}

/** One own layer (`COPY . /app`) of `size` bytes. */
export function singleLayerImage(size: number, overrides: Partial<ImageMeasurement> = {}) {
  return imageOf(
    [{ diffId: `sha256:${size}`, size, instruction: 'COPY . /app', base: false }],
    overrides,
  );
}

/** A measured service: one own layer of `size` bytes unless `measurement` says otherwise. */
export function measured(
  name: string,
  size: number,
  fields: { readonly limits?: Limits; readonly measurement?: ImageMeasurement } = {},
): ServiceOutcome {
  return {
    name,
    limits: fields.limits ?? limits(),
    measurement: fields.measurement ?? singleLayerImage(size),
  };
}

/** A baseline entry that lists no layers (as hand-written ones often do). */
export function entry(size: number, compressed?: number): BaselineEntry {
  return { size, ...(compressed === undefined ? {} : { compressed }), layers: [] };
}

/** The package attribution of an image without package databases or files. */
export const NO_PACKAGES: PackageInventory = {
  packages: [],
  summary: [],
  unowned: [],
  conflicts: [],
  conflictCount: 0,
  warnings: [],
};
