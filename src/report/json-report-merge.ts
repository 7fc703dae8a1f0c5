import { compareCodeUnits } from '../core/text.js';
import type { FailOn } from '../core/model.js';
import { computeTotal, failureLines, splitBaseOwn, unmeasuredService } from '../compare/compare.js';
import type { LayerChange, ServiceResult, Verdict } from '../compare/types.js';
import { InputError } from '../core/errors.js';
import type { ImageMeasurement, LayerMeasurement } from '../measure/types.js';
import type { JsonImage, JsonReport, JsonServiceReport } from './json-report-schema.js';

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
        byName.set(
          service.name,
          unmeasuredService({
            name: service.name,
            status: 'error',
            baseline: undefined,
            budget: undefined,
            reason,
          }),
        );
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
    byName.set(
      name,
      unmeasuredService({ name, status: 'missing', baseline, budget: undefined, reason }),
    );
    if (baseline !== undefined) missingBaselines.push(baseline);
  }
  const services = [...byName.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
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
