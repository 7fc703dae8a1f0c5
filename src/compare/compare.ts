import type { Baseline, BaselineEntry, BaselineHistory } from '../baseline/types.js';
import type { FailOn, Metric } from '../core/model.js';
import type { ImageMeasurement } from '../measure/types.js';
import type { Limits } from '../services/types.js';
import { diffLayers, type LayerChange } from './layers.js';
import { packageFindingsOf } from './packages.js';
import { checkCreep, trendOf } from './trend.js';
import { platformOfUnit, samePlatform, serviceOfUnit } from '../core/platforms.js';
import {
  comesFromBase,
  comparableSizes,
  exceedsIncrease,
  isNoise,
  shapeFindings,
  sizeOf,
} from './limits.js';
import {
  NO_LAYERS_IN_BASELINE,
  comesFromBaseReason,
  growthReason,
  newLayersReason,
  newServiceReason,
  otherPlatformReason,
  overBudgetReason,
  removedReason,
  wouldFailReason,
} from './reasons.js';
import type { Approval, Breach, ServiceFindings, ServiceOutcome, Verdict } from './types.js';
import { finishVerdict, splitBaseOwn } from './verdict.js';

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
  /** The pull request's approval label: size failures become warnings when it counts. */
  readonly approval?: Approval | undefined;
  /** The baseline file's committed versions, for the trend and max-creep. */
  readonly history?: BaselineHistory | undefined;
}

/** Compares measurements with the baseline and the limits. Pure: no I/O, no clock. */
export function compare(input: CompareInput): Verdict {
  const { baseline, metric, failOn } = input;
  // Baseline keys some service was compared with: a one-platform entry (`api`) that now stands
  // for one platform of the service (`api@linux/amd64`) is neither removed nor counted twice.
  const used = new Set<string>();
  const lookUp = (name: string, platform: string | undefined): EntryMatch => {
    const match = matchBaselineEntry(baseline, name, platform);
    if (match.key !== undefined) used.add(match.key);
    return match;
  };
  const findings: ServiceFindings[] = input.outcomes.map((outcome) => {
    const measured = 'measurement' in outcome ? outcome.measurement : undefined;
    const match = lookUp(outcome.name, measured?.platform ?? platformOfUnit(outcome.name));
    const result =
      'measurement' in outcome
        ? evaluateMeasured(outcome, match, { metric, failOn, history: input.history })
        : evaluateError(
            outcome.name,
            outcome.limits,
            outcome.error,
            outcome.stage,
            match.entry,
            metric,
          );
    return { ...result, dockerfile: outcome.dockerfile, build: outcome.build };
  });

  const inRun = new Set(findings.map((service) => service.name));
  const carriedSizes = input.knownServices
    .filter((name) => !inRun.has(name))
    .map((name) => lookUp(name, platformOfUnit(name)).entry)
    .flatMap((entry) => {
      const size = entry ? sizeOf(entry, metric) : undefined;
      return size === undefined ? [] : [size];
    });

  if (input.fullRun) {
    const known = new Set(input.knownServices);
    for (const [name, entry] of Object.entries(baseline.services)) {
      if (!inRun.has(name) && !known.has(name) && !used.has(name)) {
        findings.push(evaluateRemoved(name, entry, metric));
      }
    }
  }
  return finishVerdict({
    findings,
    metric,
    failOn,
    totalBudget: input.totalBudget,
    carriedSizes,
    approval: input.approval,
  });
}

