import type Docker from 'dockerode';
import { errorMessage } from '../core/errors.js';
import {
  ImageFormatError,
  measureImageArchive,
  type ImageIdentity,
  type MeasureOptions,
} from './image-content.js';
import type { ImageMeasurement } from './types.js';

/**
 * The identity of an image in the engine, from one inspect: its layers' diffIDs and its config
 * digest (`configDigest` when the builder reported it; else the inspect ID, which is the config
 * digest on the classic store and the manifest digest on the containerd store, so that there it
 * never matches a recorded config digest and the image is read in full).
 */
export async function identifyEngineImage(
  docker: Docker,
  reference: string,
  configDigest: string | undefined,
): Promise<ImageIdentity> {
  const inspected = await docker.getImage(reference).inspect();
  return {
    imageId: configDigest ?? inspected.Id,
    diffIds: inspected.RootFS.Layers ?? [],
    compressedBlobs: undefined,
  };
}

/**
 * Streams the image out of the engine (`docker save`) and measures it in the same pass; the
 * archive is never written to disk or held in memory.
 */
export async function measureEngineImage(
  docker: Docker,
  reference: string,
  options: MeasureOptions = {},
): Promise<ImageMeasurement> {
  const image = docker.getImage(reference);
  let effective = options;
  if (options.createSizer && options.knownCompressed) {
    // An export before Docker 25 names layers by legacy IDs, so a layer's diffID is known only
    // once it has been read. When every layer is already known, skip the estimates up front.
    const known = options.knownCompressed;
    const inspected = await image.inspect();
    if (inspected.RootFS.Layers?.every((diffId) => known.has(diffId))) {
      effective = { ...options, createSizer: undefined };
    }
  }
  const archive = (await image.get()) as AsyncIterable<Buffer>;
  let received = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of archive) {
      received += chunk.length;
      yield chunk;
    }
  }
  try {
    return await measureImageArchive(counted(), effective);
  } catch (error) {
    if (error instanceof ImageFormatError) throw error;
    // The connection dropped (engine restarted, proxy cut, socket closed): say so plainly.
    throw new Error(
      `the engine's export of the image broke off after ${received} bytes (${errorMessage(error)}); is the engine still running?`,
      { cause: error },
    );
  }
}
