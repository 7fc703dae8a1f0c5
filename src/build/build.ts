import { createHash } from 'node:crypto';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { Service } from '../services/types.js';
import { baseImageOf } from './base-image.js';
import { mergeBuildArgs } from './buildx-args.js';
import { BuildFailure, type BuildInfo, type BuildResult, type ImageBuilder } from './types.js';

const LOG_TAIL_ON_FAILURE = 30;

export interface BuildSettings {
  readonly builder: ImageBuilder | undefined;
  /** The run-wide `build-args` input. */
  readonly globalBuildArgs: Readonly<Record<string, string>>;
  /**
   * Build these platforms of the service in one build (buildx to an OCI layout), named as
   * `name` in the log; the service's own platform is then not used.
   */
  readonly together?: { readonly name: string; readonly platforms: readonly string[] } | undefined;
  /** Names this run's tags (`image-size-gate/<service>:<runTagVersion>`), e.g. `run-1a2b3c4d`. */
  readonly runTagVersion: string;
  /** Makes a prebuilt image available in the engine (pulls it when missing). */
  readonly pull: (reference: string, platform: string | undefined) => Promise<'present' | 'pulled'>;
  readonly log: Log;
}

/**
 * Builds one service, or makes its prebuilt image available. A failure is returned, not
 * thrown, so one broken service never hides the others' results. The error text is bare (no
 * "build failed:" prefix): the compare stage names the stage.
 */
export async function buildService(
  service: Service,
  settings: BuildSettings,
): Promise<BuildResult> {
  const { log, together } = settings;
  const platform = service.platform;
  const shownName = together ? `${together.name} (${together.platforms.join(', ')})` : service.name;
  const started = Date.now();
  if (!service.build) {
    if (!service.image) return { ok: false, error: 'has neither a build nor an image' };
    try {
      const how = await settings.pull(service.image, platform);
      if (how === 'pulled')
        log.info(`⬇ ${service.name}: pulled ${service.image} in ${seconds(started)}`);
      return {
        ok: true,
        image: { reference: service.image, method: 'prebuilt' },
        info: prebuiltInfo(started),
      };
    } catch (error) {
      const message = lastNonEmptyLine(errorMessage(error));
      log.warning(`${service.name}: ${message}`);
      return { ok: false, error: message, info: prebuiltInfo(started) };
    }
  }
  const { builder } = settings;
  if (!builder) return { ok: false, error: 'needs a build but no builder is available' };
  log.info(`⏳ ${shownName}: building with ${describeMethod(builder.method)}`);
  try {
    const outcome = await builder.build({
      // The cache scope is per service and platform(s): the repository's name, not the unit's.
      serviceName: service.baseName,
      build: service.build,
      globalBuildArgs: settings.globalBuildArgs,
      platform,
      ...(together ? { multiPlatform: together.platforms } : {}),
      tag: imageTag(service.name),
      runTag: imageTag(service.name, settings.runTagVersion),
    });
    log.block(`${shownName}: build log`, outcome.logLines);
    const info: BuildInfo = {
      method: builder.method,
      seconds: elapsed(started),
      cache: outcome.cache ?? builder.cache,
      steps: outcome.steps,
    };
    log.info(`✔ ${shownName}: built in ${seconds(started)}${describeSteps(info)}`);
    const baseImage = await baseImageOf(
      service.build,
      mergeBuildArgs(settings.globalBuildArgs, service.build.args),
    );
    return {
      ok: true,
      image: {
        reference: outcome.reference,
        configDigest: outcome.configDigest,
        ociLayout: outcome.ociLayout,
        method: builder.method,
        baseImage,
      },
      info,
    };
  } catch (error) {
    const lines = error instanceof BuildFailure ? error.logLines : [];
    const info: BuildInfo = {
      method: builder.method,
      seconds: elapsed(started),
      cache: (error instanceof BuildFailure ? error.cache : undefined) ?? builder.cache,
      steps: error instanceof BuildFailure ? error.steps : undefined,
    };
    log.block(`${shownName}: build log (failed)`, lines);
    const message = lastNonEmptyLine(errorMessage(error));
    log.warning(`${shownName}: the build failed after ${seconds(started)}: ${message}`);
    if (lines.length > 0) {
      log.info(
        `Last lines of the ${shownName} build:\n${lines.slice(-LOG_TAIL_ON_FAILURE).join('\n')}`,
      );
    }
    return { ok: false, error: message, info };
  }
}

function prebuiltInfo(started: number): BuildInfo {
  const cache = { on: false, note: 'prebuilt image: nothing to build' };
  return { method: 'prebuilt', seconds: elapsed(started), cache };
}

function elapsed(started: number): number {
  return Math.round((Date.now() - started) / 100) / 10;
}

/** `, 3 of 5 steps cached` */
function describeSteps(info: BuildInfo): string {
  const steps = info.steps;
  if (!steps || steps.total === 0) return '';
  return `, ${steps.cached} of ${steps.total} ${steps.total === 1 ? 'step' : 'steps'} cached`;
}

/** A valid, collision-free local tag for a service name (tags must be lowercase). */
export function imageTag(serviceName: string, version = 'latest'): string {
  const cleaned = serviceName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const suffix =
    cleaned === serviceName && cleaned !== ''
      ? ''
      : `-${createHash('sha256').update(serviceName).digest('hex').slice(0, 8)}`;
  return `image-size-gate/${cleaned || 'service'}${suffix}:${version}`;
}

function describeMethod(method: ImageBuilder['method']): string {
  return method === 'buildx' ? 'docker buildx' : "the engine's BuildKit";
}

function seconds(started: number): string {
  return `${elapsed(started).toFixed(1)}s`;
}

function lastNonEmptyLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1)?.trim() ?? text;
}
