import { MAX_DATABASE_BYTES_PER_IMAGE } from './packages/databases.js';
import { isNotFound } from '../core/errors.js';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isObject } from '../core/json-guards.js';
import {
  createBlobSink,
  type BlobContent,
  type CompressedSizer,
  type LayerReadOptions,
  type LayerStats,
} from './blob.js';
import { analyseLayers } from './deep-analysis.js';
import { platformMatches } from '../core/platforms.js';
import { diffIdsOf, layerInstructions, platformOf } from './history.js';
import {
  ImageFormatError,
  locateFromDockerManifest,
  locateFromOciIndex,
  lookupJson,
  normaliseEntryPath,
  type BlobLookup,
} from './image-index.js';

export { ImageFormatError, identifyOciLayoutImage, type ImageIdentity } from './image-index.js';
import { TarReader } from './tar-reader.js';
import type { ImageMeasurement, LayerMeasurement } from './types.js';

export interface MeasureOptions {
  /** Which platform to pick from a multi-platform index (`linux/amd64`). */
  readonly platform?: string | undefined;
  /** Estimates compressed sizes of uncompressed layers; absent: no estimate. */
  readonly createSizer?: (() => CompressedSizer) | undefined;
  /** Compressed sizes already known by diffID (the baseline): never estimated again. */
  readonly knownCompressed?: ReadonlyMap<string, number> | undefined;
  /** Record every entry and run the deep analysis (files, waste, hints). */
  readonly analyse?: boolean | undefined;
  /** Layers [0, baseLayers) come from the final stage's base image. */
  readonly baseLayerDiffIds?: readonly string[] | undefined;
  readonly baseImage?: string | undefined;
  /**
   * Uncompressed sizes already known by diffID (the baseline). Without the analysis, a layer of an
   * OCI layout directory whose diffID is here is not read: its size is this one (layers are
   * content-addressed) and its blob's is the file's.
   */
  readonly knownLayerSizes?: ReadonlyMap<string, number> | undefined;
}

/**
 * Measures an image from a `docker save` stream in one pass. Understands the Docker < 25 layout
 * (`<id>/layer.tar`, `manifest.json`) and the OCI layout that Docker ≥ 25 and the containerd
 * store write (`blobs/sha256/…`, `index.json`), with uncompressed, gzip or zstd layers.
 */
export async function measureImageArchive(
  archive: AsyncIterable<Buffer>,
  options: MeasureOptions = {},
): Promise<ImageMeasurement> {
  const contents = new Map<string, BlobContent>();
  const links = new Map<string, string>();
  const budget = { remaining: MAX_DATABASE_BYTES_PER_IMAGE };
  const reader = new TarReader((header) => {
    const name = normaliseEntryPath(header.name);
    if (header.type === 'symlink' || header.type === 'hardlink') {
      const target =
        header.type === 'symlink'
          ? normaliseEntryPath(path.posix.join(path.posix.dirname(name), header.linkname))
          : normaliseEntryPath(header.linkname);
      links.set(name, target);
      return undefined;
    }
    if (header.type !== 'file') return undefined;
    return createBlobSink(
      (content) => contents.set(name, content),
      blobOptions(name, options, budget),
    );
  });
  for await (const chunk of archive) await reader.push(chunk);
  reader.finish();
  if (!reader.sawAnything) throw new ImageFormatError('the image archive is empty');

  const lookup: BlobLookup = (entryPath) => {
    let name = normaliseEntryPath(entryPath);
    for (let hops = 0; hops < 8 && links.has(name); hops += 1) name = links.get(name) ?? name;
    return Promise.resolve(contents.get(name));
  };
  return resolveImage(lookup, options);
}

