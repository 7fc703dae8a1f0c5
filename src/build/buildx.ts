import type { CacheBackend } from '../core/model.js';
import type { Environment } from '../core/model.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import type { Log } from '../log.js';
import { buildxBuildArgs, buildxEnv } from './buildx-args.js';
import {
  assessGhaCache,
  ENGINE_FACTS_FORMAT,
  GHA_BACKEND_FIX,
  ghaCacheTroubleIn,
  reportGhaCacheTrouble,
  ghaSetupFailureIn,
  parseBuildxInspect,
  parseBuildxVersion,
  parseEngineFacts,
  type EngineFacts,
  type GhaCacheTrouble,
} from './buildx-info.js';
import { readGhaCacheEnvironment, type GhaCacheEnvironment } from './cache-env.js';
import { countPlainSteps, readRawJsonProgress } from './progress.js';
import type { Exec } from '../exec.js';
import { BuildFailure, type BuildJob, type CacheState, type ImageBuilder } from './types.js';

export interface BuildxSettings {
  readonly builder: string | undefined;
  /** The `load` input: load images into the engine even where an OCI layout could be measured. */
  readonly load: boolean;
  readonly cache: CacheBackend;
  readonly cacheScope: string;
}

export type BuildxDetection =
  | { readonly available: true; readonly builder: ImageBuilder }
  | { readonly available: false; readonly reason: string };

/**
 * Returns a buildx builder when `docker buildx` works, with the gha cache on only where the
 * builder can export it; otherwise why not, so the caller can fall back to the engine.
 */
