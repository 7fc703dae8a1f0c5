import type { LayerShape, PackageSummary } from '../core/model.js';

/** A layer as the baseline keeps it. */
export type BaselineLayer = LayerShape;

export interface BaselineEntry {
  readonly size: number;
  readonly compressed?: number;
  readonly platform?: string;
  /**
   * The measured image's config digest: a run that builds this very image again takes its
   * numbers from this entry instead of streaming it. Absent in older and hand-written entries.
   */
  readonly imageId?: string;
  /** Bytes later layers delete or overwrite, when the image was analysed. */
  readonly wasted?: number;
  readonly layers: readonly BaselineLayer[];
  /** One row per package (no file lists); absent in entries written before packages. */
  readonly packages?: readonly PackageSummary[];
}

export interface Baseline {
  readonly version: 1;
  readonly services: Readonly<Record<string, BaselineEntry>>;
}

/** A service's numbers in a committed version of the baseline file. */
export interface VersionEntry {
  readonly size: number;
  readonly compressed?: number;
  readonly platform?: string;
}

/** One committed version of the baseline file: its services' sizes at that commit. */
export interface BaselineVersion {
  readonly commit: string;
  /** The commit's committer date, ISO 8601. */
  readonly committedAt: string;
  readonly services: Readonly<Record<string, VersionEntry>>;
}

/**
 * The baseline file's past versions from the repository's history, oldest first, or why there
 * are none to read (a shallow clone, no git, a file never committed).
 */
export type BaselineHistory =
  | {
      readonly kind: 'read';
      readonly versions: readonly BaselineVersion[];
      /** Versions that could not be used, each with its commit and why; said as warnings. */
      readonly skipped: readonly string[];
      /** True when the clone is shallow: older versions may exist beyond what it holds. */
      readonly shallow: boolean;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };
