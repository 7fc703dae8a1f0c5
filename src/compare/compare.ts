import { compareCodeUnits } from '../core/text.js';
import type { FailOn } from '../core/model.js';
import type { Increase, Metric } from '../core/model.js';
import type { Baseline, BaselineEntry } from '../baseline/types.js';
import type { ImageMeasurement } from '../measure/types.js';
import type { Limits } from '../services/types.js';
import { formatBytes, formatIncrease, formatPercentChange } from '../core/units.js';
import { diffLayers, type LayerChange } from './layers.js';
import type {
  BaseOwnSplit,
  Breach,
  ServiceOutcome,
  ServiceResult,
  TotalResult,
  Verdict,
} from './types.js';

export interface CompareInput {
  readonly outcomes: readonly ServiceOutcome[];
  readonly baseline: Baseline;
  readonly metric: Metric;
  readonly failOn: FailOn;
  readonly totalBudget?: number | undefined;
  /** True when every service the repository defines was selected for this run. */
  readonly fullRun: boolean;
  /** Every service name the repository defines, selected or not. */
  readonly knownServices: readonly string[];
}

/** Compares measurements with the baseline and the limits. Pure: no I/O, no clock. */
export function compare(input: CompareInput): Verdict {
  const { baseline, metric, failOn } = input;
  const services: ServiceResult[] = input.outcomes.map((outcome) => {
    const entry = baselineEntry(baseline, outcome.name);
    const result =
      'measurement' in outcome
        ? evaluateMeasured(outcome.name, outcome.limits, outcome.measurement, entry, metric, failOn)
        : evaluateError(outcome.name, outcome.limits, outcome.error, outcome.stage, entry, metric);
    return { ...result, dockerfile: outcome.dockerfile, build: outcome.build };
  });

  if (input.fullRun) {
    const measuredNames = new Set(input.outcomes.map((outcome) => outcome.name));
    const known = new Set(input.knownServices);
    for (const [name, entry] of Object.entries(baseline.services)) {
      if (!measuredNames.has(name) && !known.has(name)) {
        services.push(evaluateRemoved(name, entry, metric));
      }
    }
  }

  services.sort((a, b) => compareCodeUnits(a.name, b.name));
  const inRun = new Set(services.map((service) => service.name));
  const carriedSizes = input.knownServices
    .filter((name) => !inRun.has(name))
    .map((name) => baselineEntry(baseline, name))
    .flatMap((entry) => {
      const size = entry ? sizeOf(entry, metric) : undefined;
      return size === undefined ? [] : [size];
    });
  const total = computeTotal(services, input.totalBudget, carriedSizes);
  const failures = failureLines(services, total, failOn);
  return { passed: failures.length === 0, metric, failOn, services, total, failures };
}

/**
 * The failed check's lines: one per service whose breaches fail the gate under fail-on (all its
 * failing reasons joined), in the order given, then the total when it is over its budget.
 */
export function failureLines(
  services: readonly ServiceResult[],
  total: TotalResult,
  failOn: FailOn,
): string[] {
  const failures: string[] = [];
  for (const service of services) {
    const failing = service.breaches.filter((breach) => breachFailsGate(breach, failOn));
    if (failing.length > 0) {
      failures.push(`${service.name}: ${failing.map((breach) => breach.reason).join('; ')}`);
    }
  }
  if (total.overBudget && total.budget !== undefined && failOn !== 'never') {
    failures.push(`total: ${overBudgetReason(total.current, total.budget, 'the total budget')}`);
  }
  return failures;
}

/** Budget breaches and errors fail unless fail-on is never; increases only with fail-on any. */
export function breachFailsGate(breach: Breach, failOn: FailOn): boolean {
  switch (failOn) {
    case 'never':
      return false;
    case 'budget':
      return breach.kind !== 'increase';
    case 'any':
      return true;
  }
}

function evaluateMeasured(
  name: string,
  limits: Limits,
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
  metric: Metric,
  failOn: FailOn,
): ServiceResult {
  const sizes = comparableSizes(measurement, entry, metric);
  const { current, baseline } = sizes;
  const reasons: string[] = [...sizes.notes];
  const breaches: Breach[] = [];
  let warned = false;
  const budgetBreach = (reason: string): void => {
    reasons.push(reason);
    breaches.push({ kind: 'budget', reason });
  };
  // With fail-on budget an increase is a warning that says it would fail, not a breach.
  const increaseBreach = (reason: string): void => {
    if (failOn === 'budget') {
      reasons.push(`${reason} (this would fail with fail-on: any)`);
      warned = true;
    } else {
      reasons.push(reason);
      breaches.push({ kind: 'increase', reason });
    }
  };

  const budget = limits.budget;
  if (budget !== undefined && current > budget) {
    budgetBreach(overBudgetReason(current, budget, 'its budget'));
  }
  const shape = shapeFindings(limits, measurement);
  reasons.push(...shape.notes);
  shape.budgetBreaches.forEach(budgetBreach);

  let change: number | undefined;
  let unchanged = false;
  if (baseline !== undefined) {
    change = current - baseline;
    unchanged = isNoise(change, limits.ignoreBelow);
    // Shrinking always passes and noise never fails, so only real growth is checked.
    if (change > 0 && !unchanged) {
      if (exceedsIncrease(change, baseline, limits.maxIncrease)) {
        increaseBreach(growthReason(change, baseline, limits.maxIncrease, 'the allowed'));
      } else if (
        limits.warnIncrease !== undefined &&
        exceedsIncrease(change, baseline, limits.warnIncrease)
      ) {
        reasons.push(
          growthReason(change, baseline, limits.warnIncrease, 'the warning threshold of'),
        );
        warned = true;
      }
    }
  } else if (entry === undefined) {
    reasons.unshift(`new service, no baseline yet: ${formatBytes(current)}`);
  }

  if (limits.noNewLayers === true && entry !== undefined) {
    const added = measurement.layers.length - entry.layers.length;
    if (entry.layers.length === 0) {
      reasons.push(
        'no-new-layers was not checked: the baseline entry lists no layers; update the baseline',
      );
    } else if (added > 0) {
      increaseBreach(
        `has ${measurement.layers.length} layers, ${added} more than its baseline (no-new-layers)`,
      );
    }
  }

  const layerChanges = layerChangesOf(measurement, entry);
  const split = splitBaseOwn(layerChanges, measurement);
  if (change !== undefined && !unchanged && comesFromBase(change, split, limits.ignoreBelow)) {
    const image = measurement.baseImage;
    reasons.push(`the change comes from the base image${image === undefined ? '' : ` (${image})`}`);
  }

  const status =
    breaches.length > 0 ? 'fail' : warned ? 'warn' : entry === undefined ? 'new' : 'pass';
  return {
    name,
    status,
    baseline,
    current,
    change,
    budget,
    reasons,
    unchanged,
    measurement,
    error: undefined,
    breaches,
    layerChanges,
    dockerfile: undefined,
    ...split,
  };
}

/** A change too small to count: zero, or below ignore-below. */
function isNoise(bytes: number, ignoreBelow: number): boolean {
  return bytes === 0 || Math.abs(bytes) < ignoreBelow;
}

/**
 * True when the base image's layers changed (beyond the noise, in the service's direction) and
 * the service's own layers did not: every changed byte comes from the base image.
 */
function comesFromBase(change: number, split: BaseOwnSplit, ignoreBelow: number): boolean {
  const { baseChange, ownChange } = split;
  if (baseChange === undefined || ownChange === undefined) return false;
  return (
    !isNoise(baseChange, ignoreBelow) &&
    Math.sign(baseChange) === Math.sign(change) &&
    isNoise(ownChange, ignoreBelow)
  );
}

/**
 * Splits a service's bytes into its base image's layers and its own: the layer changes (always
 * uncompressed, whatever the metric; undefined when there are none to sum) and the measured
 * layers' sizes (uncompressed; undefined without a measurement). Exported so that a verdict
 * rebuilt from JSON reports fills these fields the same way.
 */
export function splitBaseOwn(
  layerChanges: readonly LayerChange[],
  measurement: ImageMeasurement | undefined,
): BaseOwnSplit {
  let baseChange = 0;
  let ownChange = 0;
  for (const layer of layerChanges) {
    if (layer.base) baseChange += layer.change;
    else ownChange += layer.change;
  }
  let baseSize = 0;
  let ownSize = 0;
  for (const layer of measurement?.layers ?? []) {
    if (layer.base) baseSize += layer.size;
    else ownSize += layer.size;
  }
  const hasChanges = layerChanges.length > 0;
  return {
    baseChange: hasChanges ? baseChange : undefined,
    ownChange: hasChanges ? ownChange : undefined,
    baseSize: measurement === undefined ? undefined : baseSize,
    ownSize: measurement === undefined ? undefined : ownSize,
  };
}

interface ShapeFindings {
  /** Reasons for the budget-kind limits the image broke. */
  readonly budgetBreaches: readonly string[];
  /** Limits that could not be checked, and why. */
  readonly notes: readonly string[];
}

/**
 * The absolute limits on the image's shape: max-wasted and min-efficiency (which need the deep
 * analysis; without it, as with analyze none, they are noted as not checked) and max-layers.
 */
