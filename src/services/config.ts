import { InputError } from '../errors.js';
import { parseIncrease, parseSize } from '../units.js';
import { imageReferenceProblem, platformProblem } from './reference.js';
import type { Increase, Metric } from './types.js';
import {
  childKey,
  isMapping,
  optionalMapping,
  optionalString,
  parseYaml,
  rejectUnknownKeys,
  type Mapping,
} from './yaml.js';

/** Limits as written in the config: each one may be left to the next level. */
export interface ConfigLimits {
  readonly budget: number | undefined;
  readonly maxIncrease: Increase | undefined;
  readonly warnIncrease: Increase | undefined;
  readonly ignoreBelow: number | undefined;
  readonly maxWasted: number | undefined;
  /** A fraction from 0 to 1. */
  readonly minEfficiency: number | undefined;
  readonly maxLayers: number | undefined;
  readonly noNewLayers: boolean | undefined;
}

/**
 * One entry of `services:`. Build fields left undefined may come from a compose service of the
 * same name; paths are as written (context relative to the repository root, dockerfile relative
 * to the context).
 */
export interface ConfigService {
  readonly name: string;
  readonly context: string | undefined;
  readonly dockerfile: string | undefined;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>> | undefined;
  readonly platform: string | undefined;
  readonly image: string | undefined;
  readonly limits: ConfigLimits;
}

/** `.github/image-size.yml`, validated: sizes in bytes, increases parsed, paths as written. */
export interface ConfigFile {
  /** The config's path as the user gave it, for error messages. */
  readonly file: string;
  /** Compose files to import, relative to the repository root. */
  readonly compose: readonly string[] | undefined;
  readonly metric: Metric | undefined;
  readonly defaults: ConfigLimits;
  readonly totalBudget: number | undefined;
  readonly services: readonly ConfigService[];
}

