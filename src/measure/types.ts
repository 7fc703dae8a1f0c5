import type { LayerShape } from '../core/model.js';
import type { ImageAnalysis } from './analysis-types.js';

/** A layer as measured: the shape the baseline keeps and the JSON report writes. */
export type LayerMeasurement = LayerShape;

export interface ImageMeasurement {
  /** The image config digest (the image ID). */
  readonly imageId: string;
  /** Σ layer sizes. */
  readonly size: number;
  /** Σ compressed layer blobs (what a pull transfers); absent when not computed. */
  readonly compressed?: number;
  /** True when any layer's compressed size is an estimate rather than a stored blob's size. */
  readonly compressedEstimated?: boolean;
  /** `os/architecture[/variant]` from the image config. */
  readonly platform: string;
  readonly layers: readonly LayerMeasurement[];
  /** The final stage's base image, when known (`debian:bookworm-slim`). */
  readonly baseImage?: string;
  /** Deep analysis (files, waste, hints), when asked for. */
  readonly analysis?: ImageAnalysis;
  /**
   * Set when the image is the very one a baseline entry recorded (same config digest) and its
   * numbers were taken from there instead of streaming it: then there is no `analysis`, only the
   * waste the entry kept (when it was analysed).
   */
  readonly fromBaseline?: { readonly wastedBytes: number | undefined } | undefined;
}
