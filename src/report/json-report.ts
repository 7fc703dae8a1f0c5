import { locateJsonSyntaxError } from '../baseline/json-syntax.js';
import { compareNames, computeTotal, failureLines, splitBaseOwn } from '../compare/compare.js';
import type {
  Breach,
  FailOn,
  LayerChange,
  LayerChangeKind,
  ServiceResult,
  Status,
  Verdict,
} from '../compare/types.js';
import { InputError, errorMessage } from '../errors.js';
import type { HintId, ImageAnalysis, SizedPath } from '../measure/analysis-types.js';
import type { ImageMeasurement, LayerMeasurement } from '../measure/types.js';
import { SERVICE_NAME_PATTERN } from '../services/config.js';
import type { Metric } from '../services/types.js';

/**
 * The JSON report file (output `report`), version 1. A public interface: add fields freely,
 * never rename or retype one without bumping `version`. Sizes are exact bytes; a value that does
 * not exist is `null`, never a missing key, so consumers can rely on every key being present.
 */
export interface JsonReport {
  readonly version: 1;
  /** ISO 8601 time the report was made. */
  readonly generatedAt: string;
  /** The action's `mode` (`check`, `update`, `report`) or the CLI command. */
  readonly mode: string;
  /** Link to the workflow run, when there is one. */
  readonly runUrl: string | null;
  /**
   * The pull request the measured commit belongs to, from the measuring run's own event. A
   * relay job must check `headSha` against its trusted workflow_run event before using `number`.
   */
  readonly pullRequest: JsonPullRequest | null;
  readonly passed: boolean;
  /** Which number budgets and increases apply to; every `baseline`/`current`/`change` uses it. */
  readonly metric: Metric;
  readonly failOn: FailOn;
  readonly total: JsonTotal;
  /** Sorted by name. */
  readonly services: readonly JsonServiceReport[];
  /** One line per failing service (and the total), as the failed check states them. */
  readonly failures: readonly string[];
}

export interface JsonTotal {
  readonly baseline: number;
  readonly current: number;
  readonly change: number;
  readonly budget: number | null;
  readonly overBudget: boolean;
  /** Baseline bytes of services not built in this run, counted on both sides. */
  readonly carried: number;
  readonly carriedServices: number;
}

export interface JsonPullRequest {
  readonly number: number;
  readonly headSha: string;
}

export interface JsonServiceReport {
  readonly name: string;
  readonly status: Status;
  /** Baseline bytes in the report's metric; null for a new service. */
  readonly baseline: number | null;
  /** Measured bytes in the report's metric; null when not measured (error, removed). */
  readonly current: number | null;
  /** current − baseline; null unless both exist. */
  readonly change: number | null;
  readonly budget: number | null;
  /** The change was below ignore-below: noise. */
  readonly unchanged: boolean;
  /** Human sentences with the numbers. */
  readonly reasons: readonly string[];
  /** Why the build or measurement failed (status `error`). */
  readonly error: string | null;
  /** The measured image, whatever the metric; null when not measured. */
  readonly image: JsonImage | null;
  /** The service's Dockerfile relative to the repository root; null for prebuilt images. */
  readonly dockerfile: string | null;
  /**
   * The limits the service broke, as evaluated with the report's fail-on: `budget` and `error`
   * fail the gate unless fail-on is never, `increase` only with fail-on any.
   */
  readonly breaches: readonly JsonBreach[];
  /** Layers against the baseline's, in image order, uncompressed bytes; empty without a baseline. */
  readonly layerChanges: readonly JsonLayerChange[];
  /** How the image was built; null for a removed service (and in reports from before it). */
  readonly build: JsonBuild | null;
}

export interface JsonBuild {
  readonly method: 'buildx' | 'engine' | 'prebuilt';
  /** Wall-clock seconds, one decimal. */
  readonly seconds: number;
  readonly cache: { readonly on: boolean; readonly note: string };
  /** Dockerfile steps and how many came from a cache; null when the builder did not say. */
  readonly steps: { readonly total: number; readonly cached: number } | null;
}

export interface JsonBreach {
  readonly kind: Breach['kind'];
  readonly reason: string;
}

