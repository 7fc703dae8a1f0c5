import { rm } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { baseLayerDiffIds } from './build/base-image.js';
import { buildService } from './build/build.js';
import { ensureImagePresent } from './build/pull.js';
import type { BuildResult, BuiltImage, ImageBuilder } from './build/types.js';
import type { ServiceOutcome } from './compare/types.js';
import { errorMessage } from './core/errors.js';
import { isObject } from './core/json-guards.js';
import { platformOs, samePlatform } from './core/platforms.js';
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
 * The services this engine cannot take, each with why: a platform of another OS (`wasi/wasm`,
 * `windows/amd64` on Linux) whose image would enter a classic image store, which refuses it
 * ("operating system is not supported") after minutes of building. Each becomes an error of
 * its own and the others are built. An OCI layout (buildx) or the containerd store holds any
 * platform, so there the build is tried. A platform the builder does not list may still build
 * (COPY needs no emulation, RUN does): that is said once.
 */
export async function unbuildablePlatforms(
  services: readonly Service[],
  builder: ImageBuilder | undefined,
  docker: EngineQueries,
  log: Log,
): Promise<ReadonlyMap<string, string>> {
  const refused = new Map<string, string>();
  const wanted = services.filter(
    (service): service is Service & { platform: string } => service.platform !== undefined,
  );
  if (wanted.length === 0) return refused;
  const engine = await engineFacts(docker);
  const warned = new Set<string>();
  for (const service of wanted) {
    const { platform } = service;
    const os = platformOs(platform) ?? platform;
    const intoEngine = service.build === undefined || builder?.exportsOciLayout !== true;
    if (os !== engine.os && intoEngine && engine.classicStore) {
      const origin = service.platformOrigin ?? { file: service.definedIn, key: 'platform' };
      const reason = otherOsReason(service.build !== undefined, platform, os, origin, engine);
      log.warning(`${service.name}: ${reason}`);
      refused.set(service.name, reason);
      continue;
    }
    const buildable = service.build ? builder?.platforms : undefined;
    if (
      buildable &&
      !buildable.some((known) => samePlatform(known, platform)) &&
      !warned.has(platform)
    ) {
      warned.add(platform);
      const run =
        os === engine.os
          ? `a RUN step for ${platform} needs QEMU emulation (docker/setup-qemu-action); COPY and ADD do not.`
          : `a RUN step for ${platform} cannot run on this ${engine.os} builder; COPY, ADD and stages FROM --platform=$BUILDPLATFORM work.`;
      log.warning(`The builder lists ${buildable.join(', ')}, not ${platform}: ${run}`);
    }
  }
  return refused;
}

/** What the platform check asks the engine (a Docker client answers it). */
export interface EngineQueries {
  version(): Promise<{ readonly Os: string; readonly Arch: string }>;
  info(): Promise<unknown>;
}

interface EngineFacts {
  readonly os: string;
  readonly platform: string;
  /** The classic image store takes images of the engine's own OS only; containerd's any. */
  readonly classicStore: boolean;
}

async function engineFacts(docker: EngineQueries): Promise<EngineFacts> {
  const [version, info] = await Promise.all([docker.version(), docker.info()]);
  const driverStatus = isObject(info) ? info['DriverStatus'] : undefined;
  const containerdStore =
    Array.isArray(driverStatus) &&
    driverStatus.some(
      (pair) => Array.isArray(pair) && pair.some((part) => part === 'io.containerd.snapshotter.v1'),
    );
  return {
    os: version.Os,
    platform: `${version.Os}/${version.Arch}`,
    classicStore: !containerdStore,
  };
}

function otherOsReason(
  built: boolean,
  platform: string,
  os: string,
  origin: { readonly file: string; readonly key: string },
  engine: EngineFacts,
): string {
  const where = `${origin.file}: ${origin.key}`;
  const engineSays = `this engine (${engine.platform}, classic image store) holds ${engine.os} images only`;
  return built
    ? `cannot be built here: its platform ${platform} (${where}) is a ${os} platform, and ${engineSays}; buildx exporting an OCI layout (docker/setup-buildx-action) or the containerd image store can build it`
    : `cannot be pulled here: its platform ${platform} (${where}) is a ${os} platform, and ${engineSays}; the containerd image store can pull it`;
}
