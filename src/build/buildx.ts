import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Log } from '../log.js';
import { buildxBuildArgs, buildxEnv, type CacheInput } from './buildx-args.js';
import { assessGhaCache, parseBuildxInspect, parseBuildxVersion } from './buildx-info.js';
import { readGhaCacheEnvironment, type ProcessEnvironment } from './cache-env.js';
import type { Exec } from './exec.js';
import { BuildFailure, type BuildJob, type ImageBuilder } from './types.js';

export interface BuildxSettings {
  readonly builder: string | undefined;
  readonly cache: CacheInput;
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
  env: ProcessEnvironment,
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
  let cache = settings.cache;
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
      driver: builderInfo?.driver,
      containerdStore: await usesContainerdStore(exec, childEnv),
    });
    if (!capability.ok) {
      log.warning(`The GitHub Actions cache is off for this run. ${capability.reasons.join(' ')}`);
      cache = 'none';
    }
    for (const note of capability.unverified) log.info(note);
  }
  log.info(
    `Building with docker buildx ${buildxVersion ?? '(unknown version)'}, builder ${builderInfo?.name ?? 'default'} (${builderInfo?.driver ?? 'unknown driver'}), cache ${cache === 'gha' ? 'gha' : 'off'}.`,
  );

  const reported = new Set<string>();
  const builder: ImageBuilder = {
    method: 'buildx',
    async build(job: BuildJob) {
      const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-buildx-'));
      try {
        const plan = buildxBuildArgs({
          serviceName: job.serviceName,
          build: job.build,
          platform: job.platform,
          globalBuildArgs: job.globalBuildArgs,
          builder: settings.builder,
          cache,
          cacheScopePrefix: settings.cacheScope,
          cacheEnvironment,
          iidFile: path.join(workDirectory, 'iid'),
          tags: [job.runTag, job.tag],
        });
        for (const warning of plan.warnings) {
          if (!reported.has(warning)) log.warning(warning);
          reported.add(warning);
        }
        const result = await exec('docker', plan.args, { env: childEnv });
        // buildx writes its progress to stderr.
        const logLines = `${result.stdout}\n${result.stderr}`
          .split('\n')
          .filter((line) => line !== '');
        if (result.exitCode !== 0) {
          throw new BuildFailure(
            lastErrorLine(logLines) ?? `docker buildx exited ${result.exitCode}`,
            logLines,
          );
        }
        const configDigest = (await readFile(path.join(workDirectory, 'iid'), 'utf8')).trim();
        return { reference: job.runTag, configDigest, logLines };
      } finally {
        await rm(workDirectory, { recursive: true, force: true });
      }
    },
  };
  return { available: true, builder };
}

async function usesContainerdStore(exec: Exec, env: Record<string, string>): Promise<boolean> {
  const info = await exec('docker', ['info', '--format', '{{json .DriverStatus}}'], { env });
  return info.exitCode === 0 && info.stdout.includes('io.containerd.snapshotter');
}

function lastErrorLine(lines: readonly string[]): string | undefined {
  return [...lines]
    .reverse()
    .find((line) => /^ERROR:|error:/i.test(line))
    ?.replace(/^ERROR:\s*/, '');
}