function shapeFindings(limits: Limits, measurement: ImageMeasurement): ShapeFindings {
  const budgetBreaches: string[] = [];
  const notes: string[] = [];
  const { maxWasted, minEfficiency, maxLayers } = limits;
  const { analysis } = measurement;
  if (analysis === undefined) {
    const unchecked = [
      ...(maxWasted === undefined ? [] : ['max-wasted']),
      ...(minEfficiency === undefined ? [] : ['min-efficiency']),
    ];
    if (unchecked.length > 0) {
      notes.push(
        `${unchecked.join(' and ')} ${unchecked.length > 1 ? 'were' : 'was'} not checked because analyze is none (no file analysis was made)`,
      );
    }
  } else {
    if (maxWasted !== undefined && analysis.wastedBytes > maxWasted) {
      const [wasted, allowed] = distinctSizes(analysis.wastedBytes, maxWasted);
      budgetBreaches.push(
        `wastes ${wasted} in files later layers delete or overwrite, more than the allowed ${allowed}`,
      );
    }
    if (minEfficiency !== undefined && analysis.efficiency < minEfficiency) {
      budgetBreaches.push(
        `efficiency ${percentBelow(analysis.efficiency, minEfficiency)} is below the required ${formatFraction(minEfficiency)}`,
      );
    }
  }
  const layers = measurement.layers.length;
  if (maxLayers !== undefined && layers > maxLayers) {
    budgetBreaches.push(`has ${layers} layers, more than the allowed ${maxLayers}`);
  }
  return { budgetBreaches, notes };
}

/** A fraction as a percentage with up to three decimals: 0.9 → `90%`, 0.8215 → `82.15%`. */
function formatFraction(fraction: number): string {
  return `${Number((fraction * 100).toFixed(3))}%`;
}

/**
 * `82.1%`, with as many decimals (up to six) as it takes to read as below `limit`, so that a
 * breach never prints as equal to its limit.
 */
function percentBelow(fraction: number, limit: number): string {
  const percent = fraction * 100;
  const limitPercent = Number((limit * 100).toFixed(3));
  let text = percent.toFixed(1);
  for (let decimals = 2; decimals <= 6 && Number(text) >= limitPercent; decimals += 1) {
    text = percent.toFixed(decimals);
  }
  return `${text}%`;
}

/** Hand-written baseline entries often list no layers: then there is nothing to match against. */
function layerChangesOf(
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
): LayerChange[] {
  if (entry === undefined || entry.layers.length === 0) return [];
  return diffLayers(measurement.layers, entry.layers);
}

function evaluateError(
  name: string,
  limits: Limits,
  error: string,
  stage: 'build' | 'measure',
  entry: BaselineEntry | undefined,
  metric: Metric,
): ServiceResult {
  const reason = `${stage} failed: ${error}`;
  return unmeasuredService({
    name,
    status: 'error',
    baseline: entry === undefined ? undefined : sizeOf(entry, metric),
    budget: limits.budget,
    reason,
    error,
  });
}

function evaluateRemoved(name: string, entry: BaselineEntry, metric: Metric): ServiceResult {
  const baseline = sizeOf(entry, metric);
  const reason =
    baseline === undefined
      ? 'no longer defined in the repository'
      : `no longer defined in the repository (was ${formatBytes(baseline)})`;
  return unmeasuredService({ name, status: 'removed', baseline, budget: undefined, reason });
}

/**
 * A service with no measurement: its build or measurement failed (`error`, which fails the
 * gate), it left the repository (`removed`), or a merge of shard reports has it twice or not at
 * all (`error`, `missing`). One reason; it is also the breach when the status fails the gate.
 */
export function unmeasuredService(fields: {
  readonly name: string;
  readonly status: 'error' | 'removed' | 'missing';
  readonly baseline: number | undefined;
  readonly budget: number | undefined;
  readonly reason: string;
  /** What `error` shows; the reason itself when not given. */
  readonly error?: string | undefined;
}): ServiceResult {
  const fails = fields.status !== 'removed';
  return {
    name: fields.name,
    status: fields.status,
    baseline: fields.baseline,
    current: undefined,
    change: undefined,
    budget: fields.budget,
    reasons: [fields.reason],
    unchanged: false,
    measurement: undefined,
    error: fails ? (fields.error ?? fields.reason) : undefined,
    breaches: fails ? [{ kind: 'error', reason: fields.reason }] : [],
    layerChanges: [],
    dockerfile: undefined,
    ...splitBaseOwn([], undefined),
  };
}

