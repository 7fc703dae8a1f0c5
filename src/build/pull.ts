import type Docker from 'dockerode';
import { isObject } from '../core/json-guards.js';
import { followEngineProgress } from './engine-progress.js';

/** Makes sure a prebuilt image is in the engine, pulling it when it is not. */
export async function ensureImagePresent(
  docker: Docker,
  reference: string,
  platform: string | undefined,
): Promise<'present' | 'pulled'> {
  const inspected = await docker
    .getImage(reference)
    .inspect()
    .then(() => true)
    .catch((error: unknown) => {
      if (isObject(error) && error['statusCode'] === 404) return false;
      throw error;
    });
  if (inspected) return 'present';
  const stream = await docker.pull(reference, platform ? { platform } : {});
  let streamError: string | undefined;
  await followEngineProgress(docker, stream, (event) => {
    if (event.error !== undefined) streamError = event.error;
  });
  if (streamError !== undefined) throw new Error(`pulling ${reference} failed: ${streamError}`);
  return 'pulled';
}
