import type { FailOn, ServiceResult, Status, Verdict } from '../compare/types.js';
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
}

export interface JsonImage {
  readonly imageId: string;
  readonly platform: string;
  /** Uncompressed bytes. */
  readonly size: number;
  /** Compressed bytes (what a pull transfers); null when not measured. */
  readonly compressed: number | null;
  /** In image order, base layers first. */
  readonly layers: readonly JsonLayer[];
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
}

export function buildJsonReport(verdict: Verdict, meta: JsonReportMeta): JsonReport {
  return {
    version: 1,
    generatedAt: meta.generatedAt,
    mode: meta.mode,
    runUrl: meta.runUrl ?? null,
    passed: verdict.passed,
    metric: verdict.metric,
    failOn: verdict.failOn,
    total: {
      baseline: verdict.total.baseline,
      current: verdict.total.current,
      change: verdict.total.change,
      budget: verdict.total.budget ?? null,
      overBudget: verdict.total.overBudget,
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
    image:
      measurement === undefined
        ? null
        : {
            imageId: measurement.imageId,
            platform: measurement.platform,
            size: measurement.size,
            compressed: measurement.compressed ?? null,
            layers: measurement.layers.map((layer) => ({
              diffId: layer.diffId,
              size: layer.size,
              compressed: layer.compressed ?? null,
              instruction: layer.instruction,
              base: layer.base,
            })),
          },
  };
}
