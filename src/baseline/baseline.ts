import { compareCodeUnits } from '../core/text.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { DocumentReader, parseJsonDocument, type ObjectReader } from '../core/document.js';
import { ECOSYSTEMS, type LayerShape, type PackageSummary } from '../core/model.js';
import { errorMessage } from '../core/errors.js';
import { trackTemporaryFile } from '../stop-signals.js';
import type { ImageMeasurement } from '../measure/types.js';
import { readInputFile } from '../core/input-limits.js';
import type { Baseline, BaselineEntry, BaselineLayer } from './types.js';

const BASELINE_VERSION = 1;
const TOP_LEVEL_KEYS = ['services', 'version'] as const;
const ENTRY_KEYS = [
  'compressed',
  'imageId',
  'layers',
  'packages',
  'platform',
  'size',
  'wasted',
] as const;
const PACKAGE_KEYS = ['bytes', 'ecosystem', 'name', 'version'] as const;
const LAYER_KEYS = ['base', 'compressed', 'diffId', 'instruction', 'size'] as const;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** Parses and validates a baseline file; every problem names the file, the key path and the value. */
export function parseBaseline(text: string, file: string): Baseline {
  const read = new DocumentReader(file);
  const root = read.root(parseJsonDocument(text, file));

  // The version comes first: a newer file may have fields this version does not know.
  const version = root.value('version');
  if (version !== BASELINE_VERSION) {
    const problem =
      typeof version === 'number' && Number.isInteger(version) && version > BASELINE_VERSION
        ? `is newer than this version of image-size-gate reads (${BASELINE_VERSION}); upgrade the action`
        : `must be ${BASELINE_VERSION}`;
    read.fail('version', version, problem);
  }
  root.rejectUnknownKeys(TOP_LEVEL_KEYS);

  const entries = root
    .object('services')
    .entries()
    .map(([name, value]): [string, BaselineEntry] => {
      if (name.trim() === '') read.fail(value.path, name, 'a service name cannot be empty');
      return [name, parseEntry(value.asObject())];
    });
  // fromEntries defines own properties, so a service named `__proto__` stays a plain key.
  return { version: BASELINE_VERSION, services: Object.fromEntries(entries) };
}

/**
 * Stable text for review as a diff: keys sorted at every level, layers in image order,
 * 2-space indentation, trailing newline.
 */
export function serializeBaseline(baseline: Baseline): string {
  return `${stringifySorted(baseline, '')}\n`;
}

export interface UpdateOptions {
  /** True when every service the repository defines was selected for this run. */
  readonly fullRun: boolean;
  /** Every service name the repository defines. */
  readonly knownServices: readonly string[];
}

/**
 * The baseline after an update run: measured services are replaced, services this run did not
 * measure (a shard, a filter, a failed build) are kept as they were, and a service is dropped
 * only when a full run shows the repository no longer defines it.
 */
export function updateBaseline(
  previous: Baseline,
  measurements: ReadonlyMap<string, ImageMeasurement>,
  options: UpdateOptions,
): Baseline {
  const known = new Set(options.knownServices);
  const kept = Object.entries(previous.services).filter(
    ([name]) => !measurements.has(name) && (!options.fullRun || known.has(name)),
  );
  const measured = [...measurements].map(([name, measurement]): [string, BaselineEntry] => [
    name,
    withAnalysisOf(
      Object.hasOwn(previous.services, name) ? previous.services[name] : undefined,
      entryFromMeasurement(measurement),
    ),
  ]);
  const services = Object.fromEntries(
    [...kept, ...measured].sort(([a], [b]) => compareCodeUnits(a, b)),
  );
  return { version: BASELINE_VERSION, services };
}

/**
 * An update without the analysis (`analyze: none`) knows no packages and no waste: when the
 * image's layers are the ones the previous entry recorded, its package rows and wasted bytes
 * still describe it and are kept.
 */
function withAnalysisOf(previous: BaselineEntry | undefined, entry: BaselineEntry): BaselineEntry {
  if (previous === undefined || entry.packages !== undefined) return entry;
  const sameLayers =
    previous.layers.length === entry.layers.length &&
    previous.layers.every((layer, index) => layer.diffId === entry.layers[index]?.diffId);
  if (!sameLayers) return entry;
  return {
    ...entry,
    ...(previous.packages === undefined ? {} : { packages: previous.packages }),
    ...(previous.wasted === undefined ? {} : { wasted: previous.wasted }),
  };
}