export async function detectBuildx(
  exec: Exec,
  settings: BuildxSettings,
  env: Environment,
  log: Log,
): Promise<BuildxDetection> {
  // Every docker call sees the same environment (DOCKER_HOST, DOCKER_CONFIG, the cache variables).
  const childEnv = buildxEnv(env);
  const version = await exec('docker', ['buildx', 'version'], { env: childEnv });
  if (version.exitCode !== 0) return { available: false, reason: 'docker buildx is not installed' };
  const buildxVersion = parseBuildxVersion(version.stdout);

  const inspectArgs = ['buildx', 'inspect', ...(settings.builder ? [settings.builder] : [])];
  const inspect = await exec('docker', inspectArgs, { env: childEnv });
  if (inspect.exitCode !== 0) {
    const detail = (inspect.stderr.trim() || inspect.stdout.trim()).split('\n').at(-1) ?? '';
    return {
      available: false,
      reason: `docker ${inspectArgs.join(' ')} failed (${detail})`,
    };
  }
  const builderInfo = parseBuildxInspect(inspect.stdout);
  const cacheEnvironment = readGhaCacheEnvironment(env);
  const driver = builderInfo?.driver;
  // Asked once: it decides both the cache and whether an OCI layout can be exported.
  const engine = await readEngineFacts(exec, childEnv);
  const containerdStore = engine.containerdStore;
  let cache = settings.cache;
  let cacheState: CacheState = describeCacheEnvironment(settings.cache, cacheEnvironment);
  // Without the runner's variables the cache is off anyway, and buildx-args says why once.
  if (
    cache === 'gha' &&
    cacheEnvironment.missing.length === 0 &&
    cacheEnvironment.mode !== 'none'
  ) {
    const capability = assessGhaCache({
      serviceVersion: cacheEnvironment.serviceVersion,
      buildxVersion,
      buildkitVersion: builderInfo?.buildkitVersion,
      driver,
      // Older buildx prints the engine's version where the docker driver's BuildKit belongs.
      engineVersion: builderInfo?.engineVersion ?? engine.serverVersion,
      containerdStore,
    });
    if (!capability.ok) {
      log.warning(`The GitHub Actions cache is off for this run. ${capability.reasons.join(' ')}`);
      cache = 'none';
      cacheState = { on: false, note: capability.offNote ?? 'off: this builder cannot use it' };
    }
    for (const note of capability.unverified) log.info(note);
  }
  // The docker driver exports an OCI layout only on the containerd store; other drivers always.
  const exportsOci = driver !== undefined && (driver !== 'docker' || containerdStore);
  const measureFrom = exportsOci && !settings.load ? 'oci' : 'engine';
  log.info(
    `Building with docker buildx ${buildxVersion ?? '(unknown version)'}, builder ${builderInfo?.name ?? 'default'} (${driver ?? 'unknown driver'}), cache ${cache === 'gha' ? 'gha' : 'off'}, ${measureFrom === 'oci' ? 'measured from an OCI layout (not loaded; input `load: true` loads)' : 'loaded into the engine'}.`,
  );

  // rawjson says reliably which steps came from a cache; buildx before 0.13 does not have it.
  const progress =
    buildxVersion !== undefined && semver.gte(buildxVersion, '0.13.0') ? 'rawjson' : 'plain';
  const reported = new Set<string>();
  const variablesFix = `the runner sets ACTIONS_RUNTIME_TOKEN and ${cacheEnvironment.serviceVersion === 2 ? 'ACTIONS_RESULTS_URL' : 'ACTIONS_CACHE_URL'}; check that no earlier step or \`env:\` overwrites them`;
  /** BuildKit goes on when the gha cache fails to restore or save: the run warns once. */
  const noteTrouble = (service: string, trouble: GhaCacheTrouble): CacheState | undefined => {
    const report = reportGhaCacheTrouble({
      service,
      trouble,
      cache: cacheState,
      mode: cacheEnvironment.mode,
      variablesFix,
    });
    if (report === undefined) return undefined;
    if (!reported.has(GHA_TROUBLE_WARNED)) log.warning(report.warning);
    reported.add(GHA_TROUBLE_WARNED);
    return report.cache;
  };
  // Set by the first build whose gha cache BuildKit could not set up; later builds go without.
  let ghaSetupFailure: string | undefined;
  const builder: ImageBuilder = {
    method: 'buildx',
    cache: cacheState,
    platforms: builderInfo?.platforms.length ? builderInfo.platforms : undefined,
    // `--load` of several platforms needs the containerd store; an OCI layout holds them all.
    buildsPlatformsTogether: measureFrom === 'oci',
    exportsOciLayout: measureFrom === 'oci',
    async build(job: BuildJob) {
      const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-buildx-'));
      // Outlives this call: the pipeline measures it, then deletes it.
      const ociLayout =
        measureFrom === 'oci'
          ? await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-oci-'))
          : undefined;
      try {
        const attempt = async (cacheOfAttempt: CacheBackend) => {
          const plan = buildxBuildArgs({
            serviceName: job.serviceName,
            build: job.build,
            platform: job.multiPlatform?.join(',') ?? job.platform,
            globalBuildArgs: job.globalBuildArgs,
            builder: settings.builder,
            cache: cacheOfAttempt,
            cacheScopePrefix: settings.cacheScope,
            cacheEnvironment,
            iidFile: path.join(workDirectory, 'iid'),
            progress,
            output: ociLayout ? { ociLayout } : undefined,
            tags: [job.runTag, job.tag],
          });
          for (const warning of plan.warnings) {
            if (!reported.has(warning)) log.warning(warning);
            reported.add(warning);
          }
          const result = await exec('docker', plan.args, { env: childEnv });
          // buildx writes its progress to stderr.
          const progressRead =
            progress === 'rawjson'
              ? readRawJsonProgress(result.stderr)
              : { lines: result.stderr.split('\n'), steps: undefined };
          const logLines = [...result.stdout.split('\n'), ...progressRead.lines].filter(
            (line) => line !== '',
          );
          const steps = progressRead.steps ?? countPlainSteps(logLines);
          const failure =
            result.exitCode === 0
              ? undefined
              : (lastErrorLine(logLines) ?? `docker buildx exited ${result.exitCode}`);
          return { logLines, steps, failure };
        };

        // Decided before the await: a build running beside this one may fail to set the cache up
        // meanwhile, and this build's column must say what this build used.
        const cacheOfFirstAttempt: CacheBackend = ghaSetupFailure === undefined ? cache : 'none';
        let cacheOfBuild: CacheState | undefined =
          cacheOfFirstAttempt === cache ? undefined : GHA_SETUP_FAILED;
        let outcome = await attempt(cacheOfFirstAttempt);
        const setupFailure = outcome.failure && ghaSetupFailureIn(outcome.failure);
        if (cacheOfFirstAttempt === 'gha' && setupFailure) {
          // ignore-error=true covers exporting, not setting the cache up: build again without it.
          if (ghaSetupFailure === undefined) {
            ghaSetupFailure = setupFailure;
            const fix = setupFailure.startsWith('unknown cache') ? GHA_BACKEND_FIX : variablesFix;
            log.warning(
              `The GitHub Actions cache is off for this run: BuildKit could not set it up (${setupFailure}). The images are built without it; ${fix}.`,
            );
          }
          outcome = await attempt('none');
          cacheOfBuild = GHA_SETUP_FAILED;
        }
        const { logLines, steps } = outcome;
        // A failed build never reached its export: only a build that went on says how the cache did.
        if (cacheOfBuild === undefined && cacheOfFirstAttempt === 'gha' && !outcome.failure) {
          cacheOfBuild = noteTrouble(job.serviceName, ghaCacheTroubleIn(logLines));
        }
        if (outcome.failure !== undefined) {
          throw new BuildFailure(outcome.failure, logLines, steps, cacheOfBuild);
        }
        // For several platforms the file holds the index's digest, not an image's.
        const configDigest = job.multiPlatform
          ? undefined
          : (await readFile(path.join(workDirectory, 'iid'), 'utf8')).trim();
        return {
          reference: job.runTag,
          configDigest,
          ociLayout,
          logLines,
          steps,
          ...(cacheOfBuild ? { cache: cacheOfBuild } : {}),
        };
      } catch (error) {
        // The layout outlives a build only when there is an image in it to measure.
        if (ociLayout) await rm(ociLayout, { recursive: true, force: true });
        throw error;
      } finally {
        await rm(workDirectory, { recursive: true, force: true });
      }
    },
  };
  return { available: true, builder };
}

