import {
  childIndex,
  childKey,
  isMapping,
  rejectUnknownKeys,
  type Mapping,
} from '../core/document.js';
import { METRICS, SERVICE_NAME_PATTERN, type Increase, type Metric } from '../core/model.js';
import { InputError } from '../core/errors.js';
import {
  BOOLEAN_PROBLEM,
  INCREASE_PROBLEM,
  LAYER_COUNT_PROBLEM,
  SIZE_PROBLEM,
  efficiencyProblem,
  parseBoolean,
  parseEfficiency,
  parseIncrease,
  parseLayerCount,
  parseSize,
} from '../core/units.js';
import { imageReferenceProblem } from './reference.js';
import { checkPlatformList, type PlatformList } from '../core/platforms.js';
import { optionalMapping, optionalString, parseYaml } from '../core/yaml.js';

/** Limits as written in the config: each one may be left to the next level. */
export interface ConfigLimits {
  readonly budget: number | undefined;
  readonly maxIncrease: Increase | undefined;
  readonly warnIncrease: Increase | undefined;
  readonly maxCreep: Increase | undefined;
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
  /** From `platform` (one) or `platforms` (a list); undefined when neither is set. */
  readonly platforms: PlatformList | undefined;
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

const TOP_LEVEL_KEYS = ['compose', 'metric', 'defaults', 'total-budget', 'services'];
const LIMIT_KEYS = [
  'budget',
  'max-increase',
  'warn-increase',
  'max-creep',
  'ignore-below',
  'max-wasted',
  'min-efficiency',
  'max-layers',
  'no-new-layers',
];
const BUILD_KEYS = ['context', 'dockerfile', 'target', 'args'];
const SERVICE_KEYS = [...BUILD_KEYS, 'platform', 'platforms', 'image', ...LIMIT_KEYS];

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
  const platforms = parsePlatforms(entry, keyPath, file);
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
    platforms,
    image,
    limits: parseLimits(entry, keyPath, file),
  };
}

/** `platform: linux/arm64` or `platforms: [linux/amd64, linux/arm64]`, not both. */
function parsePlatforms(entry: Mapping, keyPath: string, file: string): PlatformList | undefined {
  const platform = optionalString(entry.platform, childKey(keyPath, 'platform'), file);
  const listKey = childKey(keyPath, 'platforms');
  const list = entry.platforms;
  if (platform !== undefined && list !== undefined) {
    throw new InputError(
      file,
      listKey,
      list,
      'cannot be combined with `platform`: write one platform as `platform`, several as `platforms`',
    );
  }
  if (platform !== undefined) {
    const checked = checkPlatformList([platform]);
    if (!checked.ok)
      throw new InputError(file, childKey(keyPath, 'platform'), platform, checked.problem);
    return { platforms: [platform], file, key: childKey(keyPath, 'platform') };
  }
  if (list === undefined) return undefined;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((item) => typeof item === 'string')
  ) {
    throw new InputError(
      file,
      listKey,
      list,
      'must be a list of platforms, such as [linux/amd64, linux/arm64]',
    );
  }
  const platforms = list.map((item: string) => item.trim());
  const checked = checkPlatformList(platforms);
  if (!checked.ok) {
    throw new InputError(file, childIndex(listKey, checked.index), checked.value, checked.problem);
  }
  return { platforms, file, key: listKey };
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
    maxCreep: parseOptionalIncrease(mapping['max-creep'], childKey(keyPath, 'max-creep'), file),
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

function parseOptionalSize(value: unknown, keyPath: string, file: string): number | undefined {
  if (value === undefined) return undefined;
  const bytes =
    typeof value === 'string' || typeof value === 'number' ? parseSize(value) : undefined;
  if (bytes === undefined) {
    throw new InputError(file, keyPath, value, SIZE_PROBLEM);
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
    throw new InputError(file, keyPath, value, INCREASE_PROBLEM);
  }
  return increase;
}

function requireString(value: unknown, keyPath: string, file: string): string {
  const text = optionalString(value, keyPath, file);
  if (text === undefined) throw new InputError(file, keyPath, value, 'must be a non-empty string');
  return text;
}
