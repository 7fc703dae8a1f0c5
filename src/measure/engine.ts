import type Docker from 'dockerode';
import { measureImageArchive, type MeasureOptions } from './image-content.js';
import type { ImageMeasurement } from './types.js';

/**
 * Streams the image out of the engine (`docker save`) and measures it in the same pass; the
 * archive is never written to disk or held in memory.
 */
export async function measureEngineImage(
  docker: Docker,
  reference: string,
  options: MeasureOptions = {},
): Promise<ImageMeasurement> {
  const archive = await docker.getImage(reference).get();
  return measureImageArchive(archive as AsyncIterable<Buffer>, options);
}