/** Docker compose's rule for service names; names also end up in cache scopes and file keys. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const TOP_LEVEL_KEYS = ['compose', 'metric', 'defaults', 'total-budget', 'services'];
const LIMIT_KEYS = [
  'budget',
  'max-increase',
  'warn-increase',
  'ignore-below',
  'max-wasted',
  'min-efficiency',
  'max-layers',
  'no-new-layers',
];
const BUILD_KEYS = ['context', 'dockerfile', 'target', 'args'];
const SERVICE_KEYS = [...BUILD_KEYS, 'platform', 'image', ...LIMIT_KEYS];
const METRICS: readonly Metric[] = ['uncompressed', 'compressed'];

export function parseConfigFile(text: string, file: string): ConfigFile {
  const document = parseYaml(text, file);
  const root = optionalMapping(
    document,
    '(top level)',
    file,
    `a mapping with the keys ${TOP_LEVEL_KEYS.join(', ')}`,
  );
  rejectUnknownKeys(root, TOP_LEVEL_KEYS, '', file);
  const services = optionalMapping(
    root.services,
    'services',
    file,
    'a mapping of service names to settings',
  );
  return {
    file,
    compose: parseComposeList(root.compose, file),
    metric: parseMetric(root.metric, file),
    defaults: parseDefaults(root.defaults, file),
    totalBudget: parseOptionalSize(root['total-budget'], 'total-budget', file),
    services: Object.entries(services).map(([name, entry]) => parseService(name, entry, file)),
  };
}

function parseComposeList(value: unknown, file: string): readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const entries: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (entries.length === 0) {
    throw new InputError(file, 'compose', value, 'must name at least one compose file');
  }
  return entries.map((entry, index) =>
    requireString(entry, Array.isArray(value) ? `compose[${index}]` : 'compose', file),
  );
}

function parseMetric(value: unknown, file: string): Metric | undefined {
  if (value === undefined) return undefined;
  const metric = METRICS.find((candidate) => candidate === value);
  if (metric === undefined) {
    throw new InputError(file, 'metric', value, `must be one of ${METRICS.join(', ')}`);
  }
  return metric;
}

function parseService(name: string, value: unknown, file: string): ConfigService {
  const keyPath = childKey('services', name);
  if (!SERVICE_NAME_PATTERN.test(name)) {
    throw new InputError(
      file,
      keyPath,
      name,
      'is not a valid service name: use letters, digits, and _ . - (not first)',
    );
  }
  const entry = optionalMapping(value, keyPath, file, 'a mapping of service settings');
  rejectUnknownKeys(entry, SERVICE_KEYS, keyPath, file);
  const image = optionalString(entry.image, childKey(keyPath, 'image'), file);
  const imageProblem = image === undefined ? undefined : imageReferenceProblem(image);
  if (imageProblem !== undefined) {
    throw new InputError(file, childKey(keyPath, 'image'), image, imageProblem);
  }
  const platform = optionalString(entry.platform, childKey(keyPath, 'platform'), file);
  const badPlatform = platform === undefined ? undefined : platformProblem(platform);
  if (badPlatform !== undefined) {
    throw new InputError(file, childKey(keyPath, 'platform'), platform, badPlatform);
  }
  const buildKey = BUILD_KEYS.find((key) => entry[key] !== undefined);
  if (image !== undefined && buildKey !== undefined) {
    throw new InputError(
      file,
      childKey(keyPath, buildKey),
      entry[buildKey],
      `cannot be combined with \`image\`: a service is either built (${BUILD_KEYS.join(', ')}) or measured from an existing image`,
    );
  }
  return {
    name,
    context: optionalString(entry.context, childKey(keyPath, 'context'), file),
    dockerfile: optionalString(entry.dockerfile, childKey(keyPath, 'dockerfile'), file),
    target: optionalString(entry.target, childKey(keyPath, 'target'), file),
    args: parseArgs(entry.args, childKey(keyPath, 'args'), file),
    platform,
    image,
    limits: parseLimits(entry, keyPath, file),
  };
}

function parseArgs(
  value: unknown,
  keyPath: string,
  file: string,
): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (!isMapping(value)) {
    throw new InputError(file, keyPath, value, 'must be a mapping of build-arg names to values');
  }
  const args: Record<string, string> = {};
  for (const [name, argValue] of Object.entries(value)) {
    // The parser keeps numbers and booleans as their source text, so only strings arrive here.
    if (typeof argValue !== 'string') {
      throw new InputError(
        file,
        childKey(keyPath, name),
        argValue,
        'must be a string, a number or a boolean',
      );
    }
    args[name] = argValue;
  }
  return args;
}

function parseDefaults(value: unknown, file: string): ConfigLimits {
  const defaults = optionalMapping(
    value,
    'defaults',
    file,
    `a mapping with the keys ${LIMIT_KEYS.join(', ')}`,
  );
  rejectUnknownKeys(defaults, LIMIT_KEYS, 'defaults', file);
  return parseLimits(defaults, 'defaults', file);
}

function parseLimits(mapping: Mapping, keyPath: string, file: string): ConfigLimits {
  return {
    budget: parseOptionalSize(mapping.budget, childKey(keyPath, 'budget'), file),
    maxIncrease: parseOptionalIncrease(
      mapping['max-increase'],
      childKey(keyPath, 'max-increase'),
      file,
    ),
    warnIncrease: parseOptionalIncrease(
      mapping['warn-increase'],
      childKey(keyPath, 'warn-increase'),
      file,
    ),
    ignoreBelow: parseOptionalSize(
      mapping['ignore-below'],
      childKey(keyPath, 'ignore-below'),
      file,
    ),
    maxWasted: parseOptionalSize(mapping['max-wasted'], childKey(keyPath, 'max-wasted'), file),
    minEfficiency: parseOptional(
      mapping['min-efficiency'],
      childKey(keyPath, 'min-efficiency'),
      file,
      parseEfficiency,
      efficiencyProblem,
    ),
    maxLayers: parseOptional(
      mapping['max-layers'],
      childKey(keyPath, 'max-layers'),
      file,
      parseLayerCount,
      () => LAYER_COUNT_PROBLEM,
    ),
    noNewLayers: parseOptional(
      mapping['no-new-layers'],
      childKey(keyPath, 'no-new-layers'),
      file,
      parseBoolean,
      () => BOOLEAN_PROBLEM,
    ),
  };
}

/** Reads a scalar with `parse`; anything it refuses throws an InputError with `problem`. */
function parseOptional<T>(
  value: unknown,
  keyPath: string,
  file: string,
  parse: (text: string | number | boolean) => T | undefined,
  problem: (value: unknown) => string,
): T | undefined {
  if (value === undefined) return undefined;
  const parsed =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? parse(value)
      : undefined;
  if (parsed === undefined) throw new InputError(file, keyPath, value, problem(value));
  return parsed;
}