export interface JsonLayerChange {
  readonly instruction: string;
  readonly kind: LayerChangeKind;
  /** null for an added layer. */
  readonly baseline: number | null;
  /** null for a removed layer. */
  readonly current: number | null;
  readonly change: number;
  readonly base: boolean;
}

export interface JsonImage {
  readonly imageId: string;
  readonly platform: string;
  /** Uncompressed bytes. */
  readonly size: number;
  /** Compressed bytes (what a pull transfers); null when not measured. */
  readonly compressed: number | null;
  /** True when `compressed` is a gzip estimate, not the size of stored blobs. */
  readonly compressedEstimated: boolean;
  /** The final stage's base image, when known. */
  readonly baseImage: string | null;
  /** In image order, base layers first. */
  readonly layers: readonly JsonLayer[];
  /** Files, waste and hints; null when `analyze: none`. */
  readonly analysis: ImageAnalysis | null;
}

export interface JsonLayer {
  readonly diffId: string;
  readonly size: number;
  readonly compressed: number | null;
  readonly instruction: string;
  readonly base: boolean;
}

export interface JsonReportMeta {
  readonly generatedAt: string;
  readonly mode: string;
  readonly runUrl?: string | undefined;
  readonly pullRequest?: JsonPullRequest | undefined;
}

export function buildJsonReport(verdict: Verdict, meta: JsonReportMeta): JsonReport {
  return {
    version: 1,
    generatedAt: meta.generatedAt,
    mode: meta.mode,
    runUrl: meta.runUrl ?? null,
    pullRequest: meta.pullRequest ?? null,
    passed: verdict.passed,
    metric: verdict.metric,
    failOn: verdict.failOn,
    total: {
      baseline: verdict.total.baseline,
      current: verdict.total.current,
      change: verdict.total.change,
      budget: verdict.total.budget ?? null,
      overBudget: verdict.total.overBudget,
      carried: verdict.total.carried,
      carriedServices: verdict.total.carriedServices,
    },
    services: verdict.services.map(serviceReport),
    failures: [...verdict.failures],
  };
}

