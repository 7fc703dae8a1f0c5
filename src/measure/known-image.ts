import type { LayerShape } from '../core/model.js';
import type { ImageIdentity, MeasureOptions } from './image-content.js';
import { countBaseLayers } from './image-content.js';
import { platformMatches } from '../core/platforms.js';
import type { ImageMeasurement, LayerMeasurement } from './types.js';

/**
 * The measurement of an image whose layers the baseline entry recorded, taken from the entry
 * instead of streaming the layers. Layers are content-addressed: the same diffIDs in the same
 * order are the same bytes, so each layer's size (and the waste between them) is the entry's.
 * What the config says (instructions, platform) comes from the config when it was read (an OCI
 * layout); on the engine path, where only an inspect was made, the config digest must be the
 * entry's own, so that the config is the one the entry was written from. Undefined when the
 * entry cannot stand in for a full read: other layers, an entry that does not add up (edited by
 * hand), a compressed size a full read would have to estimate, or an analysis the entry did not
 * keep.
 */
export function measurementFromBaseline(
  entry: RecordedImage,
  identity: ImageIdentity,
  options: MeasureOptions,
): ImageMeasurement | undefined {
  const { diffIds } = identity;
  if (entry.layers.length === 0 || entry.layers.length !== diffIds.length) return undefined;
  if (entry.layers.some((layer, index) => layer.diffId !== diffIds[index])) return undefined;
  if (entry.layers.reduce((sum, layer) => sum + layer.size, 0) !== entry.size) return undefined;
  if (options.analyse === true && entry.wasted === undefined) return undefined;
  const described = describedBy(entry, identity);
  if (described === undefined) return undefined;
  if (options.platform && !platformMatches(described.platform, options.platform)) return undefined;

  const compressed = identity.compressedBlobs ?? knownSizes(diffIds, options.knownCompressed);
  if (compressed === undefined || compressed.length !== diffIds.length) return undefined;
  const baseLayers = countBaseLayers(diffIds, options.baseLayerDiffIds);
  const layers = entry.layers.map((layer, index): LayerMeasurement => ({
    diffId: layer.diffId,
    size: layer.size,
    ...(compressed[index] === undefined ? {} : { compressed: compressed[index] }),
    instruction: described.instructions[index] ?? layer.instruction,
    base: index < baseLayers,
  }));
  return {
    imageId: identity.imageId,
    size: entry.size,
    compressed: compressed.reduce((sum, bytes) => sum + bytes, 0),
    // Blob sizes are exact; sizes remembered for uncompressed layers were estimates.
    ...(identity.compressedBlobs === undefined ? { compressedEstimated: true } : {}),
    platform: described.platform,
    layers,
    ...(options.baseImage && baseLayers > 0 ? { baseImage: options.baseImage } : {}),
    fromBaseline: { wastedBytes: options.analyse === true ? entry.wasted : undefined },
  };
}

/** Instructions and platform: the config's when it was read, else the entry's for its own image. */
function describedBy(
  entry: RecordedImage,
  identity: ImageIdentity,
): { readonly instructions: readonly string[]; readonly platform: string } | undefined {
  if (identity.config !== undefined) return identity.config;
  if (entry.imageId === undefined || entry.imageId !== identity.imageId) return undefined;
  if (entry.platform === undefined) return undefined;
  return {
    instructions: entry.layers.map((layer) => layer.instruction),
    platform: entry.platform,
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
