import { INPUT_SOURCE } from './core/errors.js';
import { countOf } from './core/text.js';
import type { Environment } from './core/model.js';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { readBaseline, updateBaseline, writeBaselineAtomic } from './baseline/baseline.js';
import { readBaselineHistory } from './baseline/history.js';
import type { Baseline, BaselineHistory } from './baseline/types.js';
import { detectBuildx } from './build/buildx.js';
import { createEngineBuilder } from './build/engine.js';
import type { Exec } from './exec.js';
import type { ImageBuilder } from './build/types.js';
import { compare } from './compare/compare.js';
import type { Approval, ServiceOutcome, Verdict } from './compare/types.js';
import { mapWithConcurrency } from './concurrency.js';
import { dockerHostProblem, engineWhere } from './engine-address.js';
import {
  buildAndMeasureGroup,
  buildGroups,
  unbuildablePlatforms,
  type Reuse,
} from './build-and-measure.js';
import type { FailOn, Metric } from './core/model.js';
import { InputError, errorMessage } from './core/errors.js';
import { type Inputs } from './inputs.js';
import type { Log } from './log.js';
import type { ImageMeasurement } from './measure/types.js';
import { loadServices, type LoadServicesOptions } from './services/load.js';
import type { RepositoryServices } from './merge-reports.js';
import type { Service, ServicePlan } from './services/types.js';

export interface GateDependencies {
  readonly docker: Docker;
  readonly exec: Exec;
  readonly log: Log;
  readonly env: Environment;
  /** The pull request's approval label, looked up before the run (see approval.ts). */
  readonly approval?: Approval | undefined;
  /** Stream every image, even one the baseline recorded (the benchmark compares both ways). */
  readonly readEveryImage?: boolean | undefined;
}

export interface GateRun {
  readonly verdict: Verdict;
  /** The baseline file written by an update run. */
  readonly baselineWritten: string | undefined;
}

const EMPTY_BASELINE: Baseline = { version: 1, services: {} };

/**
 * services → build → measure → compare → report. Bad input throws (InputError) before anything
 * is built or written; a failing service becomes an `error` result and the others go on.
 */
export async function runGate(inputs: Inputs, deps: GateDependencies): Promise<GateRun> {
  const { log } = deps;
  await assertWorkingDirectory(inputs.workingDirectory);
  const plan = await loadServices(serviceLoadOptions(inputs, deps.env));
  // Read (and validate) the baseline before spending minutes on builds.
  const committed = await readBaseline(inputs.baselinePath);
  const baseline = committed ?? EMPTY_BASELINE;
  const history = committed === undefined ? undefined : await readHistory(inputs, plan, deps);
  const knownSizes = layerSizesByDiffId(baseline);
  log.info(
    `Gating ${plan.selected.length} of ${plan.all.length} services: ${plan.selected.map((service) => service.name).join(', ')}`,
  );

  await assertEngineReachable(deps.docker, deps.env);
  const builder = plan.selected.some((service) => service.build)
    ? await chooseBuilder(inputs, deps)
    : undefined;
  const unbuildable = await unbuildablePlatforms(plan.selected, builder, deps.docker, log);

  const metric = inputs.metric ?? plan.settings.metric ?? 'uncompressed';
  // An update run accepts growth (that is why it runs); budgets and errors still fail it.
  const failOn = inputs.mode === 'update' && inputs.failOn === 'any' ? 'budget' : inputs.failOn;
  const run = {
    docker: deps.docker,
    log,
    builder,
    inputs,
    knownCompressed: knownSizes.compressed,
    // Reading every image means every layer too (the benchmark's and the tests' other side).
    knownLayerSizes:
      deps.readEveryImage === true ? new Map<string, number>() : knownSizes.uncompressed,
    runTagVersion: `run-${randomBytes(6).toString('hex')}`,
    reuse: reuseOf(inputs, deps, { baseline, metric, failOn }),
  };
  const groups = buildGroups(
    plan.selected.filter((service) => !unbuildable.has(service.name)),
    builder,
  );
  const built = (
    await mapWithConcurrency(groups, inputs.parallel, (group) => buildAndMeasureGroup(group, run))
  ).flat();
  const builtByName = new Map(built.map((outcome) => [outcome.name, outcome]));
  const outcomes: ServiceOutcome[] = plan.selected.flatMap((service): ServiceOutcome[] => {
    const error = unbuildable.get(service.name);
    if (error !== undefined) {
      return [{ name: service.name, limits: service.limits, error, stage: 'platform' }];
    }
    const outcome = builtByName.get(service.name);
    return outcome === undefined ? [] : [outcome];
  });

  const verdict = compare({
    outcomes,
    baseline,
    metric,
    failOn,
    totalBudget: plan.settings.totalBudget ?? inputs.totalBudget,
    fullRun: plan.fullRun,
    knownServices: plan.all.map((service) => service.name),
    approval: deps.approval,
    history,
  });

  let baselineWritten: string | undefined;
  if (inputs.mode === 'update') {
    const measured = new Map<string, ImageMeasurement>();
    for (const outcome of outcomes) {
      if ('measurement' in outcome) measured.set(outcome.name, outcome.measurement);
    }
    const next = updateBaseline(baseline, measured, {
      fullRun: plan.fullRun,
      knownServices: plan.all.map((service) => service.name),
    });
    await writeBaselineAtomic(inputs.baselinePath, next);
    baselineWritten = inputs.baselinePath;
    log.info(
      `Wrote ${path.relative(inputs.workingDirectory, inputs.baselinePath)} with ${measured.size} measured services.`,
    );
  }

  return { verdict, baselineWritten };
}

/**
 * The baseline file's committed versions, for the trend and max-creep. Whatever stops git from
 * reading them is said once; a warning when a max-creep limit goes unchecked because of it.
 */