/** The cache state that the runner's variables and the `cache` input alone decide. */
function describeCacheEnvironment(
  input: CacheBackend,
  environment: GhaCacheEnvironment,
): CacheState {
  if (input === 'none') return { on: false, note: 'off: input `cache` is none' };
  if (environment.missing.length > 0) {
    return { on: false, note: `off: ${environment.missing.join(' and ')} not set` };
  }
  if (environment.mode === 'none') return { on: false, note: 'off: ACTIONS_CACHE_MODE is none' };
  const access = { 'read-write': 'read and write', read: 'read only', 'write-only': 'write only' }[
    environment.mode
  ];
  return { on: true, note: `gha (service v${environment.serviceVersion}), ${access}` };
}

async function readEngineFacts(exec: Exec, env: Record<string, string>): Promise<EngineFacts> {
  const info = await exec('docker', ['info', '--format', ENGINE_FACTS_FORMAT], { env });
  if (info.exitCode !== 0) return { containerdStore: false, serverVersion: undefined };
  return parseEngineFacts(info.stdout);
}

const GHA_TROUBLE_WARNED = 'the gha cache failed in a build that went on';

const GHA_SETUP_FAILED: CacheState = {
  on: false,
  note: 'off: BuildKit could not set up the gha cache (see the warning)',
};

function lastErrorLine(lines: readonly string[]): string | undefined {
  return [...lines]
    .reverse()
    .find((line) => /^ERROR:|error:/i.test(line))
    ?.replace(/^ERROR:\s*/, '');
}
