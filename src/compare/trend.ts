import type { BaselineHistory, BaselineVersion, VersionEntry } from '../baseline/types.js';
import type { Increase, Metric } from '../core/model.js';
import { samePlatform, serviceOfUnit } from '../core/platforms.js';
import { exceedsIncrease } from './limits.js';
import { creepNotCheckedReason, creepReason } from './reasons.js';

/** One point of a service's size over time: a committed baseline version, or this run. */
export interface TrendPoint {
  /** The baseline version's commit; undefined for this run. */
  readonly commit: string | undefined;
  /** The commit's date (ISO 8601); undefined for this run. */
  readonly at: string | undefined;
  /** Bytes in the run's metric. */
  readonly size: number;
}

/**
 * A service's size in each committed baseline version that has it (in the metric), oldest
 * first, then this run's; undefined when no version has it, as for a new service.
 */
export function trendOf(
  name: string,
  metric: Metric,
  history: BaselineHistory | undefined,
  current: number,
  /** This image's platform: a version of the entry for another platform is no point of it. */
  platform?: string,
): TrendPoint[] | undefined {
  if (history?.kind !== 'read') return undefined;
  const points: TrendPoint[] = [];
  const single = serviceOfUnit(name);
  for (const version of history.versions) {
    // A version written while the service had one platform keeps it as `api`: the same platform's
    // points, so that measuring per platform does not restart the window.
    const entry =
      ownEntry(version.services, name) ??
      (single === name ? undefined : ownEntry(version.services, single));
    if (
      entry?.platform !== undefined &&
      platform !== undefined &&
      !samePlatform(entry.platform, platform)
    ) {
      continue;
    }
    const size = metric === 'compressed' ? entry?.compressed : entry?.size;
    if (size !== undefined) points.push({ commit: version.commit, at: version.committedAt, size });
  }
  if (points.length === 0) return undefined;
  return [...points, { commit: undefined, at: undefined, size: current }];
}

function ownEntry(services: BaselineVersion['services'], name: string): VersionEntry | undefined {
  return Object.hasOwn(services, name) ? services[name] : undefined;
}

export interface CreepCheck {
  /** The breach's reason when the service crept past max-creep. */
  readonly breach: string | undefined;
  /** Why max-creep could not be checked, when it could not. */
  readonly note: string | undefined;
}

/**
 * max-creep: growth over the whole window (the oldest version that has the service to this
 * run) against the limit. Only a service that grew in this run is checked, so a pull request
 * is never blamed for growth it did not add to.
 */
export function checkCreep(
  maxCreep: Increase | undefined,
  grewInThisRun: boolean,
  trend: readonly TrendPoint[] | undefined,
  history: BaselineHistory | undefined,
): CreepCheck {
  if (maxCreep === undefined || !grewInThisRun) return { breach: undefined, note: undefined };
  if (history?.kind === 'unavailable') {
    return { breach: undefined, note: creepNotCheckedReason(history.reason) };
  }
  const first = trend?.[0];
  const last = trend?.at(-1);
  if (trend === undefined || first === undefined || last === undefined || trend.length < 2) {
    return { breach: undefined, note: creepNotCheckedReason(NO_COMMITTED_VERSION) };
  }
  const creep = last.size - first.size;
  if (creep <= 0 || !exceedsIncrease(creep, first.size, maxCreep)) {
    return { breach: undefined, note: undefined };
  }
  const window = { versions: trend.length - 1, steps: steps(trend) };
  return { breach: creepReason(creep, first.size, maxCreep, window), note: undefined };
}

const NO_COMMITTED_VERSION =
  'no committed version of the baseline file that could be read has this service';

/** The window as `100 MB (a1b2c3d)` steps; repeated sizes are shown once, at their first commit. */
function steps(trend: readonly TrendPoint[]): { size: number; commit: string | undefined }[] {
  const shown: { size: number; commit: string | undefined }[] = [];
  for (const point of trend) {
    if (shown.at(-1)?.size === point.size && point.commit !== undefined) continue;
    shown.push({ size: point.size, commit: point.commit });
  }
  return shown;
}
