import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { errorMessage } from '../core/errors.js';
import { isObject } from '../core/json-guards.js';
import { buildContextDirectories } from './context.js';
import { followEngineProgress } from './engine-progress.js';
import { countEngineSteps } from './progress.js';
import { openBuildSession } from './session/session.js';
import { mergeBuildArgs } from './buildx-args.js';
import { BuildFailure, type BuildJob, type BuildOutcome, type ImageBuilder } from './types.js';

/**
 * Builds with the engine's own BuildKit (the `/build` API with `version=2`), which needs no buildx
 * but cannot export a cache: the fallback where buildx is missing. The context and Dockerfile are
 * served over a BuildKit session, as the docker CLI does, never uploaded as a tar: Docker 26 with
 * the containerd image store cannot read an uploaded context.
 */
export async function buildWithEngine(docker: Docker, request: BuildJob): Promise<BuildOutcome> {
  const { context, dockerfile } = request.build;
  const session = await openBuildSession(docker, buildContextDirectories(context, dockerfile));
  const options: Record<string, string | string[]> = {
    t: [request.runTag, request.tag],
    remote: 'client-session',
    session: session.id,
    dockerfile: path.basename(dockerfile),
    buildargs: JSON.stringify(mergeBuildArgs(request.globalBuildArgs, request.build.args)),
    version: '2',
    rm: 'true',
    forcerm: 'true',
  };
  if (request.build.target) options['target'] = request.build.target;
  if (request.platform) options['platform'] = request.platform;

  const logLines: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  try {
    const stream = await startBuild(docker, options);
    await followEngineProgress(docker, stream, (event) => {
      if (event.line !== undefined) logLines.push(event.line);
      if (event.imageId) imageId = event.imageId;
      if (event.error) failure = event.error;
    });
  } catch (error) {
    throw new BuildFailure(errorMessage(error), logLines, countEngineSteps(logLines));
  } finally {
    session.close();
  }
  const sessionFailure = session.failure();
  if (failure !== undefined) {
    throw new BuildFailure(
      sessionFailure ? `${failure} (sending the context: ${sessionFailure.message})` : failure,
      logLines,
      countEngineSteps(logLines),
    );
  }
  if (!imageId) throw new BuildFailure('the engine finished without reporting an image', logLines);
  // The reported ID is the config digest on the classic store but the manifest digest on the
  // containerd store: the tag is the one name both know.
  return { reference: request.runTag, logLines, steps: countEngineSteps(logLines) };
}

/** `POST /build` with an empty body: the context comes through the session. */
function startBuild(
  docker: Docker,
  options: Readonly<Record<string, string | string[]>>,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        options,
        file: Readable.from([]),
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (error: unknown, stream: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error(errorMessage(error)));
        else if (isReadable(stream)) resolve(stream);
        else reject(new Error('the engine answered the build without a progress stream'));
      },
    );
  });
}

function isReadable(value: unknown): value is NodeJS.ReadableStream {
  return (
    isObject(value) && typeof value['pipe'] === 'function' && typeof value['on'] === 'function'
  );
}

export function createEngineBuilder(docker: Docker): ImageBuilder {
  return {
    method: 'engine',
    cache: { on: false, note: "off: the engine's own BuildKit cannot use it" },
    build: (job) => buildWithEngine(docker, job),
  };
}