const PERCENT_PATTERN = /^(\d+(?:\.\d+)?)\s*%$/;
const FRACTION_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Parses an efficiency: a percentage from 0% to 100% (`90%`) or a fraction from 0 to 1 (`0.9`),
 * into a fraction. Returns undefined for anything else, so the caller can name the key.
 */
export function parseEfficiency(value: string | number | boolean): number | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  }
  const text = value.trim();
  const percent = PERCENT_PATTERN.exec(text);
  if (percent) {
    const amount = Number(percent[1]);
    // toPrecision drops float noise: 99.9 / 100 is 0.9990000000000001.
    return amount <= 100 ? Number((amount / 100).toPrecision(15)) : undefined;
  }
  if (!FRACTION_PATTERN.test(text)) return undefined;
  const fraction = Number(text);
  return fraction <= 1 ? fraction : undefined;
}

/** Why `value` is not an efficiency, with a hint when a bare number reads like a percentage. */
export function efficiencyProblem(value: unknown): string {
  const problem = 'must be a percentage from 0% to 100% (90%) or a fraction from 0 to 1 (0.9)';
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  const number = FRACTION_PATTERN.test(text) ? Number(text) : Number.NaN;
  return number > 1 && number <= 100 ? `${problem}; did you mean ${text}%?` : problem;
}

export const LAYER_COUNT_PROBLEM = 'must be a whole number of layers, 1 or more';

/** A positive whole number (`12`); undefined for anything else. */
export function parseLayerCount(value: string | number | boolean): number | undefined {
  if (typeof value === 'boolean') return undefined;
  const count = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : 0;
  return Number.isSafeInteger(count) && count >= 1 ? count : undefined;
}

export const BOOLEAN_PROBLEM = 'must be true or false';

/** `true` or `false` (any case); undefined for anything else (`yes`, `1`, `maybe`). */
export function parseBoolean(value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function parseOptionalSize(value: unknown, keyPath: string, file: string): number | undefined {
  if (value === undefined) return undefined;
  const bytes =
    typeof value === 'string' || typeof value === 'number' ? parseSize(value) : undefined;
  if (bytes === undefined) {
    throw new InputError(
      file,
      keyPath,
      value,
      'must be a size such as 500MB, 1.5GB, 300MiB or a number of bytes, at most 1 PB',
    );
  }
  return bytes;
}

function parseOptionalIncrease(
  value: unknown,
  keyPath: string,
  file: string,
): Increase | undefined {
  if (value === undefined) return undefined;
  const increase =
    typeof value === 'string' || typeof value === 'number' ? parseIncrease(value) : undefined;
  if (increase === undefined) {
    throw new InputError(
      file,
      keyPath,
      value,
      'must be a percentage such as 10% (at most 10000%) or a size such as 25MB (at most 1 PB)',
    );
  }
  return increase;
}

function requireString(value: unknown, keyPath: string, file: string): string {
  const text = optionalString(value, keyPath, file);
  if (text === undefined) throw new InputError(file, keyPath, value, 'must be a non-empty string');
  return text;
}
