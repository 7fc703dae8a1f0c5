import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Log } from '../log.js';
import { buildxBuildArgs, buildxEnv, type CacheInput } from './buildx-args.js';
import { assessGhaCache, parseBuildxInspect, parseBuildxVersion } from './buildx-info.js';
import { readGhaCacheEnvironment, type ProcessEnvironment } from './cache-env.js';
import { BuildFailure } from './engine.js';
import type { Exec } from './exec.js';
import type { BuildJob, ImageBuilder } from './types.js';

export interface BuildxSettings {
  readonly builder: string | undefined;
  readonly cache: CacheInput;
  readonly cacheScope: string;
}

/**
 * Returns a buildx builder when `docker buildx` works, with the gha cache on only where the
 * builder can export it; undefined when buildx is missing (the caller falls back to the engine).
 */
export async function detectBuildx(
  exec: Exec,
  settings: BuildxSettings,
  env: ProcessEnvironment,
  log: Log,
): Promise<ImageBuilder | undefined> {
  const version = await exec('docker', ['buildx', 'version']);
  if (version.exitCode !== 0) return undefined;
  const buildxVersion = parseBuildxVersion(version.stdout);

  const inspectArgs = ['buildx', 'inspect', ...(settings.builder ? [settings.builder] : [])];
  const inspect = await exec('docker', inspectArgs);
  if (inspect.exitCode !== 0) {
    throw new Error(
      `docker buildx inspect ${settings.builder ?? ''} failed: ${inspect.stderr.trim() || inspect.stdout.trim()}`,
    );
  }
  const builderInfo = parseBuildxInspect(inspect.stdout);
  let cache = settings.cache;
  if (cache === 'gha') {
    const capability = assessGhaCache({
      buildxVersion,
      buildkitVersion: builderInfo?.buildkitVersion,
      driver: builderInfo?.driver,
      containerdStore: await usesContainerdStore(exec),
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

  const cacheEnvironment = readGhaCacheEnvironment(env);
  const reported = new Set<string>();
  return {
    method: 'buildx',
    async build(job: BuildJob) {
      const workDirectory = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-buildx-'));
      try {
        const plan = buildxBuildArgs({
          serviceName: job.serviceName,
          build: { ...job.build, args: job.buildArgs },
          platform: job.platform,
          globalBuildArgs: {},
          builder: settings.builder,
          cache,
          cacheScopePrefix: settings.cacheScope,
          cacheEnvironment,
          iidFile: path.join(workDirectory, 'iid'),
          metadataFile: path.join(workDirectory, 'metadata.json'),
          tag: job.tag,
        });
        for (const warning of plan.warnings) {
          if (!reported.has(warning)) log.warning(warning);
          reported.add(warning);
        }
        const result = await exec('docker', plan.args, { env: buildxEnv(env) });
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
        const imageId = (await readFile(path.join(workDirectory, 'iid'), 'utf8')).trim();
        return { imageId, logLines };
      } finally {
        await rm(workDirectory, { recursive: true, force: true });
      }
    },
  };
}

async function usesContainerdStore(exec: Exec): Promise<boolean> {
  const info = await exec('docker', ['info', '--format', '{{json .DriverStatus}}']);
  return info.exitCode === 0 && info.stdout.includes('io.containerd.snapshotter');
}

function lastErrorLine(lines: readonly string[]): string | undefined {
  return [...lines]
    .reverse()
    .find((line) => /^ERROR:|error:/i.test(line))
    ?.replace(/^ERROR:\s*/, '');
}
