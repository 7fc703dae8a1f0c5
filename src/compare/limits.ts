import type { Increase, Metric } from '../core/model.js';
import type { BaselineEntry } from '../baseline/types.js';
import type { ImageMeasurement } from '../measure/types.js';
import type { Limits } from '../services/types.js';
import {
  NO_COMPRESSED_BASELINE,
  NO_COMPRESSED_MEASUREMENT,
  analysisOffReason,
  efficiencyReason,
  tooManyLayersReason,
  wastedReason,
} from './reasons.js';
import type { BaseOwnSplit } from './types.js';

/** The gate's policy: which numbers are compared, and when a number breaks a limit. */

/** A change too small to count: zero, or below ignore-below. */
export function isNoise(bytes: number, ignoreBelow: number): boolean {
  return bytes === 0 || Math.abs(bytes) < ignoreBelow;
}

/** Strictly more than the limit: growing by exactly the allowed amount passes. */
export function exceedsIncrease(change: number, baseline: number, limit: Increase): boolean {
  if (limit.kind === 'bytes') return change > limit.bytes;
  // No percentage of nothing allows growth; callers only ask about growth above the noise floor.
  if (baseline === 0) return true;
  // Multiplying instead of dividing keeps exact integers exact (10% of 1000 B is 100 B, not 100.00000000000001).
  return change * 100 > limit.percent * baseline;
}

/**
 * True when the base image's layers changed (beyond the noise, in the service's direction) and
 * the service's own layers did not: every changed byte comes from the base image.
 */
export function comesFromBase(change: number, split: BaseOwnSplit, ignoreBelow: number): boolean {
  const { baseChange, ownChange } = split;
  if (baseChange === undefined || ownChange === undefined) return false;
  return (
    !isNoise(baseChange, ignoreBelow) &&
    Math.sign(baseChange) === Math.sign(change) &&
    isNoise(ownChange, ignoreBelow)
  );
}

export interface ShapeFindings {
  /** Reasons for the budget-kind limits the image broke. */
  readonly budgetBreaches: readonly string[];
  /** Limits that could not be checked, and why. */
  readonly notes: readonly string[];
}

/**
 * The absolute limits on the image's shape: max-wasted and min-efficiency (which need the deep
 * analysis; without it, as with analyze none, they are noted as not checked) and max-layers.
 */
export function shapeFindings(limits: Limits, measurement: ImageMeasurement): ShapeFindings {
  const budgetBreaches: string[] = [];
  const notes: string[] = [];
  const { maxWasted, minEfficiency, maxLayers } = limits;
  const analysis = wasteOf(measurement);
  if (analysis === undefined) {
    const unchecked = [
      ...(maxWasted === undefined ? [] : ['max-wasted']),
      ...(minEfficiency === undefined ? [] : ['min-efficiency']),
    ];
    if (unchecked.length > 0) notes.push(analysisOffReason(unchecked));
  } else {
    if (maxWasted !== undefined && analysis.wastedBytes > maxWasted) {
      budgetBreaches.push(wastedReason(analysis.wastedBytes, maxWasted));
    }
    if (minEfficiency !== undefined && analysis.efficiency < minEfficiency) {
      budgetBreaches.push(efficiencyReason(analysis.efficiency, minEfficiency));
    }
  }
  const layers = measurement.layers.length;
  if (maxLayers !== undefined && layers > maxLayers) {
    budgetBreaches.push(tooManyLayersReason(layers, maxLayers));
  }
  return { budgetBreaches, notes };
}

/**
 * Wasted bytes and efficiency: from the analysis, or from the baseline entry of an image of the
 * very same layers (efficiency = 1 − wasted / size: the size is the regular-file bytes of all
 * layers, the total the analysis divides by).
 */
function wasteOf(
  measurement: ImageMeasurement,
): { readonly wastedBytes: number; readonly efficiency: number } | undefined {
  if (measurement.analysis !== undefined) return measurement.analysis;
  const wastedBytes = measurement.fromBaseline?.wastedBytes;
  if (wastedBytes === undefined) return undefined;
  const { size } = measurement;
  return { wastedBytes, efficiency: size > 0 ? 1 - wastedBytes / size : 1 };
}

export interface ComparableSizes {
  readonly current: number;
  /** Undefined when there is no entry, or the entry lacks the chosen metric. */
  readonly baseline: number | undefined;
  /** Why the numbers are not the plain chosen metric, when they are not. */
  readonly notes: readonly string[];
}

/**
 * Picks the numbers to compare. Both sides must use the same metric, so when the measurement
 * lacks a compressed size the row falls back to uncompressed on both sides (the budget then
 * applies to a number that is at least as large: strict, never lenient). When only the
 * baseline lacks it, the current compressed size still meets the budget, but the increase
 * cannot be checked until the baseline is refreshed.
 */
export function comparableSizes(
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
  metric: Metric,
): ComparableSizes {
  if (metric === 'uncompressed') {
    return { current: measurement.size, baseline: entry?.size, notes: [] };
  }
  if (measurement.compressed === undefined) {
    return { current: measurement.size, baseline: entry?.size, notes: [NO_COMPRESSED_MEASUREMENT] };
  }
  if (entry !== undefined && entry.compressed === undefined) {
    return {
      current: measurement.compressed,
      baseline: undefined,
      notes: [NO_COMPRESSED_BASELINE],
    };
  }
  return { current: measurement.compressed, baseline: entry?.compressed, notes: [] };
}

/** The entry's size in the chosen metric; undefined when the entry lacks it. */
export function sizeOf(entry: BaselineEntry, metric: Metric): number | undefined {
  return metric === 'compressed' ? entry.compressed : entry.size;
}
