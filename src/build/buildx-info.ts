import semver from 'semver';
import type { GhaCacheMode } from './cache-env.js';
import type { CacheState } from './types.js';

/**
 * What each protocol of the GitHub Actions cache service needs. v1 (`_apis/artifactcache`, what
 * GitHub Enterprise Server may still serve) works with every BuildKit that has the gha backend
 * (added in 0.9.0) and every buildx that fills in its settings from the environment (0.6.0);
 * v2 (GitHub.com since 2025, named by ACTIONS_CACHE_SERVICE_V2) needs buildx 0.21 and BuildKit 0.20.
 */
export const GHA_CACHE_MINIMUMS = {
  1: { buildx: '0.6.0', buildkit: '0.9.0', name: 'the GitHub Actions cache' },
  2: { buildx: '0.21.0', buildkit: '0.20.0', name: "GitHub's cache service v2" },
} as const;

/**
 * The version in `docker buildx version` output, as plain `major.minor.patch`:
 * `github.com/docker/buildx v0.21.1 7c2359c` → `0.21.1`,
 * `github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3` (Debian) → `0.13.1`.
 * Pre-release and build suffixes are dropped (`v0.21.0-desktop.1` → `0.21.0`) so that vendor
 * builds compare as the release they are based on.
 */
export function parseBuildxVersion(stdout: string): string | undefined {
  const tokens = stdout.trim().split(/\s+/);
  const afterName = tokens.findIndex((token) => /(^|\/)buildx$/.test(token)) + 1;
  const candidates = afterName > 0 ? [tokens[afterName], ...tokens] : tokens;
  for (const token of candidates) {
    if (token !== undefined && /^v?\d+\.\d+/.test(token)) return semver.coerce(token)?.version;
  }
  return undefined;
}

export interface BuildxBuilderInfo {
  readonly name: string;
  readonly driver: string;
  /** The oldest BuildKit among the nodes, as printed (`v0.20.2`, `v0.20.2-moby`). */
  readonly buildkitVersion: string | undefined;
  /**
   * A Docker Engine version printed where the BuildKit version belongs: the `docker` driver of
   * older buildx reports the engine's own version when it cannot map it to a BuildKit release.
   */
  readonly engineVersion: string | undefined;
  /** Platforms of all nodes, without the `*` that marks manually set ones. */
  readonly platforms: readonly string[];
}

/**
 * Reads `docker buildx inspect [name]` output. The builder's `Name:` and `Driver:` come before
 * `Nodes:`; each node then has its own `Name:`, `BuildKit version:` (older buildx: `Buildkit:`)
 * and `Platforms:`. Returns undefined when the builder's name or driver is missing.
 */
