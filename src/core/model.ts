/**
 * The vocabulary every stage shares: each closed set of words is a value list (for parsers,
 * schemas and error messages) and the union type derived from it, so the two never drift.
 */

/** Which number budgets and increases apply to. */
export const METRICS = ['uncompressed', 'compressed'] as const;
export type Metric = (typeof METRICS)[number];

/**
 * A service's verdict. `missing`: a merge of shard reports where no report covers a service the
 * baseline or the config knows (its shard's job died before uploading); it fails like an error.
 */
export const STATUSES = ['pass', 'warn', 'fail', 'new', 'removed', 'error', 'missing'] as const;
export type Status = (typeof STATUSES)[number];

/** What fails the gate: every breach, budgets only, or nothing. */
export const FAIL_ONS = ['any', 'budget', 'never'] as const;
export type FailOn = (typeof FAIL_ONS)[number];

export const BREACH_KINDS = ['budget', 'increase', 'creep', 'error'] as const;
export type BreachKind = (typeof BREACH_KINDS)[number];

export const LAYER_CHANGE_KINDS = ['added', 'removed', 'grown', 'shrunk', 'unchanged'] as const;
export type LayerChangeKind = (typeof LAYER_CHANGE_KINDS)[number];

export const MODES = ['check', 'update', 'report', 'plan'] as const;
export type Mode = (typeof MODES)[number];

export const COMMENT_POLICIES = ['auto', 'always', 'never'] as const;
export type CommentPolicy = (typeof COMMENT_POLICIES)[number];

export const CACHE_BACKENDS = ['gha', 'none'] as const;
export type CacheBackend = (typeof CACHE_BACKENDS)[number];

/**
 * `auto`: deep file analysis, shown for services that changed; `all`: shown for every service;
 * `none`: no file analysis (max-wasted and min-efficiency are then not checked).
 */
export const ANALYZE_MODES = ['auto', 'all', 'none'] as const;
export type AnalyzeMode = (typeof ANALYZE_MODES)[number];

/** How an image came to be: built by buildx, by the engine's BuildKit, or pulled as it is. */
export const BUILD_METHODS = ['buildx', 'engine', 'prebuilt'] as const;
export type BuildMethod = (typeof BUILD_METHODS)[number];

export const HINT_IDS = [
  'build-toolchain',
  'package-manager-cache',
  'python-bytecode',
  'package-tests-and-docs',
  'dockerignore-candidates',
  'unstripped-binaries',
  'deleted-later',
] as const;
export type HintId = (typeof HINT_IDS)[number];

/** The package databases bytes are attributed from, in the order that decides a contested file. */
export const ECOSYSTEMS = ['dpkg', 'apk', 'python', 'npm'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** One package in an image, as the baseline keeps it: no file lists. */
export interface PackageSummary {
  readonly ecosystem: Ecosystem;
  /** `libc6:i386` for a dpkg package of a foreign architecture. */
  readonly name: string;
  /** Distinct versions of installs sharing the name, joined with `, `. */
  readonly version: string;
  readonly bytes: number;
}

/** How much a service may grow against its baseline: a share of the baseline or a fixed size. */
export type Increase =
  | { readonly kind: 'percent'; readonly percent: number }
  | { readonly kind: 'bytes'; readonly bytes: number };

/** One layer as measured, kept in the baseline and written in the JSON report. */
export interface LayerShape {
  /** sha256 of the uncompressed layer tar, as in the image config's rootfs.diff_ids. */
  readonly diffId: string;
  /** Regular-file bytes in the layer tar (what BuildKit-built images report as `.Size`). */
  readonly size: number;
  /**
   * Bytes of the layer blob a pull transfers: exact where the blob is stored compressed,
   * otherwise `gzip -6` of the layer tar (estimated, or remembered by diffID from the baseline).
   * Absent when not computed.
   */
  readonly compressed?: number;
  /** The Dockerfile instruction that made the layer, from the config history. */
  readonly instruction: string;
  /** True when the layer comes from the final stage's base image. */
  readonly base: boolean;
}

/** Environment variables as the process has them (`process.env`, or a test's). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Docker compose's rule for service names; names also end up in cache scopes and file keys. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
