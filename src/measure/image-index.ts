import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isObject,
  objectArray,
  parseJson,
  stringArray,
  stringMember,
  type JsonObject,
} from '../core/json-guards.js';
import { platformMatches } from '../core/platforms.js';
import type { BlobContent } from './blob.js';
import { diffIdsOf, layerInstructions, platformOf } from './history.js';
import type { MeasureOptions } from './image-content.js';

/**
 * Finding the image in an archive or layout: `manifest.json` (Docker < 25) or the OCI index
 * (nested indexes, the wanted platform, attestations skipped), its config and its layer blobs.
 */

export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
}

/** Reads a path inside an image archive or layout: a layer's stats, a JSON text, or nothing. */
export type BlobLookup = (entryPath: string) => Promise<BlobContent | undefined>;

export interface LocatedImage {
  readonly imageId: string;
  readonly configPath: string;
  readonly layerPaths: readonly string[];
  /** The manifest's layer blobs, in order (OCI layouts only). */
  readonly layerBlobs?: readonly {
    readonly size: number | undefined;
    readonly mediaType: string | undefined;
  }[];
}

export function locateFromDockerManifest(manifest: unknown[]): LocatedImage {
  const first = manifest.find(isObject);
  const configPath = first ? stringMember(first, 'Config') : undefined;
  const layerPaths = first ? stringArray(first, 'Layers') : undefined;
  if (!configPath || !layerPaths) {
    throw new ImageFormatError('manifest.json has no Config and Layers');
  }
  return { imageId: imageIdFromPath(configPath), configPath, layerPaths };
}

export async function locateFromOciIndex(
  lookup: BlobLookup,
  options: MeasureOptions,
): Promise<LocatedImage> {
  const index = await lookupJson(lookup, 'index.json');
  if (!isObject(index)) {
    throw new ImageFormatError('the archive has neither manifest.json nor index.json');
  }
  const manifest = await pickImageManifest(lookup, index, options, 0);
  const config = manifest['config'];
  const configDigest = isObject(config) ? stringMember(config, 'digest') : undefined;
  if (!configDigest) throw new ImageFormatError('the image manifest has no config digest');
  const layers = objectArray(manifest, 'layers');
  const layerPaths = layers.map((layer) => {
    const digest = stringMember(layer, 'digest');
    if (!digest) throw new ImageFormatError('an image manifest layer has no digest');
    return blobPath(digest);
  });
  const layerBlobs = layers.map((layer) => {
    const size = layer['size'];
    return {
      size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      mediaType: stringMember(layer, 'mediaType'),
    };
  });
  return { imageId: configDigest, configPath: blobPath(configDigest), layerPaths, layerBlobs };
}

/** What an image is, read without its layers: enough to know it is one measured before. */
export interface ImageIdentity {
  /** The config digest. */
  readonly imageId: string;
  readonly diffIds: readonly string[];
  /**
   * The compressed blob sizes the manifest lists, when every layer is stored compressed (an OCI
   * layout): exact, as a full read would count them. Undefined otherwise.
   */
  readonly compressedBlobs: readonly number[] | undefined;
  /**
   * What the config says, when it was read (an OCI layout): each layer's instruction and the
   * platform, exactly as a full read takes them. The engine path has only an inspect.
   */
  readonly config?: { readonly instructions: readonly string[]; readonly platform: string };
}

/**
 * The identity of the image for `options.platform` in an OCI layout: index, manifest and config
 * only, never a layer.
 */
export async function identifyOciLayoutImage(
  directory: string,
  options: MeasureOptions = {},
): Promise<ImageIdentity> {
  const root = path.resolve(directory);
  const lookup: BlobLookup = async (entryPath) => {
    const file = path.join(root, ...normaliseEntryPath(entryPath).split('/'));
    if (!file.startsWith(root + path.sep)) return undefined;
    try {
      return { kind: 'json', text: await readFile(file, 'utf8') };
    } catch {
      return undefined;
    }
  };
  const located = await locateFromOciIndex(lookup, options);
  const config = await lookupJson(lookup, located.configPath);
  if (!isObject(config)) {
    throw new ImageFormatError(`the image config ${located.configPath} is missing or not JSON`);
  }
  const diffIds = diffIdsOf(config);
  if (!diffIds) throw new ImageFormatError('the image config has no rootfs.diff_ids');
  const blobs = located.layerBlobs ?? [];
  const compressed = blobs.every(
    (blob) => blob.size !== undefined && /[.+](gzip|zstd)$/.test(blob.mediaType ?? ''),
  );
  return {
    imageId: located.imageId,
    diffIds,
    compressedBlobs: compressed ? blobs.map((blob) => blob.size ?? 0) : undefined,
    config: {
      instructions: layerInstructions(config, diffIds.length),
      platform: platformOf(config),
    },
  };
}

