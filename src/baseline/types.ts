import type { LayerShape, PackageSummary } from '../core/model.js';

/** A layer as the baseline keeps it. */
export type BaselineLayer = LayerShape;

export interface BaselineEntry {
  readonly size: number;
  readonly compressed?: number;
  readonly platform?: string;
  readonly layers: readonly BaselineLayer[];
  /** One row per package (no file lists); absent in entries written before packages. */
  readonly packages?: readonly PackageSummary[];
}

export interface Baseline {
  readonly version: 1;
  readonly services: Readonly<Record<string, BaselineEntry>>;
}