/** 2-space JSON with a trailing newline. */
export function serializeJsonReport(report: JsonReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function serviceReport(service: ServiceResult): JsonServiceReport {
  const { measurement } = service;
  return {
    name: service.name,
    status: service.status,
    baseline: service.baseline ?? null,
    current: service.current ?? null,
    change: service.change ?? null,
    budget: service.budget ?? null,
    unchanged: service.unchanged,
    reasons: [...service.reasons],
    error: service.error ?? null,
    dockerfile: service.dockerfile ?? null,
    breaches: service.breaches.map((breach) => ({ kind: breach.kind, reason: breach.reason })),
    build: service.build
      ? {
          method: service.build.method,
          seconds: service.build.seconds,
          cache: { on: service.build.cache.on, note: service.build.cache.note },
          steps: service.build.steps
            ? { total: service.build.steps.total, cached: service.build.steps.cached }
            : null,
        }
      : null,
    layerChanges: service.layerChanges.map((layer) => ({
      instruction: layer.instruction,
      kind: layer.kind,
      baseline: layer.baseline ?? null,
      current: layer.current ?? null,
      change: layer.change,
      base: layer.base,
    })),
    image:
      measurement === undefined
        ? null
        : {
            imageId: measurement.imageId,
            platform: measurement.platform,
            size: measurement.size,
            compressed: measurement.compressed ?? null,
            compressedEstimated: measurement.compressedEstimated ?? false,
            baseImage: measurement.baseImage ?? null,
            layers: measurement.layers.map((layer) => ({
              diffId: layer.diffId,
              size: layer.size,
              compressed: layer.compressed ?? null,
              instruction: layer.instruction,
              base: layer.base,
            })),
            analysis: measurement.analysis ?? null,
          },
  };
}

export interface VerdictFromReportsOptions {
  readonly totalBudget?: number | undefined;
  readonly failOn: FailOn;
  /**
   * Every service the repository knows (the baseline's, with their baseline bytes in the
   * reports' metric, and the config's or compose file's): one that no report covers is
   * `missing`, counted at its baseline size in the total.
   */
  readonly knownServices?: ReadonlyMap<string, number | undefined> | undefined;
  /** Names for the reports in messages (their file paths), in the order of `reports`. */
  readonly reportNames?: readonly string[] | undefined;
}

/**
 * One verdict from the reports of several shards (`mode: report`). Services are the union; a
 * service in two reports takes the later report's result (input order decides). The total and
 * the failure lines are recomputed exactly as compare makes them: the total from the services,
 * the failures from each service's stored breaches under `failOn`, plus the total line.
 * Statuses and reasons are the shards' own, so shards and the merge should share fail-on.
 * Every report must use the same metric (an InputError names the first that does not).
 */
export function verdictFromReports(
  reports: readonly JsonReport[],
  options: VerdictFromReportsOptions,
): Verdict {
  const [first] = reports;
  if (first === undefined) throw new Error('verdictFromReports needs at least one report');
  const byName = new Map<string, ServiceResult>();
  const reportOf = new Map<string, number>();
  const nameOf = (index: number): string => options.reportNames?.[index] ?? `report ${index + 1}`;
  reports.forEach((report, index) => {
    if (report.metric !== first.metric) {
      throw new InputError(
        `report ${index + 1} of ${reports.length}`,
        'metric',
        report.metric,
        `differs from the first report's metric ("${first.metric}"); every shard must measure the same metric`,
      );
    }
    for (const service of report.services) {
      const earlier = reportOf.get(service.name);
      if (earlier !== undefined) {
        const reason = `is in two shard reports (${nameOf(earlier)} and ${nameOf(index)}); each service belongs to exactly one shard`;
        byName.set(service.name, unreportedService(service.name, 'error', undefined, reason));
        continue;
      }
      reportOf.set(service.name, index);
      byName.set(service.name, serviceResult(service));
    }
  });
  const missingBaselines: number[] = [];
  for (const [name, baseline] of options.knownServices ?? []) {
    if (byName.has(name)) continue;
    const reason = `no shard report covers it (${reports.length} merged): its job may have failed before uploading its report`;
    byName.set(name, unreportedService(name, 'missing', baseline, reason));
    if (baseline !== undefined) missingBaselines.push(baseline);
  }
  const services = [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
  const total = computeTotal(services, options.totalBudget, missingBaselines);
  const failures = failureLines(services, total, options.failOn);
  return {
    passed: failures.length === 0,
    metric: first.metric,
    failOn: options.failOn,
    services,
    total,
    failures,
  };
}

/** A service the merge has no measurement for: in two reports, or in none. It fails the gate. */
function unreportedService(
  name: string,
  status: 'error' | 'missing',
  baseline: number | undefined,
  reason: string,
): ServiceResult {
  return {
    name,
    status,
    baseline,
    current: undefined,
    change: undefined,
    budget: undefined,
    reasons: [reason],
    unchanged: false,
    measurement: undefined,
    error: reason,
    breaches: [{ kind: 'error', reason }],
    layerChanges: [],
    dockerfile: undefined,
  };
}

function serviceResult(service: JsonServiceReport): ServiceResult {
  const measurement = service.image === null ? undefined : measurementOf(service.image);
  const layerChanges = service.layerChanges.map((layer): LayerChange => ({
    instruction: layer.instruction,
    kind: layer.kind,
    baseline: layer.baseline ?? undefined,
    current: layer.current ?? undefined,
    change: layer.change,
    base: layer.base,
  }));
  return {
    ...splitBaseOwn(layerChanges, measurement),
    name: service.name,
    status: service.status,
    baseline: service.baseline ?? undefined,
    current: service.current ?? undefined,
    change: service.change ?? undefined,
    budget: service.budget ?? undefined,
    reasons: [...service.reasons],
    unchanged: service.unchanged,
    measurement,
    error: service.error ?? undefined,
    breaches: service.breaches.map((breach) => ({ kind: breach.kind, reason: breach.reason })),
    layerChanges,
    dockerfile: service.dockerfile ?? undefined,
    build: service.build
      ? {
          method: service.build.method,
          seconds: service.build.seconds,
          cache: service.build.cache,
          steps: service.build.steps ?? undefined,
        }
      : undefined,
  };
}

function measurementOf(image: JsonImage): ImageMeasurement {
  return {
    imageId: image.imageId,
    platform: image.platform,
    size: image.size,
    ...(image.compressed === null
      ? {}
      : {
          compressed: image.compressed,
          ...(image.compressedEstimated ? { compressedEstimated: true } : {}),
        }),
    ...(image.baseImage === null ? {} : { baseImage: image.baseImage }),
    ...(image.analysis === null ? {} : { analysis: image.analysis }),
    layers: image.layers.map((layer): LayerMeasurement => ({
      diffId: layer.diffId,
      size: layer.size,
      ...(layer.compressed === null ? {} : { compressed: layer.compressed }),
      instruction: layer.instruction,
      base: layer.base,
    })),
  };
}

const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'new', 'removed', 'error', 'missing'];
const METRICS: readonly Metric[] = ['uncompressed', 'compressed'];
const FAIL_ONS: readonly FailOn[] = ['any', 'budget', 'never'];
const BREACH_KINDS: readonly Breach['kind'][] = ['budget', 'increase', 'error'];
const LAYER_KINDS: readonly LayerChangeKind[] = [
  'added',
  'removed',
  'grown',
  'shrunk',
  'unchanged',
];

/**
 * Reads a JSON report written by this version (a shard's, for `mode: report`). Every key must be
 * present with its type; keys this version does not know are ignored (version 1 only grows).
 * Anything wrong throws an InputError naming the file, the key path and the value.
 */
export function parseJsonReport(text: string, file: string): JsonReport {
  const read = new ReportReader(file);
  const root = read.object(read.json(text.replace(/^\uFEFF/, '')), '(top level)');
  const version = root.value('version');
  if (version !== 1) {
    const newer = typeof version === 'number' && Number.isInteger(version) && version > 1;
    read.fail(
      'version',
      version,
      newer
        ? 'is newer than this version of image-size-gate reads (1); use the same action version for every shard'
        : 'must be 1',
    );
  }
  const total = root.object('total');
  return {
    version: 1,
    generatedAt: root.string('generatedAt'),
    mode: root.string('mode'),
    runUrl: root.nullable('runUrl', (value, key) => read.string(value, key)),
    pullRequest: root.nullable('pullRequest', (value, key) => {
      const pullRequest = read.object(value, key);
      return {
        number: pullRequest.integer('number'),
        headSha: pullRequest.string('headSha'),
      };
    }),
    passed: root.boolean('passed'),
    metric: root.oneOf('metric', METRICS),
    failOn: root.oneOf('failOn', FAIL_ONS),
    total: {
      baseline: total.bytes('baseline'),
      current: total.bytes('current'),
      change: total.integer('change'),
      budget: total.nullable('budget', (value, key) => read.bytes(value, key)),
      overBudget: total.boolean('overBudget'),
      carried: total.bytes('carried'),
      carriedServices: total.integer('carriedServices'),
    },
    services: root.list('services', (item) => parseService(item.asObject())),
    failures: root.list('failures', (line) => line.self((value, key) => read.string(value, key))),
  };
}

function parseService(service: ObjectReader): JsonServiceReport {
  const read = service.reader;
  return {
    // A merged report comes from a job that ran untrusted code: names go into commands we
    // print, paths into file reads, so both must look like what this action writes.
    name: serviceName(service),
    status: service.oneOf('status', STATUSES),
    baseline: service.nullable('baseline', (value, key) => read.bytes(value, key)),
    current: service.nullable('current', (value, key) => read.bytes(value, key)),
    change: service.nullable('change', (value, key) => read.integer(value, key)),
    budget: service.nullable('budget', (value, key) => read.bytes(value, key)),
    unchanged: service.boolean('unchanged'),
    reasons: service.list('reasons', (item) => item.self((value, key) => read.string(value, key))),
    error: service.nullable('error', (value, key) => read.string(value, key)),
    image: service.nullable('image', (value, key) => parseImage(read.object(value, key))),
    dockerfile: service.nullable('dockerfile', (value, key) =>
      repositoryPath(read.string(value, key), key, read),
    ),
    breaches: service.list('breaches', (item) => {
      const breach = item.asObject();
      return { kind: breach.oneOf('kind', BREACH_KINDS), reason: breach.string('reason') };
    }),
    build: service.optional('build', (value, key) => parseBuild(read.object(value, key))),
    layerChanges: service.list('layerChanges', (item) => {
      const layer = item.asObject();
      return {
        instruction: layer.string('instruction'),
        kind: layer.oneOf('kind', LAYER_KINDS),
        baseline: layer.nullable('baseline', (value, key) => read.bytes(value, key)),
        current: layer.nullable('current', (value, key) => read.bytes(value, key)),
        change: layer.integer('change'),
        base: layer.boolean('base'),
      };
    }),
  };
}

const BUILD_METHODS: readonly JsonBuild['method'][] = ['buildx', 'engine', 'prebuilt'];

function parseBuild(build: ObjectReader): JsonBuild {
  const cache = build.object('cache');
  return {
    method: build.oneOf('method', BUILD_METHODS),
    seconds: build.seconds('seconds'),
    cache: { on: cache.boolean('on'), note: cache.string('note') },
    steps: build.nullable('steps', (value, key) => {
      const steps = build.reader.object(value, key);
      return { total: steps.bytes('total'), cached: steps.bytes('cached') };
    }),
  };
}

function parseImage(image: ObjectReader): JsonImage {
  const read = image.reader;
  return {
    imageId: image.string('imageId'),
    platform: image.string('platform'),
    size: image.bytes('size'),
    compressed: image.nullable('compressed', (value, key) => read.bytes(value, key)),
    compressedEstimated: image.boolean('compressedEstimated'),
    baseImage: image.nullable('baseImage', (value, key) => read.string(value, key)),
    analysis: image.nullable('analysis', (value, key) => parseAnalysis(read.object(value, key))),
    layers: image.list('layers', (item) => {
      const layer = item.asObject();
      return {
        diffId: layer.string('diffId'),
        size: layer.bytes('size'),
        compressed: layer.nullable('compressed', (value, key) => read.bytes(value, key)),
        instruction: layer.string('instruction'),
        base: layer.boolean('base'),
      };
    }),
  };
}

function serviceName(service: ObjectReader): string {
  const name = service.string('name');
  if (!SERVICE_NAME_PATTERN.test(name)) {
    service.reader.fail(service.key('name'), name, 'is not a service name');
  }
  return name;
}

function repositoryPath(value: string, key: string, read: ReportReader): string {
  const segments = value.split(/[\\/]/);
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || segments.includes('..')) {
    read.fail(key, value, 'must be a path inside the repository');
  }
  return value;
}

