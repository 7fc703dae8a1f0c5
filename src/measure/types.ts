export interface LayerMeasurement {
  /** sha256 of the uncompressed layer tar, as in the image config's rootfs.diff_ids. */
  readonly diffId: string;
  /** Regular-file bytes in the layer tar (what BuildKit-built images report as `.Size`). */
  readonly size: number;
  /** Bytes of the layer blob a pull transfers; absent when the measure stage did not compute it. */
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
  /** `os/architecture[/variant]` from the image config. */
  readonly platform: string;
  readonly layers: readonly LayerMeasurement[];
}