export function parseBuildxInspect(stdout: string): BuildxBuilderInfo | undefined {
  let name: string | undefined;
  let driver: string | undefined;
  let inNodes = false;
  const versions: string[] = [];
  const platforms: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const field = /^\s*([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$/.exec(line);
    if (!field) continue;
    const [, key = '', value = ''] = field;
    if (key === 'Nodes') {
      inNodes = true;
    } else if (!inNodes && key === 'Name') {
      name ??= value;
    } else if (!inNodes && key === 'Driver') {
      driver ??= value;
    } else if (inNodes && (key === 'BuildKit version' || key === 'Buildkit') && value !== '') {
      versions.push(value);
    } else if (inNodes && key === 'Platforms') {
      platforms.push(...splitPlatforms(value));
    }
  }
  if (name === undefined || name === '' || driver === undefined || driver === '') return undefined;

  // BuildKit is versioned 0.x; Docker Engine versions start at 17 (YY.MM scheme).
  const engineVersions = versions.filter((version) => (semver.coerce(version)?.major ?? 0) >= 17);
  const buildkitVersions = versions.filter((version) => !engineVersions.includes(version));
  return {
    name,
    driver,
    buildkitVersion: oldest(buildkitVersions),
    engineVersion: oldest(engineVersions),
    platforms: [...new Set(platforms)],
  };
}

function splitPlatforms(value: string): string[] {
  return value
    .split(',')
    .map((platform) => platform.trim().replace(/\*$/, ''))
    .filter((platform) => platform !== '');
}

function oldest(versions: readonly string[]): string | undefined {
  let result: string | undefined;
  for (const version of versions) {
    const candidate = semver.coerce(version);
    if (candidate === null) continue;
    const current = result === undefined ? null : semver.coerce(result);
    if (current === null || semver.lt(candidate, current)) result = version;
  }
  return result;
}

/** What `docker info` says about the engine that matters to buildx. */
export interface EngineFacts {
  /** The containerd image store (DriverStatus driver-type io.containerd.snapshotter.v1). */
  readonly containerdStore: boolean;
  /** ServerVersion (`28.5.2`, `28.5.2+dfsg4`); undefined when not reported. */
  readonly serverVersion: string | undefined;
}

/** The `docker info --format` template that parseEngineFacts reads: version, tab, store. */
export const ENGINE_FACTS_FORMAT = '{{.ServerVersion}}\t{{json .DriverStatus}}';

export function parseEngineFacts(stdout: string): EngineFacts {
  const [version = '', driverStatus = ''] = stdout.replace(/\s+$/, '').split('\t');
  return {
    containerdStore: driverStatus.includes('io.containerd.snapshotter'),
    serverVersion: version.trim() === '' ? undefined : version.trim(),
  };
}

export interface GhaCacheCapabilityInput {
  /** The protocol the runner's environment names (ACTIONS_CACHE_SERVICE_V2). */
  readonly serviceVersion: 1 | 2;
  readonly buildxVersion: string | undefined;
  readonly buildkitVersion: string | undefined;
  readonly driver: string | undefined;
  /**
   * The Docker Engine's version (`docker info` ServerVersion). The `docker` driver runs the
   * engine's own BuildKit, which a distribution's build may report as `v0.0.0+unknown`; the
   * engine's version then says which BuildKit it carries.
   */
  readonly engineVersion: string | undefined;
  /**
   * True when the engine uses the containerd image store (`docker info` shows the storage
   * driver-type io.containerd.snapshotter.v1).
   */
  readonly containerdStore: boolean;
}

export interface GhaCacheCapability {
  /** False when the builder certainly cannot use the gha cache: build without cache flags. */
  readonly ok: boolean;
  /** Why not, one sentence each saying what to do. Empty when ok. */
  readonly reasons: string[];
  /** The first reason in a few words, for the build table's cache column; undefined when ok. */
  readonly offNote: string | undefined;
  /**
   * What could not be checked (a version that was not reported, or that does not parse, such
   * as a distribution's `v0.0.0+unknown`). The cache is still tried: with `ignore-error=true`
   * a failure costs only the cache, never the build.
   */
  readonly unverified: string[];
}

const SETUP_BUILDX_HINT =
  'add the step docker/setup-buildx-action before this action (it installs a current ' +
  'buildx and creates a docker-container builder), or set input `builder` to such a builder';

/** A version we can compare, or undefined: `v0.0.0+unknown` is a build without a version. */
function knownVersion(version: string | undefined): semver.SemVer | undefined {
  const parsed = semver.coerce(version);
  return parsed === null || parsed.version === '0.0.0' ? undefined : parsed;
}

/**
 * The BuildKit a Docker Engine carries, as far as the gha cache cares: Docker 28.0 was the
 * first to vendor BuildKit 0.20 (the v2 cache client; 28.0.3 has 0.20.2), and every 27.x and
 * older release vendors a BuildKit before 0.20 (27.x ends at 0.17). Undefined for a version
 * that is not a Docker Engine's.
 */
export function buildkitOfDockerEngine(
  engineVersion: string | undefined,
): { readonly atLeast: string } | { readonly below: string } | undefined {
  const engine = knownVersion(engineVersion);
  if (engine === undefined || engine.major < 17) return undefined;
  return engine.major >= 28 ? { atLeast: '0.20.0' } : { below: '0.20.0' };
}

export function assessGhaCache(input: GhaCacheCapabilityInput): GhaCacheCapability {
  const reasons: Array<{ sentence: string; note: string }> = [];
  const unverified: string[] = [];
  const minimum = GHA_CACHE_MINIMUMS[input.serviceVersion];

  const buildx = knownVersion(input.buildxVersion);
  if (buildx === undefined) {
    unverified.push(
      `The buildx version ${describeVersion(input.buildxVersion)}, so support for ${minimum.name} (buildx ${minimum.buildx} or newer) is not verified.`,
    );
  } else if (semver.lt(buildx, minimum.buildx)) {
    reasons.push({
      sentence: `buildx ${buildx.version} is older than ${minimum.buildx}, the first release that speaks ${minimum.name}: ${SETUP_BUILDX_HINT}.`,
      note: `off: buildx ${buildx.version} predates ${minimum.name}`,
    });
  }

  const buildkit = knownVersion(input.buildkitVersion);
  const enginesBuildkit =
    input.driver === 'docker' ? buildkitOfDockerEngine(input.engineVersion) : undefined;
  if (buildkit !== undefined) {
    if (semver.lt(buildkit, minimum.buildkit)) {
      reasons.push({
        sentence: `The builder runs BuildKit ${input.buildkitVersion ?? buildkit.version}, older than ${minimum.buildkit}, the first release that speaks ${minimum.name}: ${SETUP_BUILDX_HINT}.`,
        note: `off: BuildKit ${buildkit.version} predates ${minimum.name}`,
      });
    }
  } else if (enginesBuildkit !== undefined && 'below' in enginesBuildkit) {
    if (semver.lte(enginesBuildkit.below, minimum.buildkit)) {
      reasons.push({
        sentence: `The \`docker\` driver runs the BuildKit of Docker Engine ${input.engineVersion ?? ''}, older than ${minimum.buildkit}, the first release that speaks ${minimum.name}: ${SETUP_BUILDX_HINT}, or update the engine to Docker 28 or newer.`,
        note: `off: the BuildKit of Docker ${input.engineVersion ?? ''} predates ${minimum.name}`,
      });
    } else {
      unverified.push(
        `The builder's BuildKit version ${describeVersion(input.buildkitVersion)}, so support for ${minimum.name} (BuildKit ${minimum.buildkit} or newer) is not verified.`,
      );
    }
  } else if (
    enginesBuildkit === undefined ||
    semver.lt(enginesBuildkit.atLeast, minimum.buildkit)
  ) {
    unverified.push(
      `The builder's BuildKit version ${describeVersion(input.buildkitVersion)}, so support for ${minimum.name} (BuildKit ${minimum.buildkit} or newer) is not verified.`,
    );
  }

  if (input.driver === undefined || input.driver === '') {
    unverified.push('The builder driver could not be read, so cache export is not verified.');
  } else if (input.driver === 'docker' && !input.containerdStore) {
    reasons.push({
      sentence: `The builder uses the \`docker\` driver on the classic image store, which cannot export cache to the GitHub Actions cache: ${SETUP_BUILDX_HINT}, or enable the containerd image store in the engine.`,
      note: 'off: the docker driver cannot export cache on the classic image store',
    });
  }

  return {
    ok: reasons.length === 0,
    reasons: reasons.map((reason) => reason.sentence),
    offNote: reasons[0]?.note,
    unverified,
  };
}

function describeVersion(version: string | undefined): string {
  return version === undefined || version.trim() === ''
    ? 'was not reported'
    : `${JSON.stringify(version)} is unknown`;
}

/**
 * BuildKit's error when a gha cache exporter or importer cannot even be set up (a token that is
 * no JWT, a URL it cannot parse, a BuildKit without the gha backend): unlike a failed export,
 * `ignore-error` does not cover it and the whole build fails. Returns the error from that point
 * on, or undefined.
 */
export function ghaSetupFailureIn(errorLine: string): string | undefined {
  // Anchored: a RUN step whose command contains these words fails with another message.
  const match =
    /^(?:ERROR:\s*)?(?:failed to (?:build|solve): )*((?:failed to configure gha cache (?:exporter|importer)\b|unknown cache (?:exporter|importer): "?gha"?$).*)$/.exec(
      errorLine.trim(),
    );
  return match?.[1];
}

/** What went wrong with the gha cache in a build that succeeded anyway; each undefined if fine. */
export interface GhaCacheTrouble {
  /** The restore's error: BuildKit logs it on its import step and builds without the cache. */
  readonly restore: string | undefined;
  /** The save's error: `ignore-error=true` keeps it from failing the build. */
  readonly save: string | undefined;
}

/**
 * Reads a build's log (`#N name` lines, then `#N ERROR: …` on the same N, as `--progress=plain`
 * prints and the rawjson reader writes) for errors on BuildKit's gha import and export steps.
 * A cache miss is no error; a token the service refuses (`unauthenticated`) on export is, and so
 * is a token that is no JWT on import.
 */
export function ghaCacheTroubleIn(logLines: readonly string[]): GhaCacheTrouble {
  const stepNames = new Map<string, string>();
  let restore: string | undefined;
  let save: string | undefined;
  for (const line of logLines) {
    const error = /^#(\d+) ERROR: (.*)$/.exec(line);
    if (error?.[1] !== undefined && error[2] !== undefined) {
      const name = stepNames.get(error[1]) ?? '';
      if (/^importing cache manifest from gha:/.test(name)) restore ??= error[2].trim();
      // BuildKit 0.11 named the step "exporting to GitHub cache"; 0.12 and later as here.
      else if (/^exporting to GitHub (?:Actions )?[Cc]ache$/.test(name)) save ??= error[2].trim();
      continue;
    }
    const step = /^#(\d+) (.+)$/.exec(line);
    if (step?.[1] !== undefined && step[2] !== undefined && !stepNames.has(step[1])) {
      stepNames.set(step[1], step[2]);
    }
  }
  return { restore, save };
}

/** The fix when the builder's BuildKit has no gha cache backend at all. */
export const GHA_BACKEND_FIX =
  "this builder's BuildKit has no gha backend: add the step docker/setup-buildx-action before this action, or set input `builder`";

export interface GhaCacheTroubleInput {
  readonly service: string;
  readonly trouble: GhaCacheTrouble;
  /** The cache state the build started with (on, with its access). */
  readonly cache: CacheState;
  readonly mode: GhaCacheMode;
  /** What to check when the service refused the runner's token or BuildKit could not read it. */
  readonly variablesFix: string;
}

/** What to do about a gha cache error: the advice follows what the error says. */
function fixForGhaCacheErrors(errors: readonly string[], variablesFix: string): string {
  if (errors.some((error) => /unknown cache (?:importer|exporter)/.test(error))) {
    return GHA_BACKEND_FIX;
  }
  if (
    errors.some((error) =>
      /unauthenticated|unauthori[sz]ed|forbidden|permission|\b40[13]\b|token|invalid url/i.test(
        error,
      ),
    )
  ) {
    return variablesFix;
  }
  return "a limit or an outage of GitHub's cache service passes: the next run tries again";
}

/**
 * The warning and the build's cache state when the gha cache failed in a build that went on.
 * The state is off when nothing the mode asked for worked, else on with what failed.
 */
export function reportGhaCacheTrouble(
  input: GhaCacheTroubleInput,
): { readonly warning: string; readonly cache: CacheState } | undefined {
  const { service, trouble, cache, mode, variablesFix } = input;
  const { restore, save } = trouble;
  if (restore === undefined && save === undefined) return undefined;
  const where = "The build table's Cache column names each service this hit";
  const fix = fixForGhaCacheErrors(
    [restore, save].filter((error) => error !== undefined),
    variablesFix,
  );
  let what: string;
  if (restore !== undefined && save !== undefined) {
    const reason = restore === save ? restore : `restoring: ${restore}; saving: ${save}`;
    what = `could neither be read nor saved for ${service} (${reason}): it was built without cached layers, and the next run cannot restore it`;
  } else if (restore !== undefined) {
    what = `could not be read for ${service} (${restore}): it was built without cached layers`;
  } else {
    what = `could not save ${service}'s layers (${save ?? ''}): the image is built, but the next run cannot restore it`;
  }
  const failures = [
    ...(restore === undefined ? [] : [`restoring failed: ${restore}`]),
    ...(save === undefined ? [] : [`saving failed: ${save}`]),
  ].join('; ');
  const reads = mode !== 'write-only' && mode !== 'none' && restore === undefined;
  const writes = mode !== 'read' && mode !== 'none' && save === undefined;
  return {
    warning: `The GitHub Actions cache ${what}. ${where}; ${fix}.`,
    cache:
      reads || writes
        ? { on: true, note: `${cache.note}; ${failures}` }
        : { on: false, note: `off: ${failures}` },
  };
}