const HINT_IDS: readonly HintId[] = [
  'build-toolchain',
  'package-manager-cache',
  'python-bytecode',
  'package-tests-and-docs',
  'dockerignore-candidates',
  'unstripped-binaries',
  'deleted-later',
];

function parseAnalysis(analysis: ObjectReader): ImageAnalysis {
  const sizedPaths = (owner: ObjectReader, name: string): SizedPath[] =>
    owner.list(name, (item) => {
      const entry = item.asObject();
      return { path: entry.string('path'), bytes: entry.bytes('bytes') };
    });
  const efficiency = analysis.value('efficiency');
  if (typeof efficiency !== 'number' || efficiency < 0 || efficiency > 1) {
    analysis.reader.fail(analysis.key('efficiency'), efficiency, 'must be a number from 0 to 1');
  }
  return {
    wastedBytes: analysis.bytes('wastedBytes'),
    efficiency,
    wasted: analysis.list('wasted', (item) => {
      const entry = item.asObject();
      return {
        path: entry.string('path'),
        bytes: entry.bytes('bytes'),
        addedInLayer: entry.integer('addedInLayer'),
        removedInLayer: entry.integer('removedInLayer'),
        how: entry.oneOf('how', ['overwritten', 'deleted'] as const),
      };
    }),
    layers: analysis.list('layers', (item) => {
      const layer = item.asObject();
      return {
        largestFiles: sizedPaths(layer, 'largestFiles'),
        largestDirectories: sizedPaths(layer, 'largestDirectories'),
      };
    }),
    hints: analysis.list('hints', (item) => {
      const hint = item.asObject();
      return {
        id: hint.oneOf('id', HINT_IDS),
        title: hint.string('title'),
        bytes: hint.bytes('bytes'),
        fix: hint.string('fix'),
        examples: sizedPaths(hint, 'examples'),
        layers: hint.list('layers', (index) =>
          index.self((value, key) => hint.reader.integer(value, key)),
        ),
      };
    }),
  };
}

