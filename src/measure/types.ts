import type { ImageAnalysis } from './analysis-types.js';

export interface LayerMeasurement {
  /** sha256 of the uncompressed layer tar, as in the image config's rootfs.diff_ids. */
  readonly diffId: string;
  /** Regular-file bytes in the layer tar (what BuildKit-built images report as `.Size`). */
  readonly size: number;
  /**
   * Bytes of the layer blob a pull transfers: exact where the blob is stored compressed,
   * otherwise `gzip -6` of the layer tar (estimated, or remembered by diffID from the baseline).
   * Absent when not computed.
   */
  readonly compressed?: number;
  /** The Dockerfile instruction that made the layer, from the config history. */
  readonly instruction: string;
  /** True when the layer comes from the final stage's base image. */
  readonly base: boolean;
}

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
}