function evaluateMeasured(
  outcome: {
    readonly name: string;
    readonly limits: Limits;
    readonly measurement: ImageMeasurement;
  },
  match: EntryMatch,
  run: {
    readonly metric: Metric;
    readonly failOn: FailOn;
    readonly history: BaselineHistory | undefined;
  },
): ServiceFindings {
  const { name, limits, measurement } = outcome;
  const { metric, failOn } = run;
  const { entry } = match;
  const sizes = comparableSizes(measurement, entry, metric);
  const { current, baseline } = sizes;
  const reasons: string[] = [...sizes.notes];
  if (match.otherPlatform !== undefined) {
    reasons.push(otherPlatformReason(match.key ?? name, match.otherPlatform, measurement.platform));
  }
  const breaches: Breach[] = [];
  let warned = false;
  const budgetBreach = (reason: string): void => {
    reasons.push(reason);
    breaches.push({ kind: 'budget', reason });
  };
  // With fail-on budget growth is a warning that says it would fail, not a breach.
  const increaseBreach = (reason: string, kind: 'increase' | 'creep' = 'increase'): void => {
    if (failOn === 'budget') {
      reasons.push(wouldFailReason(reason));
      warned = true;
    } else {
      reasons.push(reason);
      breaches.push({ kind, reason });
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
  } else if (entry === undefined && match.otherPlatform === undefined) {
    reasons.unshift(newServiceReason(current));
  }

  // The trend is in the numbers compared: without a compressed measurement, uncompressed.
  const trendMetric = measurement.compressed === undefined ? 'uncompressed' : metric;
  const trend = trendOf(name, trendMetric, run.history, current, measurement.platform);
  const grew = change !== undefined && change > 0 && !unchanged;
  const creep = checkCreep(limits.maxCreep, grew, trend, run.history);
  if (creep.note !== undefined) reasons.push(creep.note);
  if (creep.breach !== undefined) increaseBreach(creep.breach, 'creep');

  if (limits.noNewLayers && entry !== undefined) {
    const added = measurement.layers.length - entry.layers.length;
    if (entry.layers.length === 0) {
      reasons.push(NO_LAYERS_IN_BASELINE);
    } else if (added > 0) {
      increaseBreach(newLayersReason(measurement.layers.length, added));
    }
  }

  const layerChanges = layerChangesOf(measurement, entry);
  const split = splitBaseOwn(layerChanges, measurement);
  if (change !== undefined && !unchanged && comesFromBase(change, split, limits.ignoreBelow)) {
    reasons.push(comesFromBaseReason(measurement.baseImage));
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
    packages: packageFindingsOf(measurement, entry, layerChanges),
    trend,
  };
}

/** Hand-written baseline entries often list no layers: then there is nothing to match against. */
function layerChangesOf(
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
): LayerChange[] {
  // A new service: every layer is what it adds.
  if (entry === undefined) return diffLayers(measurement.layers, []);
  if (entry.layers.length === 0) return [];
  return diffLayers(measurement.layers, entry.layers);
}

function evaluateError(
  name: string,
  limits: Limits,
  error: string,
  stage: 'build' | 'measure' | 'platform',
  entry: BaselineEntry | undefined,
  metric: Metric,
): ServiceFindings {
  // A platform error already says it was not built, and why.
  const reason = stage === 'platform' ? error : `${stage} failed: ${error}`;
  return unmeasuredService({
    name,
    status: 'error',
    baseline: entry === undefined ? undefined : sizeOf(entry, metric),
    budget: limits.budget,
    reason,
    error,
  });
}

function evaluateRemoved(name: string, entry: BaselineEntry, metric: Metric): ServiceFindings {
  const baseline = sizeOf(entry, metric);
  return unmeasuredService({
    name,
    status: 'removed',
    baseline,
    budget: undefined,
    reason: removedReason(baseline),
  });
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
}): ServiceFindings {
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
  };
}

interface EntryMatch {
  /** The entry to compare with; undefined for a new service or one of another platform. */
  readonly entry: BaselineEntry | undefined;
  /** The baseline key of the entry (or of the one of another platform). */
  readonly key: string | undefined;
  /** The platform of the service's entry when it is not this image's: never compared. */
  readonly otherPlatform?: string | undefined;
}

/**
 * The service's baseline entry, like with like: an entry written for another platform is not
 * compared. A service measured per platform (`api@linux/arm64`) that has no entry of its own yet
 * uses the entry of the service written for one platform (`api`), when that platform is this one,
 * so a baseline written before the service had several platforms reads without a migration.
 */
function matchBaselineEntry(
  baseline: Baseline,
  name: string,
  platform: string | undefined,
): EntryMatch {
  const own = baselineEntry(baseline, name);
  if (own !== undefined) {
    const other =
      own.platform !== undefined && platform !== undefined && !samePlatform(own.platform, platform);
    return other
      ? { entry: undefined, key: name, otherPlatform: own.platform }
      : { entry: own, key: name };
  }
  const service = serviceOfUnit(name);
  const single = service === name ? undefined : baselineEntry(baseline, service);
  if (
    single?.platform !== undefined &&
    platform !== undefined &&
    samePlatform(single.platform, platform)
  ) {
    return { entry: single, key: service };
  }
  return { entry: undefined, key: undefined };
}

function baselineEntry(baseline: Baseline, name: string): BaselineEntry | undefined {
  // The services record comes from user JSON: never read inherited keys like `constructor`.
  return Object.hasOwn(baseline.services, name) ? baseline.services[name] : undefined;
}
