import { rm } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { baseLayerDiffIds } from './build/base-image.js';
import { buildService } from './build/build.js';
import { ensureImagePresent } from './build/pull.js';
import type { BuildResult, BuiltImage, ImageBuilder } from './build/types.js';
import type { ServiceOutcome } from './compare/types.js';
import { InputError, errorMessage } from './core/errors.js';
import { samePlatform } from './core/platforms.js';
import { countOf } from './core/text.js';
import { formatBytes } from './core/units.js';
import type { Inputs } from './inputs.js';
import type { Log } from './log.js';
import { identifyEngineImage, measureEngineImage } from './measure/engine.js';
import { measurementFromBaseline, type RecordedImage } from './measure/known-image.js';
import type { ImageMeasurement } from './measure/types.js';
import { GzipSizeEstimator } from './measure/gzip-size.js';
import {
  identifyOciLayoutImage,
  measureOciLayoutDirectory,
  type MeasureOptions,
} from './measure/image-content.js';
import type { Service } from './services/types.js';

export interface RunContext {
  readonly docker: Docker;
  readonly log: Log;
  readonly builder: ImageBuilder | undefined;
  readonly inputs: Inputs;
  /** Compressed layer sizes the baseline remembers, by diffID. */
  readonly knownCompressed: ReadonlyMap<string, number>;
  /** Uncompressed layer sizes the baseline remembers, by diffID. */
  readonly knownLayerSizes: ReadonlyMap<string, number>;
  /** Names this run's image tags. */
  readonly runTagVersion: string;
  /** What the baseline recorded of a service's image, when it may stand in for a full read. */
  readonly reuse?: ((service: Service) => Reuse | undefined) | undefined;
}

/**
 * A baseline entry that may spare a full read of the service's image, and the check that the
 * result would be folded away as unchanged and passing (anything shown in detail is read).
 */
export interface Reuse {
  readonly entry: RecordedImage;
  readonly accept: (measurement: ImageMeasurement) => boolean;
}

/**
 * The work of a run, in groups that run in parallel with each other:
 * - the platforms of a built service, together, where the builder exports an OCI layout: one
 *   buildx build (shared steps run once) whose index holds every platform;
 * - the platforms of a prebuilt image, one after another: on the classic store one tag holds
 *   one platform, so two pulls of it at once would replace each other;
 * - every other service alone.
 */
export function buildGroups(
  services: readonly Service[],
  builder: ImageBuilder | undefined,
): (readonly Service[])[] {
  const groups = new Map<string, Service[]>();
  for (const service of services) {
    const perPlatform = service.name !== service.baseName;
    const grouped =
      perPlatform && (service.build === undefined || builder?.buildsPlatformsTogether === true);
    const key = grouped ? `@${service.baseName}` : `=${service.name}`;
    groups.set(key, [...(groups.get(key) ?? []), service]);
  }
  return [...groups.values()];
}

/** Builds and measures one group (see buildGroups); one outcome per service, in order. */
export async function buildAndMeasureGroup(
  group: readonly Service[],
  run: RunContext,
): Promise<ServiceOutcome[]> {
  const [first] = group;
  if (first === undefined) return [];
  if (group.length > 1 && first.build !== undefined) {
    const platforms = group.flatMap((service) => (service.platform ? [service.platform] : []));
    return buildThenMeasure(group, { name: first.baseName, platforms }, run);
  }
  const outcomes: ServiceOutcome[] = [];
  for (const service of group)
    outcomes.push(...(await buildThenMeasure([service], undefined, run)));
  return outcomes;
}

async function buildThenMeasure(
  group: readonly Service[],
  together: { readonly name: string; readonly platforms: readonly string[] } | undefined,
  run: RunContext,
): Promise<ServiceOutcome[]> {
  const [first] = group;
  if (first === undefined) return [];
  const built = await buildService(first, {
    builder: run.builder,
    globalBuildArgs: run.inputs.buildArgs,
    runTagVersion: run.runTagVersion,
    pull: (reference, platform) => ensureImagePresent(run.docker, reference, platform),
    log: run.log,
    together,
  });
  try {
    const outcomes: ServiceOutcome[] = [];
    // One after another: every platform is read from the same layout.
    for (const service of group) outcomes.push(await measureBuilt(service, built, run));
    return outcomes;
  } finally {
    if (built.ok && built.image.ociLayout) {
      await rm(built.image.ociLayout, { recursive: true, force: true });
    } else if (built.ok && built.image.method !== 'prebuilt') {
      await removeRunTag(run, built.image.reference);
    }
  }
}