async function readHistory(
  inputs: Inputs,
  plan: ServicePlan,
  deps: GateDependencies,
): Promise<BaselineHistory> {
  const file = path.relative(inputs.workingDirectory, inputs.baselinePath);
  const history = await readBaselineHistory(inputs.baselinePath, deps.exec, file);
  if (history.kind === 'unavailable') {
    const creepLimited = plan.selected.some((service) => service.limits.maxCreep !== undefined);
    const line = `No size trend: ${history.reason}.${creepLimited ? ' max-creep is not checked.' : ''}`;
    if (creepLimited) deps.log.warning(line);
    else deps.log.info(line);
    return history;
  }
  for (const skipped of history.skipped) {
    deps.log.warning(`Size trend: skipped ${skipped}`);
  }
  const shallowNote = history.shallow
    ? ' (the clone is shallow: older versions are not in it)'
    : '';
  deps.log.info(
    `Size trend: ${countOf(history.versions.length, 'committed version')} of ${file}${shallowNote}.`,
  );
  return history;
}

/**
 * Unchanged images are free: a service whose image is the one its baseline entry recorded (same
 * config digest) is not streamed when the result would be folded away as unchanged and passing,
 * which compare itself decides. An update writes the baseline and `analyze: all` shows every
 * image's files: those read every image, as does `readEveryImage` (the benchmark's other side).
 */
function reuseOf(
  inputs: Inputs,
  deps: GateDependencies,
  run: { readonly baseline: Baseline; readonly metric: Metric; readonly failOn: FailOn },
): ((service: Service) => Reuse | undefined) | undefined {
  if (inputs.mode === 'update' || inputs.analyze === 'all' || deps.readEveryImage === true) {
    return undefined;
  }
  const { baseline } = run;
  return (service) => {
    const entry = Object.hasOwn(baseline.services, service.name)
      ? baseline.services[service.name]
      : undefined;
    if (entry === undefined || entry.layers.length === 0) return undefined;
    return {
      entry,
      accept: (measurement) =>
        compare({
          outcomes: [{ name: service.name, limits: service.limits, measurement }],
          baseline,
          metric: run.metric,
          failOn: run.failOn,
          fullRun: false,
          knownServices: [service.name],
        }).services[0]?.collapsed === true,
    };
  };
}

export function serviceLoadOptions(inputs: Inputs, env: Environment): LoadServicesOptions {
  return {
    workingDirectory: inputs.workingDirectory,
    configPath: inputs.configPath,
    configExplicit: inputs.configExplicit,
    composeFiles: inputs.composeFiles,
    filter: inputs.serviceFilter,
    env,
    runPlatforms: inputs.platforms,
    runDefaults: {
      budget: inputs.budget,
      maxIncrease: inputs.maxIncrease,
      warnIncrease: inputs.warnIncrease,
      maxCreep: inputs.maxCreep,
      ignoreBelow: inputs.ignoreBelow,
      maxWasted: inputs.maxWasted,
      minEfficiency: inputs.minEfficiency,
      maxLayers: inputs.maxLayers,
      noNewLayers: inputs.noNewLayers,
    },
  };
}

/**
 * What the checkout says exists, for `mode: report`: the baseline's services and the config's
 * or compose file's. A merging job without a checkout (a fork relay) knows none.
 */
export function repositoryServices(inputs: Inputs, env: Environment): RepositoryServices {
  return {
    baselinePath: inputs.baselinePath,
    serviceNames: async () => {
      try {
        const plan = await loadServices({ ...serviceLoadOptions(inputs, env), filter: [] });
        return plan.all.map((service) => service.name);
      } catch (error) {
        if (error instanceof InputError) return [];
        throw error;
      }
    },
  };
}

async function chooseBuilder(inputs: Inputs, deps: GateDependencies): Promise<ImageBuilder> {
  const buildx = await detectBuildx(
    deps.exec,
    {
      builder: inputs.builder,
      load: inputs.load,
      cache: inputs.cache,
      cacheScope: inputs.cacheScope,
    },
    deps.env,
    deps.log,
  );
  if (buildx.available) return buildx.builder;
  const cacheNote =
    inputs.cache === 'gha'
      ? ', and the GitHub Actions cache is off (docker/setup-buildx-action turns it on)'
      : '';
  deps.log.warning(`${buildx.reason}: building with the engine's own BuildKit${cacheNote}.`);
  return createEngineBuilder(deps.docker);
}

async function assertWorkingDirectory(directory: string): Promise<void> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(
      INPUT_SOURCE,
      'working-directory',
      directory,
      info ? 'is not a directory' : 'directory not found',
    );
  }
}

async function assertEngineReachable(docker: Docker, env: Environment): Promise<void> {
  const problem = dockerHostProblem(env);
  if (problem !== undefined) throw new Error(problem);
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Cannot reach ${engineWhere(env)}: ${errorMessage(error)}. Start Docker, or point DOCKER_HOST at a running engine.`,
      { cause: error },
    );
  }
}

/**
 * Layer sizes the baseline remembers, by diffID: compressed ones are never estimated again, and
 * without the analysis a layer of an OCI layout whose size is known is not read at all.
 */
function layerSizesByDiffId(baseline: Baseline): {
  readonly compressed: Map<string, number>;
  readonly uncompressed: Map<string, number>;
} {
  const compressed = new Map<string, number>();
  const uncompressed = new Map<string, number>();
  for (const entry of Object.values(baseline.services)) {
    for (const layer of entry.layers) {
      uncompressed.set(layer.diffId, layer.size);
      if (layer.compressed !== undefined) compressed.set(layer.diffId, layer.compressed);
    }
  }
  return { compressed, uncompressed };
}