/** Reads the baseline file; undefined when it does not exist yet. */
export async function readBaseline(path: string): Promise<Baseline | undefined> {
  const text = await readInputFile(path);
  return text === undefined ? undefined : parseBaseline(text, path);
}

/**
 * Writes the baseline so that readers see the old file or the new one, never a part: a temporary
 * file in the same directory (rename is atomic only within one filesystem), flushed to disk
 * before the rename replaces the original.
 */
export async function writeBaselineAtomic(path: string, baseline: Baseline): Promise<void> {
  const text = serializeBaseline(baseline);
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const tracked = trackTemporaryFile(temporary);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    // A full disk or a read-only folder: say which file, and that nothing was lost.
    throw new Error(
      `could not write the baseline ${path} (${errorMessage(error)}); the file is unchanged`,
      {
        cause: error,
      },
    );
  } finally {
    tracked.done();
  }
  await syncDirectory(directory);
}

function entryFromMeasurement(measurement: ImageMeasurement): BaselineEntry {
  return {
    size: measurement.size,
    ...(measurement.compressed === undefined ? {} : { compressed: measurement.compressed }),
    platform: measurement.platform,
    // Only what the parser reads back: a config digest.
    ...(IMAGE_ID.test(measurement.imageId) ? { imageId: measurement.imageId } : {}),
    ...(measurement.analysis === undefined ? {} : { wasted: measurement.analysis.wastedBytes }),
    layers: measurement.layers.map((layer): BaselineLayer => ({
      diffId: layer.diffId,
      size: layer.size,
      ...(layer.compressed === undefined ? {} : { compressed: layer.compressed }),
      instruction: layer.instruction,
      base: layer.base,
    })),
    ...(measurement.analysis === undefined
      ? {}
      : {
          packages: measurement.analysis.packages.summary.map((row) => ({
            ecosystem: row.ecosystem,
            name: row.name,
            version: row.version,
            bytes: row.bytes,
          })),
        }),
  };
}

function parseEntry(entry: ObjectReader): BaselineEntry {
  entry.rejectUnknownKeys(ENTRY_KEYS);
  const compressed = entry.optional('compressed', (value, key) => entry.reader.bytes(value, key));
  const platform = entry.optional('platform', (value, key) => entry.reader.string(value, key));
  const imageId = entry.optional('imageId', (value, key) => {
    const text = entry.reader.string(value, key);
    return IMAGE_ID.test(text)
      ? text
      : entry.reader.fail(key, text, 'must be an image ID (sha256: and 64 hex digits)');
  });
  const wasted = entry.optional('wasted', (value, key) => entry.reader.bytes(value, key));
  return {
    size: entry.bytes('size'),
    ...(compressed === undefined ? {} : { compressed }),
    ...(platform === undefined ? {} : { platform }),
    ...(imageId === undefined ? {} : { imageId }),
    ...(wasted === undefined ? {} : { wasted }),
    // Hand-written baselines often list only sizes; layers are detail for reports, not limits.
    layers:
      entry.value('layers') == null
        ? []
        : entry.list('layers', (item) => parseLayer(item.asObject())),
    ...(entry.value('packages') == null
      ? {}
      : { packages: entry.list('packages', (item) => parsePackage(item.asObject())) }),
  };
}

function parsePackage(row: ObjectReader): PackageSummary {
  row.rejectUnknownKeys(PACKAGE_KEYS);
  return {
    ecosystem: row.oneOf('ecosystem', ECOSYSTEMS),
    name: row.string('name'),
    version: row.string('version'),
    bytes: row.bytes('bytes'),
  };
}

function parseLayer(layer: ObjectReader): LayerShape {
  layer.rejectUnknownKeys(LAYER_KEYS);
  const compressed = layer.optional('compressed', (value, key) => layer.reader.bytes(value, key));
  return {
    diffId: layer.string('diffId'),
    size: layer.bytes('size'),
    ...(compressed === undefined ? {} : { compressed }),
    instruction: layer.string('instruction'),
    base: layer.boolean('base'),
  };
}

function stringifySorted(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = `${indent}  `;
    const items = value.map((item: unknown) => `${inner}${stringifySorted(item, inner)}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const inner = `${indent}  `;
    // Own sorting instead of JSON.stringify's key order, which puts integer-like keys first.
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([key, member]) => `${inner}${JSON.stringify(key)}: ${stringifySorted(member, inner)}`);
    if (members.length === 0) return '{}';
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename itself is still atomic.
  }
}