/** Measures an OCI image layout directory (what `buildx --output type=oci,tar=false` writes). */
export async function measureOciLayoutDirectory(
  directory: string,
  options: MeasureOptions = {},
): Promise<ImageMeasurement> {
  const root = path.resolve(directory);
  const budget = { remaining: MAX_DATABASE_BYTES_PER_IMAGE };
  const lookup: BlobLookup = async (entryPath) => {
    const file = path.join(root, ...normaliseEntryPath(entryPath).split('/'));
    if (!file.startsWith(root + path.sep)) return undefined;
    if (entryPath === 'index.json' || entryPath === 'manifest.json') {
      try {
        return { kind: 'json', text: await readFile(file, 'utf8') };
      } catch {
        return undefined;
      }
    }
    return readBlobFile(file, blobOptions(normaliseEntryPath(entryPath), options, budget));
  };
  const blobBytes = async (entryPath: string): Promise<number | undefined> => {
    const file = path.join(root, ...normaliseEntryPath(entryPath).split('/'));
    if (!file.startsWith(root + path.sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() === true ? info.size : undefined;
  };
  return resolveImage(lookup, options, blobBytes);
}

async function readBlobFile(
  file: string,
  options: LayerReadOptions,
): Promise<BlobContent | undefined> {
  let content: BlobContent | undefined;
  const sink = createBlobSink((result) => {
    content = result;
  }, options);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      await sink.write(chunk as Buffer);
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  await sink.end();
  return content;
}

async function resolveImage(
  lookup: BlobLookup,
  options: MeasureOptions,
  /** A blob's stored size without reading it (a layout directory); absent for a stream. */
  blobBytes?: (entryPath: string) => Promise<number | undefined>,
): Promise<ImageMeasurement> {
  const dockerManifest = await lookupJson(lookup, 'manifest.json');
  const located = Array.isArray(dockerManifest)
    ? locateFromDockerManifest(dockerManifest)
    : await locateFromOciIndex(lookup, options);

  const config = await lookupJson(lookup, located.configPath);
  if (!isObject(config)) {
    throw new ImageFormatError(`the image config ${located.configPath} is missing or not JSON`);
  }
  const diffIds = diffIdsOf(config);
  if (!diffIds) throw new ImageFormatError('the image config has no rootfs.diff_ids');
  if (diffIds.length !== located.layerPaths.length) {
    throw new ImageFormatError(
      `the image config lists ${diffIds.length} layers but the manifest ${located.layerPaths.length}`,
    );
  }

  const stats: LayerStats[] = [];
  for (const [index, layerPath] of located.layerPaths.entries()) {
    const known =
      blobBytes === undefined || options.analyse === true
        ? undefined
        : await knownLayer(
            diffIds[index],
            located.layerBlobs?.[index],
            layerPath,
            options,
            blobBytes,
          );
    if (known !== undefined) {
      stats.push(known);
      continue;
    }
    const content = await lookup(layerPath);
    if (content?.kind !== 'layer') {
      throw new ImageFormatError(`layer ${index + 1} (${layerPath}) is missing from the image`);
    }
    if (content.stats.diffId !== diffIds[index]) {
      throw new ImageFormatError(
        `layer ${index + 1} hashes to ${content.stats.diffId} but the config says ${diffIds[index] ?? '?'}: the archive is corrupt`,
      );
    }
    stats.push(content.stats);
  }

  const platform = platformOf(config);
  if (options.platform && !platformMatches(platform, options.platform)) {
    throw new ImageFormatError(`the image is ${platform}, not ${options.platform}`);
  }
  const instructions = layerInstructions(config, stats.length);
  const baseLayers = countBaseLayers(diffIds, options.baseLayerDiffIds);
  const layers: LayerMeasurement[] = stats.map((layer, index) => {
    const compressed = compressedSizeOf(layer, options.knownCompressed);
    return {
      diffId: layer.diffId,
      size: layer.size,
      ...(compressed === undefined ? {} : { compressed }),
      instruction: instructions[index] ?? `layer ${index + 1}`,
      base: index < baseLayers,
    };
  });
  const compressedLayers = layers.map((layer) => layer.compressed);
  const allCompressed = compressedLayers.every((bytes) => bytes !== undefined);
  const files = stats.map((layer) => layer.files ?? []);
  const analysis = options.analyse ? analyseLayers(files, baseLayers) : undefined;
  return {
    imageId: located.imageId,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    ...(allCompressed && layers.length > 0
      ? {
          compressed: compressedLayers.reduce((sum, bytes) => sum + bytes, 0),
          ...(stats.some((layer) => layer.compression === 'none')
            ? { compressedEstimated: true }
            : {}),
        }
      : {}),
    platform,
    layers,
    ...(options.baseImage && baseLayers > 0 ? { baseImage: options.baseImage } : {}),
    ...(analysis ? { analysis } : {}),
  };
}

/**
 * A layer whose diffID the baseline knows, not read: its size is the one recorded for that
 * diffID, its blob's the file's, its compression the manifest's media type. Undefined when any
 * of these is not known, and the layer is read.
 */
async function knownLayer(
  diffId: string | undefined,
  blob: { readonly mediaType: string | undefined } | undefined,
  layerPath: string,
  options: MeasureOptions,
  blobBytes: (entryPath: string) => Promise<number | undefined>,
): Promise<LayerStats | undefined> {
  const size = diffId === undefined ? undefined : options.knownLayerSizes?.get(diffId);
  const compression = compressionOf(blob?.mediaType);
  if (diffId === undefined || size === undefined || compression === undefined) return undefined;
  // An uncompressed layer's compressed size is an estimate the pass would make, unless known.
  if (compression === 'none' && options.knownCompressed?.has(diffId) !== true) return undefined;
  const bytes = await blobBytes(layerPath);
  if (bytes === undefined) return undefined;
  return {
    diffId,
    size,
    blobBytes: bytes,
    compression,
    estimatedCompressed: undefined,
    files: undefined,
  };
}

function compressionOf(mediaType: string | undefined): LayerStats['compression'] | undefined {
  if (mediaType === undefined) return undefined;
  if (/[.+]gzip$/.test(mediaType)) return 'gzip';
  if (/[.+]zstd$/.test(mediaType)) return 'zstd';
  return /(?:\.tar|rootfs\.diff\.tar)$/.test(mediaType) ? 'none' : undefined;
}

/** Exact for a compressed blob; else an estimate made in the pass, or one remembered. */
function compressedSizeOf(
  layer: LayerStats,
  known: ReadonlyMap<string, number> | undefined,
): number | undefined {
  if (layer.compression !== 'none') return layer.blobBytes;
  return layer.estimatedCompressed ?? known?.get(layer.diffId);
}

/** The base image's layers are a prefix of the image's; anything else means "unknown". */
export function countBaseLayers(
  diffIds: readonly string[],
  base: readonly string[] | undefined,
): number {
  if (!base || base.length > diffIds.length) return 0;
  return base.every((diffId, index) => diffIds[index] === diffId) ? base.length : 0;
}

/**
 * What the pass must do for one blob of an archive. A blob stored under its own digest that is
 * uncompressed is named by its diffID (Docker ≥ 25 exports), so a known size skips the estimate.
 */
function blobOptions(
  name: string,
  options: MeasureOptions,
  databaseBudget: { remaining: number },
): LayerReadOptions {
  const digest = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
  const known = digest !== undefined && options.knownCompressed?.has(`sha256:${digest}`) === true;
  return {
    collectFiles: options.analyse === true,
    createSizer: known ? undefined : options.createSizer,
    databaseBudget,
  };
}
