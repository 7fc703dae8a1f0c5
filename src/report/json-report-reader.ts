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
import type { LayerChange, ServiceFindings, ShardReport } from '../compare/types.js';
import { platformOfUnit, platformProblem, serviceOfUnit } from '../core/platforms.js';
import type { ImageMeasurement, LayerMeasurement } from '../measure/types.js';
import { DocumentReader, parseJsonDocument, type ObjectReader } from '../core/document.js';
import {
  inventoryOf,
  packageFindingsOf,
  parseImagePackages,
  parsePackageFindings,
} from './json-report-packages.js';
import {
  type JsonAnalysis,
  type JsonSizedPath,
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
  const read = new DocumentReader(file);
  const root = read.root(parseJsonDocument(text, file));
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
    build: service.optional('build', (value, key) => parseBuild(read.object(value, key))) ?? null,
    packages:
      service.optional('packages', (value, key) => parsePackageFindings(read.object(value, key))) ??
      null,
    // Reports from before the trend have none.
    trend: service.has('trend')
      ? service.list('trend', (item) => {
          const point = item.asObject();
          return {
            commit: point.nullable('commit', (value, key) =>
              commitId(read.string(value, key), key, read),
            ),
            at: point.nullable('at', (value, key) => read.string(value, key)),
            size: point.bytes('size'),
          };
        })
      : null,
    layerChanges: service.list('layerChanges', (item) => {
      const layer = item.asObject();
      return {
        instruction: layer.string('instruction'),
        kind: layer.oneOf('kind', LAYER_CHANGE_KINDS),
        baseline: layer.nullable('baseline', (value, key) => read.bytes(value, key)),
        current: layer.nullable('current', (value, key) => read.bytes(value, key)),
        change: layer.integer('change'),
        base: layer.boolean('base'),
        layer: layer.optional('layer', (value, key) => read.integer(value, key)) ?? null,
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
    fromBaseline: image.optional('fromBaseline', (value, key) => read.boolean(value, key)) ?? false,
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
  // `api`, or one platform of it: `api@linux/arm64`.
  const platform = platformOfUnit(name);
  if (
    !SERVICE_NAME_PATTERN.test(serviceOfUnit(name)) ||
    (platform !== undefined && platformProblem(platform) !== undefined)
  ) {
    service.reader.fail(service.key('name'), name, 'is not a service name');
  }
  return name;
}

/** Commit IDs go into charts and links: only what git prints (SHA-1 or SHA-256 hex). */
function commitId(value: string, key: string, read: DocumentReader): string {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(value)) {
    read.fail(key, value, 'must be a git commit ID (40 or 64 hex digits)');
  }
  return value;
}

function repositoryPath(value: string, key: string, read: DocumentReader): string {
  const segments = value.split(/[\\/]/);
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || segments.includes('..')) {
    read.fail(key, value, 'must be a path inside the repository');
  }
  return value;
}

function parseAnalysis(analysis: ObjectReader): JsonAnalysis {
  const sizedPaths = (owner: ObjectReader, name: string): JsonSizedPath[] =>
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
        packages: hint.has('packages')
          ? hint.list('packages', (item) => {
              const owner = item.asObject();
              return { name: owner.string('name'), bytes: owner.bytes('bytes') };
            })
          : [],
      };
    }),
    packages:
      analysis.optional('packages', (value, key) =>
        parseImagePackages(analysis.reader.object(value, key)),
      ) ?? null,
  };
}

/** What a decoded JSON report says, as compare's findings. */
export function shardReportOf(report: JsonReport): ShardReport {
  return { metric: report.metric, services: report.services.map(serviceFindings) };
}

function serviceFindings(service: JsonServiceReport): ServiceFindings {
  const measurement = service.image === null ? undefined : measurementOf(service.image);
  const layerChanges = service.layerChanges.map((layer): LayerChange => ({
    instruction: layer.instruction,
    kind: layer.kind,
    baseline: layer.baseline ?? undefined,
    current: layer.current ?? undefined,
    change: layer.change,
    base: layer.base,
    layer: layer.layer ?? undefined,
  }));
  return {
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
    packages: service.packages === null ? undefined : packageFindingsOf(service.packages),
    trend: service.trend?.map((point) => ({
      commit: point.commit ?? undefined,
      at: point.at ?? undefined,
      size: point.size,
    })),
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
    ...(image.analysis === null
      ? {}
      : { analysis: { ...image.analysis, packages: inventoryOf(image.analysis.packages) } }),
    ...(image.fromBaseline ? { fromBaseline: { wastedBytes: undefined } } : {}),
    layers: image.layers.map((layer): LayerMeasurement => ({
      diffId: layer.diffId,
      size: layer.size,
      ...(layer.compressed === null ? {} : { compressed: layer.compressed }),
      instruction: layer.instruction,
      base: layer.base,
    })),
  };
}
