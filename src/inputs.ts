import os from 'node:os';
import path from 'node:path';
import { INPUT_SOURCE, InputError } from './core/errors.js';
import { checkPlatformList, type PlatformList } from './core/platforms.js';
import {
  ANALYZE_MODES,
  CACHE_BACKENDS,
  COMMENT_POLICIES,
  FAIL_ONS,
  METRICS,
  MODES,
  type AnalyzeMode,
  type CacheBackend,
  type CommentPolicy,
  type FailOn,
  type Increase,
  type Metric,
  type Mode,
} from './core/model.js';
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
} from './core/units.js';

/** Every setting of a run, parsed and validated once; the stages receive parts of it. */
export interface Inputs {
  /** Absolute repository root; every relative path below is resolved against it. */
  readonly workingDirectory: string;
  readonly configPath: string;
  /** True when the user named a config file: then a missing file is an error. */
  readonly configExplicit: boolean;
  readonly composeFiles: readonly string[] | undefined;
  readonly baselinePath: string;
  readonly reportPath: string;
  readonly mode: Mode;
  readonly serviceFilter: readonly string[];
  readonly metric: Metric | undefined;
  readonly budget: number | undefined;
  readonly maxIncrease: Increase;
  readonly warnIncrease: Increase | undefined;
  readonly maxCreep: Increase | undefined;
  readonly ignoreBelow: number;
  /** Default `max-wasted` in bytes. */
  readonly maxWasted: number | undefined;
  /** Default `min-efficiency`, a fraction from 0 to 1. */
  readonly minEfficiency: number | undefined;
  /** Default `max-layers`. */
  readonly maxLayers: number | undefined;
  /** Default `no-new-layers`. */
  readonly noNewLayers: boolean;
  readonly totalBudget: number | undefined;
  readonly failOn: FailOn;
  readonly cache: CacheBackend;
  readonly cacheScope: string;
  readonly builder: string | undefined;
  /** `load`: put built images into the engine even where they are measured from an OCI layout. */
  readonly load: boolean;
  /** The `platform` input: every service without platforms of its own is measured for each. */
  readonly platforms: PlatformList | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly parallel: number;
  readonly analyze: AnalyzeMode;
  readonly comment: CommentPolicy;
  /** Lets several gates keep separate sticky comments on one pull request. */
  readonly commentKey: string;
  readonly githubToken: string;
  /** `mode: report`: the JSON reports to merge (files, directories or globs). */
  readonly reports: readonly string[];
  /** `mode: plan`: how many shards to split the services into. */
  readonly shards: number | undefined;
  /** The pull request label that turns size failures into warnings; '' when turned off. */
  readonly approveLabel: string;
}

/** Reads one input by its action.yml name; returns '' when unset. */
export type InputReader = (name: string) => string;

export const DEFAULT_CONFIG = '.github/image-size.yml';
export const DEFAULT_BASELINE = '.github/image-size-baseline.json';

/**
 * Builds the Inputs object from raw input strings (the action's `INPUT_*` or the CLI's flags).
 * `env` supplies GITHUB_WORKSPACE and RUNNER_TEMP.
 */
export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv, cwd: string): Inputs {
  const get = (name: string): string => read(name).trim();
  const workspace = env['GITHUB_WORKSPACE'] ?? cwd;
  const workingDirectory = path.resolve(workspace, get('working-directory') || '.');
  const fromRoot = (file: string): string => path.resolve(workingDirectory, file);

  const configInput = get('config');
  const composeInput = splitList(read('compose-file'));
  const reportInput = get('report-file');
  return {
    workingDirectory,
    configPath: fromRoot(configInput || DEFAULT_CONFIG),
    configExplicit: configInput !== '' && configInput !== DEFAULT_CONFIG,
    composeFiles: composeInput.length > 0 ? composeInput.map(fromRoot) : undefined,
    baselinePath: fromRoot(get('baseline') || DEFAULT_BASELINE),
    reportPath: reportInput
      ? fromRoot(reportInput)
      : path.join(env['RUNNER_TEMP'] ?? os.tmpdir(), 'image-size-gate', 'report.json'),
    mode: oneOf(get, 'mode', MODES, 'check'),
    serviceFilter: splitList(read('services')),
    metric: optionalOneOf(get, 'metric', METRICS),
    budget: optionalSize(get, 'budget'),
    maxIncrease: increase(get, 'max-increase') ?? { kind: 'percent', percent: 10 },
    warnIncrease: increase(get, 'warn-increase'),
    maxCreep: increase(get, 'max-creep'),
    ignoreBelow: optionalSize(get, 'ignore-below') ?? 1_000_000,
    maxWasted: optionalSize(get, 'max-wasted'),
    minEfficiency: optionalParsed(get, 'min-efficiency', parseEfficiency, efficiencyProblem),
    maxLayers: optionalParsed(get, 'max-layers', parseLayerCount, () => LAYER_COUNT_PROBLEM),
    noNewLayers: optionalParsed(get, 'no-new-layers', parseBoolean, () => BOOLEAN_PROBLEM) ?? false,
    totalBudget: optionalSize(get, 'total-budget'),
    failOn: oneOf(get, 'fail-on', FAIL_ONS, 'any'),
    cache: oneOf(get, 'cache', CACHE_BACKENDS, 'gha'),
    cacheScope: cacheScope(get('cache-scope') || 'image-size-gate'),
    builder: get('builder') || undefined,
    load: optionalParsed(get, 'load', parseBoolean, () => BOOLEAN_PROBLEM) ?? false,
    platforms: platforms(read('platform')),
    buildArgs: parseBuildArgs(read('build-args')),
    parallel: parallel(get('parallel')),
    analyze: oneOf(get, 'analyze', ANALYZE_MODES, 'auto'),
    comment: oneOf(get, 'comment', COMMENT_POLICIES, 'auto'),
    commentKey: get('comment-key'),
    githubToken: get('github-token'),
    reports: splitList(read('reports')),
    shards: shardCount(get('shards')),
    approveLabel: approveLabel(get('approve-label')),
  };
}

