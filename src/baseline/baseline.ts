import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { InputError, errorMessage } from '../core/errors.js';
import { trackTemporaryFile } from '../stop-signals.js';
import type { ImageMeasurement } from '../measure/types.js';
import { readInputFile, scanBrackets, MAX_NESTING } from '../core/input-limits.js';
import { findDuplicateJsonKey, locateJsonSyntaxError } from '../core/json-syntax.js';
import type { Baseline, BaselineEntry, BaselineLayer } from './types.js';

const BASELINE_VERSION = 1;
const TOP_LEVEL_KEYS = ['services', 'version'] as const;
const ENTRY_KEYS = ['compressed', 'layers', 'platform', 'size'] as const;
const LAYER_KEYS = ['base', 'compressed', 'diffId', 'instruction', 'size'] as const;

/** Parses and validates a baseline file; every problem names the file, the key path and the value. */
export function parseBaseline(text: string, file: string): Baseline {
  const document = parseJson(text.replace(/^\uFEFF/, ''), file);
  const root = expectObject(document, file, '(top level)');

  // The version comes first: a newer file may have fields this version does not know.
  const version = root['version'];
  if (version !== BASELINE_VERSION) {
    const problem =
      typeof version === 'number' && Number.isInteger(version) && version > BASELINE_VERSION
        ? `is newer than this version of image-size-gate reads (${BASELINE_VERSION}); upgrade the action`
        : `must be ${BASELINE_VERSION}`;
    throw new InputError(file, 'version', version, problem);
  }
  rejectUnknownKeys(root, TOP_LEVEL_KEYS, file, '');

  const services = expectObject(root['services'], file, 'services');
  const entries = Object.entries(services).map(([name, value]): [string, BaselineEntry] => {
    const key = `services${keySegment(name)}`;
    if (name.trim() === '') throw new InputError(file, key, name, 'a service name cannot be empty');
    return [name, parseEntry(value, file, key)];
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
    entryFromMeasurement(measurement),
  ]);
  const services = Object.fromEntries(
    [...kept, ...measured].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { version: BASELINE_VERSION, services };
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
    layers: measurement.layers.map((layer): BaselineLayer => ({
      diffId: layer.diffId,
      size: layer.size,
      ...(layer.compressed === undefined ? {} : { compressed: layer.compressed }),
      instruction: layer.instruction,
      base: layer.base,
    })),
  };
}

function parseEntry(value: unknown, file: string, key: string): BaselineEntry {
  const entry = expectObject(value, file, key);
  rejectUnknownKeys(entry, ENTRY_KEYS, file, key);
  const compressed = optional(entry, 'compressed', (v, k) => expectByteCount(v, file, k), key);
  const platform = optional(entry, 'platform', (v, k) => expectString(v, file, k), key);
  // Hand-written baselines often list only sizes; layers are detail for reports, not limits.
  const layersValue = entry['layers'] ?? [];
  if (!Array.isArray(layersValue)) {
    throw new InputError(file, `${key}.layers`, layersValue, 'must be a list of layers');
  }
  return {
    size: expectByteCount(entry['size'], file, `${key}.size`),
    ...(compressed === undefined ? {} : { compressed }),
    ...(platform === undefined ? {} : { platform }),
    layers: layersValue.map((layer: unknown, index) =>
      parseLayer(layer, file, `${key}.layers[${index}]`),
    ),
  };
}

function parseLayer(value: unknown, file: string, key: string): BaselineLayer {
  const layer = expectObject(value, file, key);
  rejectUnknownKeys(layer, LAYER_KEYS, file, key);
  const compressed = optional(layer, 'compressed', (v, k) => expectByteCount(v, file, k), key);
  return {
    diffId: expectString(layer['diffId'], file, `${key}.diffId`),
    size: expectByteCount(layer['size'], file, `${key}.size`),
    ...(compressed === undefined ? {} : { compressed }),
    instruction: expectString(layer['instruction'], file, `${key}.instruction`),
    base: expectBoolean(layer['base'], file, `${key}.base`),
  };
}

function optional<T>(
  object: Readonly<Record<string, unknown>>,
  name: string,
  read: (value: unknown, key: string) => T,
  parentKey: string,
): T | undefined {
  const value = object[name];
  return value === undefined ? undefined : read(value, `${parentKey}.${name}`);
}

function expectObject(value: unknown, file: string, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(file, key, value, 'must be an object');
  }
  return value as Record<string, unknown>;
}

function expectByteCount(value: unknown, file: string, key: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(file, key, value, 'must be a whole number of bytes (0 or more)');
  }
  return value;
}

function expectString(value: unknown, file: string, key: string): string {
  if (typeof value !== 'string') throw new InputError(file, key, value, 'must be a string');
  return value;
}

function expectBoolean(value: unknown, file: string, key: string): boolean {
  if (typeof value !== 'boolean') throw new InputError(file, key, value, 'must be true or false');
  return value;
}

function rejectUnknownKeys(
  object: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  file: string,
  parentKey: string,
): void {
  for (const [name, value] of Object.entries(object)) {
    if (!allowed.includes(name)) {
      const key = parentKey === '' ? name : `${parentKey}${keySegment(name)}`;
      throw new InputError(
        file,
        key,
        value,
        `is not a baseline field (expected one of: ${allowed.join(', ')})`,
      );
    }
  }
}

/** `.api`, or `["my.service"]` when the name would be ambiguous in a dotted path. */
function keySegment(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function parseJson(text: string, file: string): unknown {
  const lines = text.split('\n');
  const tooDeep = scanBrackets(text, false).tooDeep;
  if (tooDeep !== undefined) {
    throw new InputError(
      file,
      `line ${tooDeep}`,
      lines[tooDeep - 1]?.trim(),
      `nests more than ${MAX_NESTING} levels deep; a baseline is 4 levels deep`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    // V8's messages carry a position only for some errors; locate it ourselves for all of them.
    const syntax = locateJsonSyntaxError(text);
    if (syntax === undefined) {
      throw new InputError(file, '(file)', undefined, `is not valid JSON: ${errorMessage(error)}`);
    }
    const found = text.slice(syntax.offset, syntax.offset + 20);
    throw new InputError(
      file,
      `line ${syntax.line}, column ${syntax.column}`,
      found === '' ? undefined : found,
      `is not valid JSON: expected ${syntax.expected}`,
    );
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate) {
    throw new InputError(
      file,
      duplicate.path === '' ? duplicate.key : `${duplicate.path}.${duplicate.key}`,
      duplicate.key,
      `is defined twice (lines ${duplicate.firstLine} and ${duplicate.secondLine}), as after a merge gone wrong; keep one`,
    );
  }
  return parsed;
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
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
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
