import type { ServiceResult, Verdict } from '../compare/types.js';
import type { ImageAnalysis, SizedPath } from '../measure/analysis-types.js';
import { imagePackagesReport, packageFindingsReport } from './json-report-packages.js';
import type {
  JsonAnalysis,
  JsonReport,
  JsonReportMeta,
  JsonServiceReport,
  JsonSizedPath,
} from './json-report-schema.js';

export type * from './json-report-schema.js';
export { parseJsonReport, shardReportOf } from './json-report-reader.js';

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
    packages: service.packages ? packageFindingsReport(service.packages) : null,
    trend:
      service.trend?.map((point) => ({
        commit: point.commit ?? null,
        at: point.at ?? null,
        size: point.size,
      })) ?? null,
    layerChanges: service.layerChanges.map((layer) => ({
      instruction: layer.instruction,
      kind: layer.kind,
      baseline: layer.baseline ?? null,
      current: layer.current ?? null,
      change: layer.change,
      base: layer.base,
      layer: layer.layer ?? null,
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
            analysis: measurement.analysis ? analysisReport(measurement.analysis) : null,
            fromBaseline: measurement.fromBaseline !== undefined,
          },
  };
}

function analysisReport(analysis: ImageAnalysis): JsonAnalysis {
  const sized = (entry: SizedPath): JsonSizedPath => ({ path: entry.path, bytes: entry.bytes });
  return {
    wastedBytes: analysis.wastedBytes,
    efficiency: analysis.efficiency,
    wasted: analysis.wasted.map((file) => ({
      path: file.path,
      bytes: file.bytes,
      addedInLayer: file.addedInLayer,
      removedInLayer: file.removedInLayer,
      how: file.how,
    })),
    layers: analysis.layers.map((layer) => ({
      largestFiles: layer.largestFiles.map(sized),
      largestDirectories: layer.largestDirectories.map(sized),
    })),
    hints: analysis.hints.map((hint) => ({
      id: hint.id,
      title: hint.title,
      bytes: hint.bytes,
      fix: hint.fix,
      examples: hint.examples.map(sized),
      layers: [...hint.layers],
      packages: hint.packages.map((owner) => ({ name: owner.name, bytes: owner.bytes })),
    })),
    packages: imagePackagesReport(analysis.packages),
  };
}