interface ComparableSizes {
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
function comparableSizes(
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
  metric: Metric,
): ComparableSizes {
  if (metric === 'uncompressed') {
    return { current: measurement.size, baseline: entry?.size, notes: [] };
  }
  if (measurement.compressed === undefined) {
    return {
      current: measurement.size,
      baseline: entry?.size,
      notes: ['no compressed size was measured, so uncompressed sizes were compared instead'],
    };
  }
  if (entry !== undefined && entry.compressed === undefined) {
    return {
      current: measurement.compressed,
      baseline: undefined,
      notes: [
        'the baseline has no compressed size for this service, so the increase was not checked; update the baseline',
      ],
    };
  }
  return { current: measurement.compressed, baseline: entry?.compressed, notes: [] };
}

function sizeOf(entry: BaselineEntry, metric: Metric): number | undefined {
  return metric === 'compressed' ? entry.compressed : entry.size;
}

function baselineEntry(baseline: Baseline, name: string): BaselineEntry | undefined {
  // The services record comes from user JSON: never read inherited keys like `constructor`.
  return Object.hasOwn(baseline.services, name) ? baseline.services[name] : undefined;
}

/** Strictly more than the limit: growing by exactly the allowed amount passes. */
function exceedsIncrease(change: number, baseline: number, limit: Increase): boolean {
  if (limit.kind === 'bytes') return change > limit.bytes;
  // No percentage of nothing allows growth; callers only ask about growth above the noise floor.
  if (baseline === 0) return true;
  // Multiplying instead of dividing keeps exact integers exact (10% of 1000 B is 100 B, not 100.00000000000001).
  return change * 100 > limit.percent * baseline;
}

function growthReason(change: number, baseline: number, limit: Increase, label: string): string {
  if (baseline === 0) {
    return limit.kind === 'percent'
      ? `grew by ${formatBytes(change)} from an empty (0 B) baseline; a percentage limit (${limit.percent}%) allows no growth from nothing`
      : `grew by ${formatBytes(change)} from an empty (0 B) baseline, more than ${label} ${formatBytes(limit.bytes)}`;
  }
  if (limit.kind === 'percent') {
    const percent = percentAbove(change, baseline, limit.percent);
    if (percent === undefined) {
      const allowed = Math.floor((limit.percent * baseline) / 100);
      return `grew by ${change} B, more than ${label} ${formatIncrease(limit)} of ${formatBytes(baseline)} (${allowed} B)`;
    }
    return `grew by ${formatBytes(change)} (${percent}), more than ${label} ${formatIncrease(limit)}`;
  }
  const [grown, allowed] = distinctSizes(change, limit.bytes);
  return `grew by ${grown} (${formatPercentChange(change, baseline) ?? ''}), more than ${label} ${allowed}`;
}

/**
 * `+10.4%`, with up to three decimals so that a breach never reads as equal to its limit
 * (`+10.0%` vs 10%); undefined when even three decimals cannot show the difference.
 */
function percentAbove(change: number, baseline: number, limit: number): string | undefined {
  const percent = (change / baseline) * 100;
  for (let decimals = 1; decimals <= 3; decimals += 1) {
    const text = percent.toFixed(decimals);
    if (Number(text) > limit) return `+${text}%`;
  }
  return undefined;
}

/** Rounded sizes, or exact byte counts when rounding would print the two as equal. */
function distinctSizes(a: number, b: number): [string, string] {
  const [roundedA, roundedB] = [formatBytes(a), formatBytes(b)];
  return roundedA === roundedB ? [`${a} B`, `${b} B`] : [roundedA, roundedB];
}

function overBudgetReason(current: number, budget: number, what: string): string {
  return `${formatBytes(current)} is over ${what} of ${formatBytes(budget)} by ${formatBytes(current - budget)}`;
}

/**
 * New services count toward the current total and removed ones toward the baseline total, so
 * the change is what the repository gained or lost. A service that failed to build has no
 * current size: it is left out of both sides rather than read as a shrink.
 */
export function computeTotal(
  services: readonly Pick<ServiceResult, 'status' | 'current' | 'baseline'>[],
  budget: number | undefined,
  carriedSizes: readonly number[] = [],
): TotalResult {
  const carried = carriedSizes.reduce((sum, size) => sum + size, 0);
  let current = carried;
  let baseline = carried;
  for (const service of services) {
    if (service.status === 'error' || service.status === 'missing') continue;
    current += service.current ?? 0;
    // A service that has a baseline entry but no comparable number in this metric (an old
    // baseline without compressed sizes) counts the same on both sides: no phantom growth.
    const comparable =
      service.baseline ??
      (service.status === 'new' || service.status === 'removed' ? 0 : service.current);
    baseline += comparable ?? 0;
  }
  return {
    baseline,
    current,
    change: current - baseline,
    budget,
    overBudget: budget !== undefined && current > budget,
    carried,
    carriedServices: carriedSizes.length,
  };
}
