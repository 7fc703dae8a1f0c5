import type Docker from 'dockerode';
import { isObject } from '../json-guards.js';

/**
 * Makes sure a prebuilt image is in the engine, pulling it when it is not. docker-modem's
 * progress follower resolves even when the stream reports an error, so errors are read from
 * the events themselves.
 */
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
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error) reject(error);
        else resolve();
      },
      (event: unknown) => {
        if (!isObject(event)) return;
        const detail = event['errorDetail'];
        if (isObject(detail) && typeof detail['message'] === 'string')
          streamError = detail['message'];
        else if (typeof event['error'] === 'string') streamError = event['error'];
      },
    );
  });
  if (streamError !== undefined) throw new Error(`pulling ${reference} failed: ${streamError}`);
  return 'pulled';
}
