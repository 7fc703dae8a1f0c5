import type Docker from 'dockerode';
import { isObject } from '../core/json-guards.js';
import { followEngineProgress } from './engine-progress.js';
import { samePlatform } from '../core/platforms.js';

/**
 * Makes sure a prebuilt image is in the engine, for the platform asked for: pulled when it is
 * missing, or when the local tag holds another platform (on the classic store a tag holds one).
 */
export async function ensureImagePresent(
  docker: Docker,
  reference: string,
  platform: string | undefined,
): Promise<'present' | 'pulled'> {
  const inspected = await docker
    .getImage(reference)
    .inspect()
    .catch((error: unknown) => {
      if (isObject(error) && error['statusCode'] === 404) return undefined;
      throw error;
    });
  if (inspected !== undefined) {
    const variant =
      inspected.Variant === undefined || inspected.Variant === '' ? '' : `/${inspected.Variant}`;
    const local = `${inspected.Os}/${inspected.Architecture}${variant}`;
    if (platform === undefined || samePlatform(local, platform)) return 'present';
  }
  const stream = await docker.pull(reference, platform ? { platform } : {});
  let streamError: string | undefined;
  await followEngineProgress(docker, stream, (event) => {
    if (event.error !== undefined) streamError = event.error;
  });
  if (streamError !== undefined) throw new Error(`pulling ${reference} failed: ${streamError}`);
  return 'pulled';
}
