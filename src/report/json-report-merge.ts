import type { LayerChange, ServiceFindings, ShardReport, Verdict } from '../compare/types.js';
import { mergeShardReports, type MergeOptions } from '../compare/merge.js';
import type { ImageMeasurement, LayerMeasurement } from '../measure/types.js';
import type { JsonImage, JsonReport, JsonServiceReport } from './json-report-schema.js';

export type VerdictFromReportsOptions = MergeOptions;

/** One verdict from the JSON reports of several shards (see `mergeShardReports`). */
export function verdictFromReports(
  reports: readonly JsonReport[],
  options: VerdictFromReportsOptions,
): Verdict {
  return mergeShardReports(reports.map(shardReportOf), options);
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
