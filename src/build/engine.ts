import type Docker from 'dockerode';
import { isObject } from '../json-guards.js';
import { packBuildContext } from './context.js';
import { mergeBuildArgs } from './buildx-args.js';
import { BuildFailure, type BuildJob, type ImageBuilder } from './types.js';

export interface BuildOutcome {
  readonly imageId: string;
  readonly logLines: readonly string[];
}

/**
 * Builds with the engine's own BuildKit (the `/build` API with `version=2`), which needs no buildx
 * but cannot export a cache: the fallback where buildx is missing.
 */
export async function buildWithEngine(docker: Docker, request: BuildJob): Promise<BuildOutcome> {
  const context = packBuildContext(request.build.context, request.build.dockerfile);
  const options: Record<string, string> = {
    t: request.tag,
    dockerfile: context.dockerfileInArchive,
    buildargs: JSON.stringify(mergeBuildArgs(request.globalBuildArgs, request.build.args)),
    version: '2',
    rm: 'true',
    forcerm: 'true',
  };
  if (request.build.target) options['target'] = request.build.target;
  if (request.platform) options['platform'] = request.platform;

  const stream = await docker.buildImage(
    context.stream as unknown as NodeJS.ReadableStream,
    options,
  );
  const logLines: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    followBuildProgress(
      docker,
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else resolve();
      },
      (event: unknown) => {
        const parsed = readBuildEvent(event);
        if (parsed.line !== undefined) logLines.push(parsed.line);
        if (parsed.imageId) imageId = parsed.imageId;
        if (parsed.error) failure = parsed.error;
      },
    );
  }).catch((error: unknown) => {
    throw new BuildFailure(error instanceof Error ? error.message : String(error), logLines);
  });
  if (failure !== undefined) throw new BuildFailure(failure, logLines);
  if (!imageId) throw new BuildFailure('the engine finished without reporting an image', logLines);
  return { imageId, logLines };
}

type ProgressCallbacks = [
  onFinished: (error: Error | null) => void,
  onProgress: (event: unknown) => void,
];

interface BuildKitAwareDocker {
  followProgress(stream: NodeJS.ReadableStream, ...callbacks: ProgressCallbacks): void;
}

function isBuildKitAware(docker: unknown): docker is BuildKitAwareDocker {
  return isObject(docker) && typeof docker['followProgress'] === 'function';
}

/** dockerode ≥ 4.0.5 decodes BuildKit's protobuf trace into log lines; older ones do not. */
function followBuildProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  ...callbacks: ProgressCallbacks
): void {
  if (isBuildKitAware(docker)) docker.followProgress(stream, ...callbacks);
  else docker.modem.followProgress(stream, ...callbacks);
}

interface BuildEvent {
  readonly line?: string;
  readonly imageId?: string;
  readonly error?: string;
}

const BUILT_IMAGE = /^Built image: (sha256:[a-f0-9]{64})\s*$/;

/** One event of the build stream, as decoded by dockerode (BuildKit traces become lines). */
export function readBuildEvent(event: unknown): BuildEvent {
  if (!isObject(event)) return {};
  const errorDetail = event['errorDetail'];
  const errorText =
    (isObject(errorDetail) && typeof errorDetail['message'] === 'string'
      ? errorDetail['message']
      : undefined) ?? (typeof event['error'] === 'string' ? event['error'] : undefined);
  if (errorText !== undefined) return { line: `ERROR: ${errorText}`, error: errorText };
  const aux = event['aux'];
  if (isObject(aux) && typeof aux['ID'] === 'string') return { imageId: aux['ID'] };
  const text = typeof event['stream'] === 'string' ? event['stream'].replace(/\n$/, '') : undefined;
  if (text === undefined) return {};
  const built = BUILT_IMAGE.exec(text);
  return built?.[1] ? { line: text, imageId: built[1] } : { line: text };
}

export function createEngineBuilder(docker: Docker): ImageBuilder {
  return { method: 'engine', build: (job) => buildWithEngine(docker, job) };
}
