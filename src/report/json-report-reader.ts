import {
  BREACH_KINDS,
  BUILD_METHODS,
  FAIL_ONS,
  HINT_IDS,
  LAYER_CHANGE_KINDS,
  METRICS,
  SERVICE_NAME_PATTERN,
  STATUSES,
} from '../core/model.js';
import { locateJsonSyntaxError } from '../core/json-syntax.js';
import { InputError, errorMessage } from '../core/errors.js';
import type { ImageAnalysis, SizedPath } from '../measure/analysis-types.js';
import {
  type JsonBuild,
  type JsonImage,
  type JsonReport,
  type JsonServiceReport,
} from './json-report-schema.js';

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
        kind: layer.oneOf('kind', LAYER_CHANGE_KINDS),
        baseline: layer.nullable('baseline', (value, key) => read.bytes(value, key)),
        current: layer.nullable('current', (value, key) => read.bytes(value, key)),
        change: layer.integer('change'),
        base: layer.boolean('base'),
      };
    }),
  };
}

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