async function measureBuilt(
  service: Service,
  built: BuildResult,
  run: RunContext,
): Promise<ServiceOutcome> {
  const { name, limits } = service;
  // Annotations point at the Dockerfile, relative to the repository root as GitHub wants it.
  const dockerfile = service.build
    ? path.relative(run.inputs.workingDirectory, service.build.dockerfile).split(path.sep).join('/')
    : undefined;
  if (!built.ok) {
    return { name, limits, dockerfile, error: built.error, stage: 'build', build: built.info };
  }
  const build = built.info;
  const { baseImage, ociLayout } = built.image;
  try {
    const options: MeasureOptions = {
      platform: service.platform,
      createSizer: () => new GzipSizeEstimator(),
      knownCompressed: run.knownCompressed,
      knownLayerSizes: run.knownLayerSizes,
      analyse: run.inputs.analyze !== 'none',
      baseImage,
      baseLayerDiffIds: baseImage ? await baseLayerDiffIds(run.docker, baseImage) : undefined,
    };
    const known = await reusedMeasurement(service, built.image, options, run);
    if (known !== undefined) {
      run.log.info(
        `📏 ${name}: ${formatBytes(known.size)} in ${countOf(known.layers.length, 'layer')}, the layers the baseline recorded: not read again`,
      );
      return { name, limits, dockerfile, measurement: known, build };
    }
    const measurement = ociLayout
      ? await measureOciLayoutDirectory(ociLayout, options)
      : await measureEngineImage(run.docker, built.image.reference, options);
    const expected = built.image.configDigest;
    if (expected !== undefined && expected !== measurement.imageId) {
      throw new Error(
        `${ociLayout ?? built.image.reference} holds image ${measurement.imageId}, not the ${expected} this run built: another build replaced it during the run`,
      );
    }
    run.log.info(
      `📏 ${name}: ${formatBytes(measurement.size)} in ${countOf(measurement.layers.length, 'layer')}`,
    );
    // A package database we cannot read never changes a size: it is said, once per file.
    for (const warning of measurement.analysis?.packages.warnings ?? []) {
      const line = warning.line === undefined ? '' : ` line ${warning.line}`;
      run.log.warning(`${name}: /${warning.file}${line}: ${warning.message}`);
    }
    return { name, limits, dockerfile, measurement, build };
  } catch (error) {
    const message = errorMessage(error);
    run.log.warning(`${name}: could not measure ${ociLayout ?? built.image.reference}: ${message}`);
    return { name, limits, dockerfile, error: message, stage: 'measure', build };
  }
}

/**
 * The baseline's numbers for an image it recorded, read from the image's config alone (one
 * inspect, or the layout's index and config); undefined when the image must be read in full.
 */
async function reusedMeasurement(
  service: Service,
  image: BuiltImage,
  options: MeasureOptions,
  run: RunContext,
): Promise<ImageMeasurement | undefined> {
  const reuse = run.reuse?.(service);
  if (reuse === undefined) return undefined;
  const identity = image.ociLayout
    ? await identifyOciLayoutImage(image.ociLayout, options)
    : await identifyEngineImage(run.docker, image.reference, image.configDigest);
  const measurement = measurementFromBaseline(reuse.entry, identity, options);
  return measurement !== undefined && reuse.accept(measurement) ? measurement : undefined;
}

/** The run tag only named the image for measuring; `:latest` stays for people. */
async function removeRunTag(run: RunContext, reference: string): Promise<void> {
  try {
    await run.docker.getImage(reference).remove({ noprune: true });
  } catch (error) {
    run.log.info(`Could not remove the tag ${reference}: ${errorMessage(error)}`);
  }
}

/**
 * Every platform asked for must be one the engine can run (its OS), before minutes go into
 * builds that would all fail with "operating system is not supported". A platform the builder
 * does not list may still build (COPY needs no emulation, RUN does): that is said once.
 */
export async function assertPlatformsBuildable(
  services: readonly Service[],
  builder: ImageBuilder | undefined,
  docker: Docker,
  log: Log,
): Promise<void> {
  const wanted = services.filter(
    (service): service is Service & { platform: string } => service.platform !== undefined,
  );
  if (wanted.length === 0) return;
  const version = await docker.version();
  const warned = new Set<string>();
  for (const service of wanted) {
    const { platform } = service;
    const origin = service.platformOrigin ?? { file: service.definedIn, key: 'platform' };
    const os = platform.split('/')[0];
    if (os !== version.Os) {
      throw new InputError(
        origin.file,
        origin.key,
        platform,
        `the engine runs ${version.Os}/${version.Arch} and cannot build or run ${os} images`,
      );
    }
    const buildable = service.build ? builder?.platforms : undefined;
    if (
      buildable &&
      !buildable.some((known) => samePlatform(known, platform)) &&
      !warned.has(platform)
    ) {
      warned.add(platform);
      log.warning(
        `The builder lists ${buildable.join(', ')}, not ${platform}: a RUN step for ${platform} needs QEMU emulation (docker/setup-qemu-action); COPY and ADD do not.`,
      );
    }
  }
}
