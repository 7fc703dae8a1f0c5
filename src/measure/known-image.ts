import type { LayerShape } from '../core/model.js';
import type { ImageIdentity, MeasureOptions } from './image-content.js';
import { countBaseLayers } from './image-content.js';
import type { ImageMeasurement, LayerMeasurement } from './types.js';

/**
 * The measurement of an image the baseline entry recorded, taken from the entry instead of
 * streaming the image: the same config digest means the same layers, history and platform, so
 * every number is the one a full read gives. Undefined when the entry cannot stand in for a full
 * read: another image, an entry that does not add up (edited by hand), a compressed size a full
 * read would have to estimate, or an analysis asked for that the entry did not keep.
 */
export function measurementFromBaseline(
  entry: RecordedImage,
  identity: ImageIdentity,
  options: MeasureOptions,
): ImageMeasurement | undefined {
  const { diffIds } = identity;
  if (entry.imageId === undefined || entry.imageId !== identity.imageId) return undefined;
  if (entry.platform === undefined || entry.layers.length !== diffIds.length) return undefined;
  if (entry.layers.some((layer, index) => layer.diffId !== diffIds[index])) return undefined;
  if (entry.layers.reduce((sum, layer) => sum + layer.size, 0) !== entry.size) return undefined;
  if (options.analyse === true && entry.wasted === undefined) return undefined;

  const compressed = identity.compressedBlobs ?? knownSizes(diffIds, options.knownCompressed);
  if (compressed === undefined || compressed.length !== diffIds.length) return undefined;
  const baseLayers = countBaseLayers(diffIds, options.baseLayerDiffIds);
  const layers = entry.layers.map((layer, index): LayerMeasurement => ({
    diffId: layer.diffId,
    size: layer.size,
    ...(compressed[index] === undefined ? {} : { compressed: compressed[index] }),
    instruction: layer.instruction,
    base: index < baseLayers,
  }));
  return {
    imageId: identity.imageId,
    size: entry.size,
    ...(layers.length > 0
      ? {
          compressed: compressed.reduce((sum, bytes) => sum + bytes, 0),
          // Blob sizes are exact; sizes remembered for uncompressed layers were estimates.
          ...(identity.compressedBlobs === undefined ? { compressedEstimated: true } : {}),
        }
      : {}),
    platform: entry.platform,
    layers,
    ...(options.baseImage && baseLayers > 0 ? { baseImage: options.baseImage } : {}),
    fromBaseline: { wastedBytes: options.analyse === true ? entry.wasted : undefined },
  };
}

/** What a baseline entry recorded of an image (a baseline entry is one). */
export interface RecordedImage {
  readonly size: number;
  readonly platform?: string | undefined;
  readonly imageId?: string | undefined;
  readonly wasted?: number | undefined;
  readonly layers: readonly LayerShape[];
}

function knownSizes(
  diffIds: readonly string[],
  known: ReadonlyMap<string, number> | undefined,
): number[] | undefined {
  const sizes: number[] = [];
  for (const diffId of diffIds) {
    const size = known?.get(diffId);
    if (size === undefined) return undefined;
    sizes.push(size);
  }
  return sizes;
}
