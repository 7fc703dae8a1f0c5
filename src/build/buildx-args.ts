import { compareCodeUnits } from '../core/text.js';
import type { CacheBackend } from '../core/model.js';
import type { Environment } from '../core/model.js';
import type { BuildSpec } from '../services/types.js';
import type { GhaCacheEnvironment } from './cache-env.js';

/** The `cache` input. */

export interface BuildxRequest {
  readonly serviceName: string;
  /** Every path absolute. `build.args` override `globalBuildArgs` key by key. */
  readonly build: BuildSpec;
  readonly platform: string | undefined;
  /** The `build-args` input, already parsed: the default for every service. */
  readonly globalBuildArgs: Readonly<Record<string, string>>;
  /** The `builder` input; undefined uses buildx's current builder. */
  readonly builder: string | undefined;
  readonly cache: CacheBackend;
  /** The `cache-scope` input. */
  readonly cacheScopePrefix: string;
  /** From `readGhaCacheEnvironment(process.env)`, read once per run. */
  readonly cacheEnvironment: GhaCacheEnvironment;
  readonly iidFile: string;
  /**
   * Where the image goes: into the engine (`--load`, the default), or an OCI layout directory
   * that is measured without loading (exact blobs, no `docker save`).
   */
  readonly output?: { readonly ociLayout: string } | undefined;
  /**
   * `rawjson` (buildx ≥ 0.13) marks every step restored from a cache; `plain` is for older
   * buildx. Absent: buildx's default.
   */
  readonly progress?: 'rawjson' | 'plain' | undefined;
  /** Local tags for the loaded image: the one it is measured by, and one for people. */
  readonly tags?: readonly string[] | undefined;
}

export interface BuildxPlan {
  /** Arguments for the `docker` executable, starting with `buildx build`. */
  readonly args: string[];
  /** Run-wide facts (no service name in them), so a caller may report each text once. */
  readonly warnings: string[];
}

export function buildxBuildArgs(request: BuildxRequest): BuildxPlan {
  const { build, platform, builder } = request;
  const args = ['buildx', 'build'];
  if (builder !== undefined && builder !== '') args.push('--builder', builder);
  args.push('--file', build.dockerfile);
  for (const tag of request.tags ?? []) if (tag !== '') args.push('--tag', tag);
  if (build.target !== undefined && build.target !== '') args.push('--target', build.target);
  if (platform !== undefined && platform !== '') args.push('--platform', platform);
  for (const [key, value] of sortedEntries(mergeBuildArgs(request.globalBuildArgs, build.args))) {
    args.push('--build-arg', `${key}=${value}`);
  }
  // Without this buildx wraps the image in an index with an attestation manifest.
  args.push('--provenance=false');
  if (request.progress !== undefined) args.push(`--progress=${request.progress}`);
  args.push('--iidfile', request.iidFile);
  if (request.output) args.push('--output', `type=oci,tar=false,dest=${request.output.ociLayout}`);
  else args.push('--load');

  const cache = cacheFlags(request);
  args.push(...cache.args, build.context);
  return { args, warnings: cache.warnings };
}

/**
 * The environment for the buildx child process. `@actions/exec` replaces the whole environment
 * when `env` is given, and buildx needs PATH, DOCKER_* and the runner's cache variables from it.
 */
export function buildxEnv(processEnv: Environment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * `<prefix>-<service>[-<platform>]`: one scope per service and platform, so no build overwrites
 * another's cache index.
 */
export function cacheScope(
  prefix: string,
  serviceName: string,
  platform: string | undefined,
): string {
  const parts = [prefix, serviceName];
  if (platform !== undefined && platform !== '') parts.push(platform);
  // buildx reads the cache option as CSV: a comma or quote would split or corrupt it.
  return parts.map((part) => part.replace(/[^A-Za-z0-9._-]+/g, '-')).join('-');
}

interface CacheFlags {
  readonly args: string[];
  readonly warnings: string[];
}

function cacheFlags(request: BuildxRequest): CacheFlags {
  if (request.cache === 'none') return { args: [], warnings: [] };
  const environment = request.cacheEnvironment;
  const warnings: string[] = [];
  if (environment.unknownValue !== undefined) {
    warnings.push(
      `ACTIONS_CACHE_MODE is ${JSON.stringify(environment.unknownValue)}, which is not one of ` +
        'write, read, write-only or none; the GitHub Actions cache is used for reading and writing.',
    );
  }
  if (environment.mode === 'none') return { args: [], warnings };
  if (environment.missing.length > 0) {
    warnings.push(missingEnvironmentWarning(environment.missing));
    return { args: [], warnings };
  }

  const scope = cacheScope(request.cacheScopePrefix, request.serviceName, request.platform);
  const args: string[] = [];
  if (environment.mode !== 'write-only') args.push('--cache-from', `type=gha,scope=${scope}`);
  if (environment.mode !== 'read') {
    args.push('--cache-to', `type=gha,mode=max,scope=${scope},ignore-error=true`);
  }
  return { args, warnings };
}

function missingEnvironmentWarning(missing: readonly string[]): string {
  const names = missing.join(' and ');
  const verb = missing.length === 1 ? 'is' : 'are';
  return (
    `The GitHub Actions cache is off: ${names} ${verb} not set. The runner gives these ` +
    'variables to a JavaScript action such as image-size-gate automatically, but not to `run:` ' +
    'steps; run the gate with `uses:`, or expose them first with ' +
    'crazy-max/ghaction-github-runtime.'
  );
}

/** The service's own args are more specific than the run-wide `build-args` input, so they win. */
export function mergeBuildArgs(
  globalBuildArgs: Readonly<Record<string, string>>,
  serviceArgs: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...globalBuildArgs, ...serviceArgs };
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([left], [right]) => compareCodeUnits(left, right));
}
