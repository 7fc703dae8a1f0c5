import { INPUT_SOURCE } from './core/errors.js';
import { countOf } from './core/text.js';
import type { Environment } from './core/model.js';
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { readBaseline, updateBaseline, writeBaselineAtomic } from './baseline/baseline.js';
import { readBaselineHistory } from './baseline/history.js';
import type { Baseline, BaselineHistory } from './baseline/types.js';
import { buildService } from './build/build.js';
import { detectBuildx } from './build/buildx.js';
import { createEngineBuilder } from './build/engine.js';
import type { Exec } from './exec.js';
import { baseLayerDiffIds } from './build/base-image.js';
import { ensureImagePresent } from './build/pull.js';
import { GzipSizeEstimator } from './measure/gzip-size.js';
import type { ImageBuilder } from './build/types.js';
import { compare } from './compare/compare.js';
import type { Approval, ServiceOutcome, Verdict } from './compare/types.js';
import { mapWithConcurrency } from './concurrency.js';
import { InputError, errorMessage } from './core/errors.js';
import { type Inputs } from './inputs.js';
import type { Log } from './log.js';
import { measureEngineImage } from './measure/engine.js';
import { measureOciLayoutDirectory, type MeasureOptions } from './measure/image-content.js';
import type { ImageMeasurement } from './measure/types.js';
import { loadServices, type LoadServicesOptions } from './services/load.js';
import type { RepositoryServices } from './merge-reports.js';
import type { Service, ServicePlan } from './services/types.js';
import { formatBytes } from './core/units.js';

export interface GateDependencies {
  readonly docker: Docker;
  readonly exec: Exec;
  readonly log: Log;
  readonly env: Environment;
  /** The pull request's approval label, looked up before the run (see approval.ts). */
  readonly approval?: Approval | undefined;
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
  const knownCompressed = compressedSizesByDiffId(baseline);
  log.info(
    `Gating ${plan.selected.length} of ${plan.all.length} services: ${plan.selected.map((service) => service.name).join(', ')}`,
  );

  await assertEngineReachable(deps.docker, deps.env);
  const builder = plan.selected.some((service) => service.build)
    ? await chooseBuilder(inputs, deps)
    : undefined;
  await assertPlatformsBuildable(plan.selected, inputs.platform, builder, deps.docker);

  const runTagVersion = `run-${randomBytes(6).toString('hex')}`;
  const outcomes = await mapWithConcurrency(plan.selected, inputs.parallel, (service) =>
    buildAndMeasure(service, builder, inputs, deps, { knownCompressed, runTagVersion }),
  );

