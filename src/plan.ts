import { readBaseline } from './baseline/baseline.js';
import { INPUT_SOURCE, InputError } from './core/errors.js';
import type { Environment } from './core/model.js';
import { compareCodeUnits } from './core/text.js';
import type { Inputs } from './inputs.js';
import { serviceLoadOptions } from './pipeline.js';
import { loadServices } from './services/load.js';

/**
 * `mode: plan`: splits the repository's services into shards for a job matrix, balanced by the
 * bytes the baseline records (a build's cost follows its image), so each shard's job takes
 * about as long. Services the baseline does not know yet have no weight: they are spread
 * evenly by count.
 */

export interface PlannedShard {
  /** 1-based, as the matrix names it. */
  readonly shard: number;
  /** In name order. */
  readonly services: readonly string[];
  /** Σ baseline bytes of its services that the baseline knows. */
  readonly bytes: number;
  /** How many of its services the baseline does not know. */
  readonly unknown: number;
}

export interface ServiceWeight {
  readonly name: string;
  /** Baseline bytes; undefined for a service the baseline does not know. */
  readonly bytes: number | undefined;
  /**
   * The names that go into the shard together, when not just `name`: the platforms of one
   * service (`api@linux/amd64`, `api@linux/arm64`), which one buildx build makes together.
   */
  readonly members?: readonly string[] | undefined;
}

/**
 * Greedy largest-first: each known service, heaviest first, goes to the lightest shard; then
 * each unknown one to the shard with the fewest unknown services (then the lightest). Never
 * more shards than services; deterministic for the same input.
 */
export function planShards(services: readonly ServiceWeight[], shards: number): PlannedShard[] {
  const count = Math.min(shards, services.length);
  const plan = Array.from({ length: count }, (_, index) => ({
    shard: index + 1,
    services: [] as string[],
    bytes: 0,
    unknown: 0,
  }));
  const lightest = (rank: (shard: (typeof plan)[number]) => readonly number[]) =>
    plan.reduce((best, shard) => (isBefore(rank(shard), rank(best)) ? shard : best));
  const known = services
    .filter((service): service is ServiceWeight & { bytes: number } => service.bytes !== undefined)
    .sort((a, b) => b.bytes - a.bytes || compareCodeUnits(a.name, b.name));
  for (const service of known) {
    const target = lightest((shard) => [shard.bytes, shard.services.length, shard.shard]);
    target.services.push(...(service.members ?? [service.name]));
    target.bytes += service.bytes;
  }
  const unknown = services
    .filter((service) => service.bytes === undefined)
    .sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const service of unknown) {
    const target = lightest((shard) => [shard.unknown, shard.bytes, shard.shard]);
    target.services.push(...(service.members ?? [service.name]));
    target.unknown += 1;
  }
  return plan.map((shard) => ({ ...shard, services: shard.services.sort(compareCodeUnits) }));
}

/** Lexicographic order of two rank tuples. */
function isBefore(a: readonly number[], b: readonly number[]): boolean {
  for (let index = 0; index < a.length; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

/** The `matrix` output: `{"include":[{"shard":1,"services":"a,b"},…]}` for `fromJSON`. */
export function matrixOf(plan: readonly PlannedShard[]): string {
  return JSON.stringify({
    include: plan.map((shard) => ({ shard: shard.shard, services: shard.services.join(',') })),
  });
}

export interface PlanResult {
  readonly plan: readonly PlannedShard[];
  /** Said once when there are fewer services than shards asked for. */
  readonly note: string | undefined;
}

/** The plan for the repository the inputs name: its services, weighed by its baseline. */
export async function planRepository(inputs: Inputs, env: Environment): Promise<PlanResult> {
  const shards = inputs.shards;
  if (shards === undefined) {
    throw new InputError(INPUT_SOURCE, 'shards', '', 'mode: plan needs the number of shards');
  }
  // Config and compose errors are errors here: a plan that silently lost services would not do.
  const services = await loadServices(serviceLoadOptions(inputs, env));
  const names = services.selected.map((service) => service.name);
  if (names.length === 0) {
    throw new InputError(
      inputs.configPath,
      'services',
      inputs.serviceFilter.join(','),
      'mode: plan found no services to put into shards',
    );
  }
  const baseline = await readBaseline(inputs.baselinePath);
  const bytesOf = (name: string): number | undefined =>
    baseline && Object.hasOwn(baseline.services, name) ? baseline.services[name]?.size : undefined;
  // A service's platforms stay in one shard: one buildx build makes them together.
  const byService = new Map<string, string[]>();
  for (const service of services.selected) {
    byService.set(service.baseName, [...(byService.get(service.baseName) ?? []), service.name]);
  }
  const weights = [...byService].map(([name, members]): ServiceWeight => {
    const known = members.map(bytesOf).filter((bytes) => bytes !== undefined);
    return {
      name,
      bytes: known.length === 0 ? undefined : known.reduce((sum, bytes) => sum + bytes, 0),
      members,
    };
  });
  const plan = planShards(weights, shards);
  const together =
    weights.length < names.length ? ' (the platforms of a service stay together)' : '';
  const note =
    plan.length < shards
      ? `${shards} shards were asked for but there are ${weights.length} services${together}: planned ${plan.length} shards, one service each`
      : undefined;
  return { plan, note };
}