async function pickImageManifest(
  lookup: BlobLookup,
  index: JsonObject,
  options: MeasureOptions,
  depth: number,
): Promise<JsonObject> {
  if (depth > 4) throw new ImageFormatError('image indexes nest too deeply');
  const candidates = objectArray(index, 'manifests').filter(
    (descriptor) => !isAttestation(descriptor),
  );
  const wanted = options.platform;
  // `docker save` indexes carry no platform: then the config's platform is checked instead.
  const anyPlatform = candidates.some((descriptor) => descriptorPlatform(descriptor) !== undefined);
  // A containerd-store export keeps the whole multi-platform index but only the blobs of the
  // platform it holds: without a wanted platform, the first manifest present is the image.
  const chosen =
    wanted && anyPlatform
      ? candidates.find((descriptor) => platformMatches(descriptorPlatform(descriptor), wanted))
      : await firstPresent(lookup, candidates);
  if (wanted && anyPlatform && !chosen) {
    const available = candidates.map((descriptor) => descriptorPlatform(descriptor) ?? '?');
    throw new ImageFormatError(
      `the image has no ${wanted} variant (it has ${available.join(', ') || 'none'})`,
    );
  }
  const digest = chosen ? stringMember(chosen, 'digest') : undefined;
  if (!digest) throw new ImageFormatError('index.json lists no image manifest');
  const document = await lookupJson(lookup, blobPath(digest));
  if (!isObject(document)) throw new ImageFormatError(`manifest ${digest} is missing or not JSON`);
  if (Array.isArray(document['manifests'])) {
    return pickImageManifest(lookup, document, options, depth + 1);
  }
  return document;
}

async function firstPresent(
  lookup: BlobLookup,
  candidates: readonly JsonObject[],
): Promise<JsonObject | undefined> {
  for (const descriptor of candidates) {
    const digest = stringMember(descriptor, 'digest');
    if (digest && (await lookup(blobPath(digest)))?.kind === 'json') return descriptor;
  }
  return candidates[0];
}

function isAttestation(descriptor: JsonObject): boolean {
  const annotations = descriptor['annotations'];
  if (
    isObject(annotations) &&
    annotations['vnd.docker.reference.type'] === 'attestation-manifest'
  ) {
    return true;
  }
  return descriptorPlatform(descriptor) === 'unknown/unknown';
}

function descriptorPlatform(descriptor: JsonObject): string | undefined {
  const platform = descriptor['platform'];
  if (!isObject(platform)) return undefined;
  const os = stringMember(platform, 'os') ?? 'unknown';
  const architecture = stringMember(platform, 'architecture') ?? 'unknown';
  const variant = stringMember(platform, 'variant');
  return `${os}/${architecture}${variant ? `/${variant}` : ''}`;
}

export async function lookupJson(lookup: BlobLookup, entryPath: string): Promise<unknown> {
  const content = await lookup(entryPath);
  if (content?.kind !== 'json') return undefined;
  try {
    return parseJson(content.text);
  } catch {
    throw new ImageFormatError(`${entryPath} in the image is not valid JSON`);
  }
}

export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex || !/^[a-z0-9]+$/.test(algorithm) || !/^[a-f0-9]+$/.test(hex)) {
    throw new ImageFormatError(`not a digest: ${digest}`);
  }
  return `blobs/${algorithm}/${hex}`;
}

function imageIdFromPath(configPath: string): string {
  const hex = /([a-f0-9]{64})(?:\.json)?$/.exec(configPath)?.[1];
  return hex ? `sha256:${hex}` : configPath;
}

export function normaliseEntryPath(name: string): string {
  return path.posix.normalize(name.replace(/^\.?\/+/, '')).replace(/\/$/, '');
}