  const metric = inputs.metric ?? plan.settings.metric ?? 'uncompressed';
  const verdict = compare({
    outcomes,
    baseline,
    metric,
    // An update run accepts growth (that is why it runs); budgets and errors still fail it.
    failOn: inputs.mode === 'update' && inputs.failOn === 'any' ? 'budget' : inputs.failOn,
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

export function serviceLoadOptions(inputs: Inputs, env: Environment): LoadServicesOptions {
  return {
    workingDirectory: inputs.workingDirectory,
    configPath: inputs.configPath,
    configExplicit: inputs.configExplicit,
    composeFiles: inputs.composeFiles,
    filter: inputs.serviceFilter,
    env,
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

async function buildAndMeasure(
  service: Service,
  builder: ImageBuilder | undefined,
  inputs: Inputs,
  deps: GateDependencies,
  run: { readonly knownCompressed: ReadonlyMap<string, number>; readonly runTagVersion: string },
): Promise<ServiceOutcome> {
  const { knownCompressed } = run;
  const { name, limits } = service;
  // Annotations point at the Dockerfile, relative to the repository root as GitHub wants it.
  const dockerfile = service.build
    ? path.relative(inputs.workingDirectory, service.build.dockerfile).split(path.sep).join('/')
    : undefined;
  const built = await buildService(service, {
    builder,
    globalBuildArgs: inputs.buildArgs,
    platform: inputs.platform,
    runTagVersion: run.runTagVersion,
    pull: (reference, platform) => ensureImagePresent(deps.docker, reference, platform),
    log: deps.log,
  });
  if (!built.ok) {
    return { name, limits, dockerfile, error: built.error, stage: 'build', build: built.info };
  }
  const build = built.info;
  try {
    const { baseImage, ociLayout } = built.image;
    const options: MeasureOptions = {
      platform: built.image.platform,
      createSizer: () => new GzipSizeEstimator(),
      knownCompressed,
      analyse: inputs.analyze !== 'none',
      baseImage,
      baseLayerDiffIds: baseImage ? await baseLayerDiffIds(deps.docker, baseImage) : undefined,
    };
    const measurement = ociLayout
      ? await measureOciLayoutDirectory(ociLayout, options)
      : await measureEngineImage(deps.docker, built.image.reference, options);
    const expected = built.image.configDigest;
    if (expected !== undefined && expected !== measurement.imageId) {
      throw new Error(
        `${ociLayout ?? built.image.reference} holds image ${measurement.imageId}, not the ${expected} this run built: another build replaced it during the run`,
      );
    }
    deps.log.info(
      `📏 ${name}: ${formatBytes(measurement.size)} in ${countOf(measurement.layers.length, 'layer')}`,
    );
    // A package database we cannot read never changes a size: it is said, once per file.
    for (const warning of measurement.analysis?.packages.warnings ?? []) {
      const line = warning.line === undefined ? '' : ` line ${warning.line}`;
      deps.log.warning(`${name}: /${warning.file}${line}: ${warning.message}`);
    }
    return { name, limits, dockerfile, measurement, build };
  } catch (error) {
    const message = errorMessage(error);
    deps.log.warning(`${name}: could not measure ${built.image.reference}: ${message}`);
    return { name, limits, dockerfile, error: message, stage: 'measure', build };
  } finally {
    if (built.image.ociLayout) {
      await rm(built.image.ociLayout, { recursive: true, force: true });
    } else if (built.image.method !== 'prebuilt') {
      await removeRunTag(deps, built.image.reference);
    }
  }
}

/** The run tag only named the image for measuring; `:latest` stays for people. */
async function removeRunTag(deps: GateDependencies, reference: string): Promise<void> {
  try {
    await deps.docker.getImage(reference).remove({ noprune: true });
  } catch (error) {
    deps.log.info(`Could not remove the tag ${reference}: ${errorMessage(error)}`);
  }
}

/**
 * Every platform asked for must be one the engine can run (its OS) and, where buildx lists them,
 * one the builder can build, before minutes go into builds that would all fail with "operating
 * system is not supported".
 */
async function assertPlatformsBuildable(
  services: readonly Service[],
  runPlatform: string | undefined,
  builder: ImageBuilder | undefined,
  docker: Docker,
): Promise<void> {
  const wanted = services
    .map((service) => ({ service, platform: service.platform ?? runPlatform }))
    .filter((item): item is { service: Service; platform: string } => item.platform !== undefined);
  if (wanted.length === 0) return;
  const version = await docker.version();
  const engineOs = version.Os;
  for (const { service, platform } of wanted) {
    const source = service.platform === undefined ? INPUT_SOURCE : service.definedIn;
    const key = service.platform === undefined ? 'platform' : `services.${service.name}.platform`;
    const os = platform.split('/')[0];
    if (os !== engineOs) {
      throw new InputError(
        source,
        key,
        platform,
        `the engine runs ${engineOs}/${version.Arch} and cannot build or run ${os} images`,
      );
    }
    const buildable = service.build ? builder?.platforms : undefined;
    if (buildable && !buildable.some((known) => samePlatform(known, platform))) {
      throw new InputError(
        source,
        key,
        platform,
        `the builder cannot build it; it builds ${buildable.join(', ')} (install QEMU emulation, e.g. docker/setup-qemu-action, for others)`,
      );
    }
  }
}

/** `linux/arm64` is `linux/arm64/v8`; `linux/amd64` is `linux/amd64` (v1). */
function samePlatform(left: string, right: string): boolean {
  const normal = (platform: string): string =>
    platform.replace(/^(linux\/arm64)\/v8$/, '$1').replace(/^(\w+\/amd64)\/v1$/, '$1');
  return normal(left) === normal(right);
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
  const host = env['DOCKER_HOST'];
  const where =
    host === undefined || host === ''
      ? 'the Docker engine at /var/run/docker.sock (DOCKER_HOST is not set)'
      : `the Docker engine at DOCKER_HOST=${JSON.stringify(host)}`;
  if (host !== undefined && host !== '' && !DOCKER_HOST_SCHEME.test(host)) {
    throw new Error(
      `Cannot reach ${where}: it is not an engine address (unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name). Fix DOCKER_HOST, or unset it to use /var/run/docker.sock.`,
    );
  }
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Cannot reach ${where}: ${errorMessage(error)}. Start Docker, or point DOCKER_HOST at a running engine.`,
      { cause: error },
    );
  }
}

const DOCKER_HOST_SCHEME = /^(unix|tcp|http|https|ssh|npipe):\/\/./;

/** Compressed layer sizes the baseline remembers: unchanged layers are never recompressed. */
function compressedSizesByDiffId(baseline: Baseline): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of Object.values(baseline.services)) {
    for (const layer of entry.layers) {
      if (layer.compressed !== undefined) sizes.set(layer.diffId, layer.compressed);
    }
  }
  return sizes;
}
