import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import { isObject } from '../json-guards.js';
import { buildContextDirectories } from './context.js';
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
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
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
  return {
    method: 'engine',
    cache: { on: false, note: "off: the engine's own BuildKit cannot use it" },
    build: (job) => buildWithEngine(docker, job),
  };
}
