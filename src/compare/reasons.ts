import type { Increase } from '../core/model.js';
import { formatBytes, formatIncrease, formatPercentChange } from '../core/units.js';

/**
 * Every sentence compare writes about a service or the total, with its numbers. Reports print
 * these as they are; nothing else words a limit.
 */

export function overBudgetReason(current: number, budget: number, what: string): string {
  return `${formatBytes(current)} is over ${what} of ${formatBytes(budget)} by ${formatBytes(current - budget)}`;
}

export function totalOverBudgetReason(current: number, budget: number): string {
  return overBudgetReason(current, budget, 'the total budget');
}

export function newServiceReason(current: number): string {
  return `new service, no baseline yet: ${formatBytes(current)}`;
}

export function otherPlatformReason(
  key: string,
  baselinePlatform: string,
  platform: string,
): string {
  return `the baseline entry "${key}" is for ${baselinePlatform} and this image is ${platform}: sizes of different platforms are not compared; update the baseline`;
}

export function removedReason(baseline: number | undefined): string {
  return baseline === undefined
    ? 'no longer defined in the repository'
    : `no longer defined in the repository (was ${formatBytes(baseline)})`;
}

export function duplicateShardReason(first: string, second: string): string {
  return `is in two shard reports (${first} and ${second}); each service belongs to exactly one shard`;
}

export function missingShardReason(reports: number): string {
  return `no shard report covers it (${reports} merged): its job may have failed before uploading its report`;
}

export function comesFromBaseReason(baseImage: string | undefined): string {
  return `the change comes from the base image${baseImage === undefined ? '' : ` (${baseImage})`}`;
}

export function wouldFailReason(reason: string): string {
  return `${reason} (this would fail with fail-on: any)`;
}

export function growthReason(
  change: number,
  baseline: number,
  limit: Increase,
  label: string,
): string {
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
 * `grew by 24 MB (+24.0%) over 6 baseline versions and this run, more than the allowed max-creep
 * of 20%: 100 MB (a1b2c3d) → 104 MB (b2c3d4e) → 124 MB (this run)`.
 */
export function creepReason(
  creep: number,
  first: number,
  limit: Increase,
  window: { versions: number; steps: readonly { size: number; commit: string | undefined }[] },
): string {
  const percent =
    first === 0
      ? 'from 0 B'
      : limit.kind === 'percent'
        ? (percentAbove(creep, first, limit.percent) ?? `${creep} B of ${first} B`)
        : (formatPercentChange(creep, first) ?? '');
  // A byte limit that rounds like the growth is printed to the byte, never as equal to it.
  const [grown, allowed] =
    limit.kind === 'bytes'
      ? distinctSizes(creep, limit.bytes)
      : [formatBytes(creep), formatIncrease(limit)];
  const versions =
    window.versions === 1 ? '1 baseline version' : `${window.versions} baseline versions`;
  const path = window.steps
    .map((step) => `${formatBytes(step.size)} (${step.commit?.slice(0, 7) ?? 'this run'})`)
    .join(' → ');
  return `grew by ${grown} (${percent}) over ${versions} and this run, more than the allowed max-creep of ${allowed}: ${path}`;
}

export function creepNotCheckedReason(why: string): string {
  return `max-creep was not checked: ${why}`;
}

export function wastedReason(wastedBytes: number, maxWasted: number): string {
  const [wasted, allowed] = distinctSizes(wastedBytes, maxWasted);
  return `wastes ${wasted} in files later layers delete or overwrite, more than the allowed ${allowed}`;
}

export function efficiencyReason(efficiency: number, minEfficiency: number): string {
  return `efficiency ${percentBelow(efficiency, minEfficiency)} is below the required ${formatFraction(minEfficiency)}`;
}

export function tooManyLayersReason(layers: number, maxLayers: number): string {
  return `has ${layers} layers, more than the allowed ${maxLayers}`;
}

export function newLayersReason(layers: number, added: number): string {
  return `has ${layers} layers, ${added} more than its baseline (no-new-layers)`;
}

export const NO_LAYERS_IN_BASELINE =
  'no-new-layers was not checked: the baseline entry lists no layers; update the baseline';

export function analysisOffReason(unchecked: readonly string[]): string {
  return `${unchecked.join(' and ')} ${unchecked.length > 1 ? 'were' : 'was'} not checked because analyze is none (no file analysis was made)`;
}

export const NO_COMPRESSED_MEASUREMENT =
  'no compressed size was measured, so uncompressed sizes were compared instead';

export const NO_COMPRESSED_BASELINE =
  'the baseline has no compressed size for this service, so the increase was not checked; update the baseline';

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
