import type {
  BreachKind,
  Ecosystem,
  BuildMethod,
  FailOn,
  HintId,
  LayerChangeKind,
  Metric,
  Status,
} from '../core/model.js';

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
  /**
   * The pull request the measured commit belongs to, from the measuring run's own event. A
   * relay job must check `headSha` against its trusted workflow_run event before using `number`.
   */
  readonly pullRequest: JsonPullRequest | null;
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
  /** Baseline bytes of services not built in this run, counted on both sides. */
  readonly carried: number;
  readonly carriedServices: number;
}

export interface JsonPullRequest {
  readonly number: number;
  readonly headSha: string;
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
  /** The service's Dockerfile relative to the repository root; null for prebuilt images. */
  readonly dockerfile: string | null;
  /**
   * The limits the service broke, as evaluated with the report's fail-on: `budget` and `error`
   * fail the gate unless fail-on is never, `increase` and `creep` only with fail-on any.
   */
  readonly breaches: readonly JsonBreach[];
  /**
   * Layers against the baseline's, in image order, uncompressed bytes. A new service lists every
   * layer as added; empty when not measured or the baseline entry lists no layers.
   */
  readonly layerChanges: readonly JsonLayerChange[];
  /** How the image was built; null for a removed service (and in reports from before it). */
  readonly build: JsonBuild | null;
  /** Packages against the baseline; null when the image was not analysed (or in older reports). */
  readonly packages: JsonPackageFindings | null;
  /**
   * The size (report's metric) in the baseline file's last committed versions that have the
   * service, oldest first, then this run's (commit and at null); null without history.
   */
  readonly trend: readonly JsonTrendPoint[] | null;
}

export interface JsonTrendPoint {
  readonly commit: string | null;
  readonly at: string | null;
  readonly size: number;
}

export interface JsonPackageFindings {
  /** False when the baseline entry keeps no packages: then no change is listed. */
  readonly comparable: boolean;
  /** Largest |delta| first; a new service adds every package. */
  readonly changes: readonly JsonPackageChange[];
  readonly totals: readonly JsonEcosystemTotals[];
  /** Each layer that grew, with the packages that wrote the most bytes into it. */
  readonly grownLayers: readonly {
    readonly layer: number;
    readonly packages: readonly {
      readonly ecosystem: Ecosystem;
      readonly name: string;
      readonly bytes: number;
    }[];
  }[];
  /** Package databases that could not be read in full. */
  readonly warnings: readonly string[];
}

export interface JsonPackageChange {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly kind: 'added' | 'removed' | 'grown' | 'shrunk' | 'version-changed';
  readonly versionBefore: string | null;
  readonly versionAfter: string | null;
  readonly bytesBefore: number | null;
  readonly bytesAfter: number | null;
  readonly delta: number;
}

export interface JsonEcosystemTotals {
  readonly ecosystem: Ecosystem;
  /** null without package data in the baseline. */
  readonly packagesBefore: number | null;
  readonly packagesAfter: number;
  readonly bytesBefore: number | null;
  readonly bytesAfter: number;
  readonly delta: number;
}

/** Bytes per package in the image: the regular files each package owns. */
export interface JsonImagePackages {
  /** Largest first. */
  readonly packages: readonly {
    readonly ecosystem: Ecosystem;
    readonly name: string;
    readonly version: string;
    readonly architecture: string | null;
    readonly bytes: number;
    readonly files: number;
    /** Bytes by the layer that wrote them. */
    readonly layers: readonly { readonly layer: number; readonly bytes: number }[];
  }[];
  /** One row per package identity, as the baseline keeps it. */
  readonly summary: readonly JsonPackageRow[];
  /** Files no package owns, by folder (no leading `/`). */
  readonly unowned: readonly {
    readonly folder: string;
    readonly bytes: number;
    readonly files: number;
  }[];
  /** Files more than one package claims (each counted once, for the first). */
  readonly conflicts: number;
  readonly warnings: readonly {
    readonly file: string;
    readonly line: number | null;
    readonly message: string;
  }[];
}

export interface JsonPackageRow {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string;
  readonly bytes: number;
}

export interface JsonBuild {
  readonly method: BuildMethod;
  /** Wall-clock seconds, one decimal. */
  readonly seconds: number;
  readonly cache: { readonly on: boolean; readonly note: string };
  /** Dockerfile steps and how many came from a cache; null when the builder did not say. */
  readonly steps: { readonly total: number; readonly cached: number } | null;
}

export interface JsonBreach {
  readonly kind: BreachKind;
  readonly reason: string;
}

export interface JsonLayerChange {
  readonly instruction: string;
  readonly kind: LayerChangeKind;
  /** null for an added layer. */
  readonly baseline: number | null;
  /** null for a removed layer. */
  readonly current: number | null;
  readonly change: number;
  readonly base: boolean;
  /**
   * 0-based position of the layer in `image.layers`; null for a removed layer. Added after
   * version 1 first shipped: a reader treats a missing key as unknown.
   */
  readonly layer: number | null;
}

export interface JsonImage {
  readonly imageId: string;
  readonly platform: string;
  /** Uncompressed bytes. */
  readonly size: number;
  /** Compressed bytes (what a pull transfers); null when not measured. */
  readonly compressed: number | null;
  /** True when `compressed` is a gzip estimate, not the size of stored blobs. */
  readonly compressedEstimated: boolean;
  /** The final stage's base image, when known. */
  readonly baseImage: string | null;
  /** In image order, base layers first. */
  readonly layers: readonly JsonLayer[];
  /**
   * Files, waste and hints; null when `analyze: none`, and for an image taken from the baseline.
   */
  readonly analysis: JsonAnalysis | null;
  /**
   * True when the image is the one the baseline entry recorded (same config digest) and its
   * numbers were taken from there instead of reading it again; false in older reports.
   */
  readonly fromBaseline: boolean;
}

/** The deep file analysis of an image (`analyze: auto` or `all`). */
export interface JsonAnalysis {
  /** Bytes of file versions that a later layer overwrote or deleted. */
  readonly wastedBytes: number;
  /** 1 − wasted / Σ layer sizes, from 0 to 1. */
  readonly efficiency: number;
  /** The largest overwritten or deleted file versions. */
  readonly wasted: readonly JsonWastedFile[];
  /** One per layer, in image order. */
  readonly layers: readonly JsonLayerFiles[];
  readonly hints: readonly JsonHint[];
  /** null in reports from before packages were attributed. */
  readonly packages: JsonImagePackages | null;
}

export interface JsonSizedPath {
  /** Path inside the image, without a leading `/`. */
  readonly path: string;
  readonly bytes: number;
}

export interface JsonWastedFile extends JsonSizedPath {
  /** 0-based index of the layer that added the shadowed version. */
  readonly addedInLayer: number;
  /** 0-based index of the layer that overwrote or deleted it. */
  readonly removedInLayer: number;
  readonly how: 'overwritten' | 'deleted';
}

export interface JsonLayerFiles {
  readonly largestFiles: readonly JsonSizedPath[];
  /** Folders by the bytes this layer adds below them, nested ones included. */
  readonly largestDirectories: readonly JsonSizedPath[];
}

export interface JsonHint {
  readonly id: HintId;
  readonly title: string;
  readonly bytes: number;
  readonly fix: string;
  readonly examples: readonly JsonSizedPath[];
  /** 0-based layer indexes where the bytes are. */
  readonly layers: readonly number[];
  /** The packages that own the hint's files, largest first. */
  readonly packages: readonly { readonly name: string; readonly bytes: number }[];
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
  readonly pullRequest?: JsonPullRequest | undefined;
}