/** Type checks that throw an InputError naming the file, the key path and the value. */
class ReportReader {
  constructor(readonly file: string) {}

  fail(key: string, value: unknown, problem: string): never {
    throw new InputError(this.file, key, value, problem);
  }

  json(text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const syntax = locateJsonSyntaxError(text);
      if (syntax === undefined) {
        return this.fail('(file)', undefined, `is not valid JSON: ${errorMessage(error)}`);
      }
      const found = text.slice(syntax.offset, syntax.offset + 20);
      return this.fail(
        `line ${syntax.line}, column ${syntax.column}`,
        found === '' ? undefined : found,
        `is not valid JSON: expected ${syntax.expected}`,
      );
    }
  }

  object(value: unknown, key: string): ObjectReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(key, value, 'must be an object');
    }
    return new ObjectReader(this, value as Readonly<Record<string, unknown>>, key);
  }

  string(value: unknown, key: string): string {
    return typeof value === 'string' ? value : this.fail(key, value, 'must be a string');
  }

  boolean(value: unknown, key: string): boolean {
    return typeof value === 'boolean' ? value : this.fail(key, value, 'must be true or false');
  }

  bytes(value: unknown, key: string): number {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? value
      : this.fail(key, value, 'must be a whole number of bytes (0 or more)');
  }

  integer(value: unknown, key: string): number {
    return typeof value === 'number' && Number.isSafeInteger(value)
      ? value
      : this.fail(key, value, 'must be a whole number of bytes');
  }
}