/** Splits a comma- or newline-separated list, dropping blanks. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `KEY=VALUE` lines; a value may contain `=`; `#` lines are comments. */
export function parseBuildArgs(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    const key = equals > 0 ? trimmed.slice(0, equals).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new InputError(INPUT_SOURCE, 'build-args', line, 'each line must be KEY=VALUE');
    }
    args[key] = trimmed.slice(equals + 1);
  }
  return args;
}

function oneOf<T extends string>(
  get: (name: string) => string,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  return optionalOneOf(get, name, allowed) ?? fallback;
}

function optionalOneOf<T extends string>(
  get: (name: string) => string,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = get(name);
  if (value === '') return undefined;
  const match = allowed.find((candidate) => candidate === value.toLowerCase());
  if (!match) {
    throw new InputError(INPUT_SOURCE, name, value, `must be one of ${allowed.join(', ')}`);
  }
  return match;
}

function optionalSize(get: (name: string) => string, name: string): number | undefined {
  return optionalParsed(get, name, parseSize, () => SIZE_PROBLEM);
}

function optionalParsed<T>(
  get: (name: string) => string,
  name: string,
  parse: (text: string) => T | undefined,
  problem: (value: string) => string,
): T | undefined {
  const value = get(name);
  if (value === '') return undefined;
  const parsed = parse(value);
  if (parsed === undefined) throw new InputError(INPUT_SOURCE, name, value, problem(value));
  return parsed;
}

function increase(get: (name: string) => string, name: string): Increase | undefined {
  return optionalParsed(get, name, parseIncrease, () => INCREASE_PROBLEM);
}

/** Unset means the default label; `none` turns approvals off. */
function approveLabel(value: string): string {
  if (value === '') return 'image-size-approved';
  return value.toLowerCase() === 'none' ? '' : value;
}

/** Beyond this a matrix is more jobs than GitHub runs at once (256 per workflow run). */
export const MAX_SHARDS = 256;

function shardCount(value: string): number | undefined {
  if (value === '') return undefined;
  const count = Number(value);
  if (
    !/^\s*\d+\s*$/.test(value) ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    count > MAX_SHARDS
  ) {
    throw new InputError(
      INPUT_SOURCE,
      'shards',
      value,
      `must be a whole number of shards from 1 to ${MAX_SHARDS}`,
    );
  }
  return count;
}

function parallel(value: string): number {
  if (value === '') return 2;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new InputError(INPUT_SOURCE, 'parallel', value, 'must be a whole number from 1 to 64');
  }
  return count;
}

function cacheScope(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw new InputError(
      INPUT_SOURCE,
      'cache-scope',
      value,
      'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
    );
  }
  return value;
}

/** `linux/amd64` or a list (`linux/amd64,linux/arm64`), each known and none twice. */
function platforms(value: string): PlatformList | undefined {
  const list = splitList(value);
  if (list.length === 0) return undefined;
  const checked = checkPlatformList(list);
  if (!checked.ok) {
    throw new InputError(INPUT_SOURCE, 'platform', checked.value, checked.problem);
  }
  return { platforms: list, file: INPUT_SOURCE, key: 'platform' };
}
