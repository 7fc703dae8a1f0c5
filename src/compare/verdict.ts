import type { FailOn, Metric } from '../core/model.js';
import { compareCodeUnits } from '../core/text.js';
import type { ImageMeasurement } from '../measure/types.js';
import { approveFindings } from './approval.js';
import type { LayerChange } from './layers.js';
import { totalOverBudgetReason } from './reasons.js';
import type {
  Approval,
  BaseOwnSplit,
  Breach,
  ServiceFindings,
  ServiceResult,
  TotalResult,
  Verdict,
} from './types.js';

/**
 * What a verdict derives from the services' findings, for a run and for a merge of shard
 * reports alike: the services' derived facts, the total, the failure lines, the failed services.
 */
export function finishVerdict(fields: {
  readonly findings: readonly ServiceFindings[];
  readonly metric: Metric;
  readonly failOn: FailOn;
  readonly totalBudget: number | undefined;
  /** Baseline sizes of the services this run (or no shard) covered: counted on both sides. */
  readonly carriedSizes: readonly number[];
  readonly approval?: Approval | undefined;
}): Verdict {
  const { failOn, approval } = fields;
  const services = fields.findings
    .map((findings) => finishService(approveFindings(findings, approval), failOn))
    .sort((a, b) => compareCodeUnits(a.name, b.name));
  const total = computeTotal(services, fields.totalBudget, fields.carriedSizes);
  // An approved pull request may also pass the total budget; it stays in the table, red.
  const failures = failureLines(services, total, failOn, approval?.kind !== 'approved');
  return {
    passed: failures.length === 0,
    metric: fields.metric,
    failOn,
    services,
    total,
    failures,
    failedServices: services.filter((service) => service.failsGate).map(({ name }) => name),
    ...(approval === undefined ? {} : { approval }),
  };
}

export function finishService(findings: ServiceFindings, failOn: FailOn): ServiceResult {
  return {
    ...findings,
    ...splitBaseOwn(findings.layerChanges, findings.measurement),
    failsGate: findings.breaches.some((breach) => breachFailsGate(breach, failOn)),
    collapsed: findings.unchanged && findings.status === 'pass',
  };
}

/** Budget breaches and errors fail unless fail-on is never; growth (increase, creep) only with any. */
export function breachFailsGate(breach: Breach, failOn: FailOn): boolean {
  switch (failOn) {
    case 'never':
      return false;
    case 'budget':
      return breach.kind !== 'increase' && breach.kind !== 'creep';
    case 'any':
      return true;
  }
}

/**
 * The failed check's lines: one per service whose breaches fail the gate under fail-on (all its
 * failing reasons joined), in the order given, then the total when it is over its budget.
 */
function failureLines(
  services: readonly ServiceResult[],
  total: TotalResult,
  failOn: FailOn,
  totalCounts: boolean,
): string[] {
  const failures: string[] = [];
  for (const service of services) {
    const failing = service.breaches.filter((breach) => breachFailsGate(breach, failOn));
    if (failing.length > 0) {
      failures.push(`${service.name}: ${failing.map((breach) => breach.reason).join('; ')}`);
    }
  }
  if (total.overBudgetReason !== undefined && failOn !== 'never' && totalCounts) {
    failures.push(`total: ${total.overBudgetReason}`);
  }
  return failures;
}

/**
 * Splits a service's bytes into its base image's layers and its own: the layer changes (always
 * uncompressed, whatever the metric; undefined when there are none to sum) and the measured
 * layers' sizes (uncompressed; undefined without a measurement).
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

/**
 * New services count toward the current total and removed ones toward the baseline total, so
 * the change is what the repository gained or lost. A service that failed to build has no
 * current size: it is left out of both sides rather than read as a shrink.
 */
export function computeTotal(
  services: readonly Pick<ServiceFindings, 'status' | 'current' | 'baseline'>[],
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
  const overBudget = budget !== undefined && current > budget;
  return {
    baseline,
    current,
    change: current - baseline,
    budget,
    overBudget,
    carried,
    carriedServices: carriedSizes.length,
    overBudgetReason: overBudget ? totalOverBudgetReason(current, budget) : undefined,
  };
}