/** One object of the report and its key path (`services[2].image`). */
class ObjectReader {
  constructor(
    readonly reader: ReportReader,
    private readonly members: Readonly<Record<string, unknown>>,
    private readonly path: string,
  ) {}

  value(name: string): unknown {
    // Own keys only: `constructor` or `__proto__` in the file must not read inherited values.
    return Object.hasOwn(this.members, name) ? this.members[name] : undefined;
  }

  key(name: string): string {
    return this.path === '(top level)' ? name : `${this.path}.${name}`;
  }

  string(name: string): string {
    return this.reader.string(this.value(name), this.key(name));
  }

  boolean(name: string): boolean {
    return this.reader.boolean(this.value(name), this.key(name));
  }

  bytes(name: string): number {
    return this.reader.bytes(this.value(name), this.key(name));
  }

  integer(name: string): number {
    return this.reader.integer(this.value(name), this.key(name));
  }

  object(name: string): ObjectReader {
    return this.reader.object(this.value(name), this.key(name));
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.value(name);
    const found = allowed.find((option) => option === value);
    return (
      found ?? this.reader.fail(this.key(name), value, `must be one of: ${allowed.join(', ')}`)
    );
  }

  /** A duration: a finite number of seconds, 0 or more. */
  seconds(name: string): number {
    const value = this.value(name);
    return typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? value
      : this.reader.fail(this.key(name), value, 'must be a number of seconds (0 or more)');
  }

  /** A key added after version 1 first shipped: missing or null both read as null. */
  optional<T>(name: string, read: (value: unknown, key: string) => T): T | null {
    const value = this.value(name);
    return value === undefined || value === null ? null : read(value, this.key(name));
  }

  /** The value, or null when the file says null; a missing key is an error, not null. */
  nullable<T>(name: string, read: (value: unknown, key: string) => T): T | null {
    const value = this.value(name);
    const key = this.key(name);
    if (value === undefined) return this.reader.fail(key, value, 'is missing (use null for none)');
    return value === null ? null : read(value, key);
  }

  list<T>(name: string, read: (item: ItemReader) => T): T[] {
    const value = this.value(name);
    const key = this.key(name);
    if (!Array.isArray(value)) return this.reader.fail(key, value, 'must be a list');
    return value.map((item: unknown, index) =>
      read(new ItemReader(this.reader, item, `${key}[${index}]`)),
    );
  }
}

/** One element of a list, with its key path (`services[2]`). */
class ItemReader {
  constructor(
    readonly reader: ReportReader,
    private readonly item: unknown,
    private readonly path: string,
  ) {}

  asObject(): ObjectReader {
    return this.reader.object(this.item, this.path);
  }

  self<T>(read: (value: unknown, key: string) => T): T {
    return read(this.item, this.path);
  }
}
