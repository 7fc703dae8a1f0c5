import { InputError } from '../core/errors.js';
import type { FailOn } from '../core/model.js';
import { serviceOfUnit } from '../core/platforms.js';
import { unmeasuredService } from './compare.js';
import { duplicateShardReason, missingShardReason, removedReason } from './reasons.js';
import type { Approval, ServiceFindings, ShardReport, Verdict } from './types.js';
import { finishVerdict } from './verdict.js';

export interface MergeOptions {
  readonly totalBudget?: number | undefined;
  readonly failOn: FailOn;
  /**
   * Every service the repository knows (the baseline's, with their baseline bytes in the
   * reports' metric, and the config's or compose file's): one that no report covers is
   * `missing`, counted at its baseline size in the total.
   */
  readonly knownServices?: ReadonlyMap<string, number | undefined> | undefined;
  /**
   * The services the config or compose file defines now, when the merging job can read them:
   * a baseline service no report covers that is not among them was removed, not lost.
   */
  readonly definedServices?: ReadonlySet<string> | undefined;
  /** Names for the reports in messages (their file paths), in the order of `shards`. */
  readonly reportNames?: readonly string[] | undefined;
  /** The pull request's approval label, as the merging job sees it. */
  readonly approval?: Approval | undefined;
}

/**
 * One verdict from the reports of several shards (`mode: report`), derived as a single run
 * derives it: statuses and reasons are the shards' own (so shards and the merge should share
 * fail-on), while the total, the failure lines and every derived fact are made again from the
 * findings under `failOn`. A service in two reports is an error naming both; every report must
 * use the same metric (an InputError names the first that does not).
 */
export function mergeShardReports(shards: readonly ShardReport[], options: MergeOptions): Verdict {
  const [first] = shards;
  if (first === undefined) throw new Error('mergeShardReports needs at least one report');
  const byName = new Map<string, ServiceFindings>();
  const shardOf = new Map<string, number>();
  const nameOf = (index: number): string => options.reportNames?.[index] ?? `report ${index + 1}`;
  shards.forEach((shard, index) => {
    if (shard.metric !== first.metric) {
      throw new InputError(
        `report ${index + 1} of ${shards.length}`,
        'metric',
        shard.metric,
        `differs from the first report's metric ("${first.metric}"); every shard must measure the same metric`,
      );
    }
    for (const service of shard.services) {
      const earlier = shardOf.get(service.name);
      if (earlier !== undefined) {
        const reason = duplicateShardReason(nameOf(earlier), nameOf(index));
        byName.set(
          service.name,
          unmeasuredService({
            name: service.name,
            status: 'error',
            baseline: undefined,
            budget: undefined,
            reason,
          }),
        );
        continue;
      }
      shardOf.set(service.name, index);
      byName.set(service.name, service);
    }
  });
  const carriedSizes: number[] = [];
  // A one-platform baseline entry (`api`) that a shard compared one platform of the service
  // with (`api@linux/amd64`, which has no entry of its own): neither missing nor removed.
  const usedSingleEntries = new Set<string>();
  for (const [name, service] of byName) {
    const single = serviceOfUnit(name);
    if (
      single !== name &&
      service.baseline !== undefined &&
      options.knownServices?.get(name) === undefined
    ) {
      usedSingleEntries.add(single);
    }
  }
  for (const [name, baseline] of options.knownServices ?? []) {
    if (byName.has(name) || usedSingleEntries.has(name)) continue;
    const defined = options.definedServices;
    if (defined !== undefined && defined.size > 0 && !defined.has(name)) {
      byName.set(
        name,
        unmeasuredService({
          name,
          status: 'removed',
          baseline,
          budget: undefined,
          reason: removedReason(baseline),
        }),
      );
      continue;
    }
    const reason = missingShardReason(shards.length);
    byName.set(
      name,
      unmeasuredService({ name, status: 'missing', baseline, budget: undefined, reason }),
    );
    if (baseline !== undefined) carriedSizes.push(baseline);
  }
  return finishVerdict({
    findings: [...byName.values()],
    metric: first.metric,
    failOn: options.failOn,
    totalBudget: options.totalBudget,
    carriedSizes,
    approval: options.approval,
  });
}
