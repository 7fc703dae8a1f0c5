import type Docker from 'dockerode';
import { isObject } from '../core/json-guards.js';

/**
 * Following the engine's progress streams (`/build`, `/images/create`), the one way for every
 * caller: docker-modem's follower resolves even when the stream reports an error, so errors are
 * read from the events themselves, and a stream that breaks rejects.
 */
export function followEngineProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    followBuildProgress(
      docker,
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else resolve();
      },
      (event: unknown) => {
        onEvent(readEngineEvent(event));
      },
    );
  });
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

export interface EngineEvent {
  readonly line?: string;
  readonly imageId?: string;
  readonly error?: string;
}

const BUILT_IMAGE = /^Built image: (sha256:[a-f0-9]{64})\s*$/;

/** One event of the build stream, as decoded by dockerode (BuildKit traces become lines). */
export function readEngineEvent(event: unknown): EngineEvent {
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
