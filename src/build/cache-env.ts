import type { Environment } from '../core/model.js';

/**
 * What the runner's environment allows the GitHub Actions (gha) cache to do. Pure: the caller
 * hands in `process.env`.
 */

/**
 * Access the runner grants the cache. `ACTIONS_CACHE_MODE` values (GitHub's `cache-mode`):
 * `write` = restore and save, `read` = restore only, `write-only` = save only, `none` = neither.
 * Unset means no restriction, which is `read-write` here.
 */
export type GhaCacheMode = 'read-write' | 'read' | 'write-only' | 'none';

export interface GhaCacheModeSetting {
  readonly mode: GhaCacheMode;
  /** The raw `ACTIONS_CACHE_MODE` value when it is not one we know (then mode is read-write). */
  readonly unknownValue: string | undefined;
}

export interface GhaCacheEnvironment extends GhaCacheModeSetting {
  /** Cache service protocol buildx will pick: v2 when `ACTIONS_CACHE_SERVICE_V2` is true. */
  readonly serviceVersion: 1 | 2;
  /**
   * What buildx needs and cannot find, one entry per requirement (e.g.
   * `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL`). Empty when complete.
   */
  readonly missing: readonly string[];
}

const MODE_BY_VALUE: Readonly<Record<string, GhaCacheMode>> = {
  write: 'read-write',
  read: 'read',
  'write-only': 'write-only',
  none: 'none',
};

export function parseGhaCacheMode(raw: string | undefined): GhaCacheModeSetting {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return { mode: 'read-write', unknownValue: undefined };
  const mode = MODE_BY_VALUE[value];
  // Same stance as @actions/cache: an unrecognised mode must not take caching away.
  if (mode === undefined) return { mode: 'read-write', unknownValue: raw };
  return { mode, unknownValue: undefined };
}

/**
 * True the way buildx reads `ACTIONS_CACHE_SERVICE_V2`: Go's `strconv.ParseBool`, untrimmed, so
 * `yes`, `on` and ` true` pick v1 there and must here too.
 */
const GO_TRUE_VALUES: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

function isTrue(value: string | undefined): boolean {
  return value !== undefined && GO_TRUE_VALUES.has(value);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

export function readGhaCacheEnvironment(env: Environment): GhaCacheEnvironment {
  const serviceVersion = isTrue(env.ACTIONS_CACHE_SERVICE_V2) ? 2 : 1;
  const missing: string[] = [];
  if (!isSet(env.ACTIONS_RUNTIME_TOKEN)) missing.push('ACTIONS_RUNTIME_TOKEN');
  if (serviceVersion === 2) {
    // buildx's v2 client reads only ACTIONS_RESULTS_URL (url_v2); ACTIONS_CACHE_URL is ignored.
    if (!isSet(env.ACTIONS_RESULTS_URL)) missing.push('ACTIONS_RESULTS_URL');
  } else if (!isSet(env.ACTIONS_CACHE_URL) && !isSet(env.ACTIONS_RESULTS_URL)) {
    missing.push('ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL');
  }
  return { ...parseGhaCacheMode(env.ACTIONS_CACHE_MODE), serviceVersion, missing };
}
