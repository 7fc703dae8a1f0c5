import type { LayerShape } from '../core/model.js';

/** A layer as the baseline keeps it. */
export type BaselineLayer = LayerShape;

export interface BaselineEntry {
  readonly size: number;
  readonly compressed?: number;
  readonly platform?: string;
  readonly layers: readonly BaselineLayer[];
}

export interface Baseline {
  readonly version: 1;
  readonly services: Readonly<Record<string, BaselineEntry>>;
}
