import type { BreachKind, Ecosystem, FailOn, Metric, Status } from '../core/model.js';
import type { EcosystemTotals, PackageChange } from './packages.js';
import type { BuildInfo } from '../build/types.js';
import type { ImageMeasurement } from '../measure/types.js';
import type { Limits } from '../services/types.js';
import type { LayerChange } from './layers.js';
import type { TrendPoint } from './trend.js';

export type { LayerChange } from './layers.js';

/** What the measure stage handed over for one service: a measurement, or why there is none. */
export type ServiceOutcome =
  | {
      readonly name: string;
      readonly limits: Limits;
      readonly measurement: ImageMeasurement;
      /** The service's Dockerfile relative to the repository root, for annotations. */
      readonly dockerfile?: string | undefined;
      readonly build?: BuildInfo | undefined;
    }
  | {
      readonly name: string;
      readonly limits: Limits;
      readonly error: string;
      /** `platform`: not tried, as the engine cannot take the service's platform. */
      readonly stage: 'build' | 'measure' | 'platform';
      /** The service's Dockerfile relative to the repository root, for annotations. */
      readonly dockerfile?: string | undefined;
      readonly build?: BuildInfo | undefined;
    };

/**
 * A limit a service broke. Budget breaches and errors fail the gate unless fail-on is never;
 * increases only with fail-on any (with fail-on budget an increase is a warning, not a breach).
 */
export interface Breach {
  readonly kind: BreachKind;
  readonly reason: string;
}

/**
 * What compare judged about one service: the numbers, the status and why. A shard report
 * carries exactly this; everything in ServiceResult beyond it is derived again on merge.
 */
export interface ServiceFindings {
  readonly name: string;
  readonly status: Status;
  /** Bytes in the chosen metric; undefined when there is no baseline entry. */
  readonly baseline: number | undefined;
  /** Bytes in the chosen metric; undefined when not measured (error, removed). */
  readonly current: number | undefined;
  /** current − baseline, when both exist. */
  readonly change: number | undefined;
  readonly budget: number | undefined;
  /** Human sentences with the numbers: why the status is what it is. */
  readonly reasons: readonly string[];
  /** True when the change is smaller than ignore-below (noise). */
  readonly unchanged: boolean;
  readonly measurement: ImageMeasurement | undefined;
  readonly error: string | undefined;
  /** The limits this service broke; what fails the gate among them depends on fail-on. */
  readonly breaches: readonly Breach[];
  /**
   * The image's layers against the baseline entry's, in image order (uncompressed bytes). A new
   * service has every layer `added`; empty when there is no measurement or the baseline entry
   * lists no layers.
   */
  readonly layerChanges: readonly LayerChange[];
  /** The service's Dockerfile relative to the repository root; undefined for prebuilt images. */
  readonly dockerfile: string | undefined;
  /** How the image was built: duration, cache, cached steps. Reported, never judged. */
  readonly build?: BuildInfo | undefined;
  /** Bytes per package against the baseline; undefined when the image was not analysed. */
  readonly packages?: PackageFindings | undefined;
  /**
   * The service's size in the baseline file's last committed versions that have it, oldest
   * first, then this run's; undefined without history or for a service no version has.
   */
  readonly trend?: readonly TrendPoint[] | undefined;
}

/** A service's packages against its baseline entry's. */
export interface PackageFindings {
  /** False when the baseline entry keeps no packages (written before them): no changes then. */
  readonly comparable: boolean;
  /** Every package that changed, largest |delta| first; a new service adds every package. */
  readonly changes: readonly PackageChange[];
  /** Packages and bytes per ecosystem, before and after. */
  readonly totals: readonly EcosystemTotals[];
  /** Each layer that grew, with the packages that wrote the most bytes into it. */
  readonly grownLayers: readonly GrownLayerPackages[];
  /** Package databases that could not be read in full: `/path line N: what`. */
  readonly warnings: readonly string[];
}

export interface GrownLayerPackages {
  /** 0-based position of the layer in the image. */
  readonly layer: number;
  readonly packages: readonly { ecosystem: Ecosystem; name: string; bytes: number }[];
}

/** A service's result with every fact the reports show, each derived once, here. */
export interface ServiceResult extends ServiceFindings, BaseOwnSplit {
  /** A breach of this service fails the gate under the run's fail-on. */
  readonly failsGate: boolean;
  /** Unchanged (below ignore-below) and passing: reports fold it into one collapsed list. */
  readonly collapsed: boolean;
}

/** A service's bytes split into its base image's layers and its own. */
export interface BaseOwnSplit {
  /**
   * Σ `layerChanges[].change` of the base-image layers, in uncompressed bytes whatever the metric
   * (layer changes are always uncompressed); undefined when `layerChanges` is empty.
   */
  readonly baseChange: number | undefined;
  /** Σ `layerChanges[].change` of the service's own layers, uncompressed; as `baseChange`. */
  readonly ownChange: number | undefined;
  /** Σ uncompressed sizes of the measurement's base-image layers; undefined when not measured. */
  readonly baseSize: number | undefined;
  /** Σ uncompressed sizes of the measurement's own layers; undefined when not measured. */
  readonly ownSize: number | undefined;
}

/**
 * The approval label of the pull request: `approved` when someone with write permission added
 * it (size failures become warnings), `ignored` when it is there but does not count, and why.
 */
export type Approval =
  | {
      readonly kind: 'approved';
      readonly label: string;
      /** Login of who added the label. */
      readonly by: string;
      /** When, as the issue events API says (ISO 8601). */
      readonly at: string;
    }
  | { readonly kind: 'ignored'; readonly label: string; readonly reason: string };

/** What one shard's report hands to the merge (`mode: report`). */
export interface ShardReport {
  readonly metric: Metric;
  readonly services: readonly ServiceFindings[];
}

export interface TotalResult {
  readonly baseline: number;
  readonly current: number;
  readonly change: number;
  readonly budget: number | undefined;
  readonly overBudget: boolean;
  /**
   * Baseline bytes of services this run did not select (a filtered run), counted on both sides
   * at their baseline size so the total budget still covers the whole repository.
   */
  readonly carried: number;
  readonly carriedServices: number;
  /** `1.2 GB is over the total budget of 1 GB by 200 MB`, when it is; the one wording of it. */
  readonly overBudgetReason: string | undefined;
}

export interface Verdict {
  readonly passed: boolean;
  readonly metric: Metric;
  readonly failOn: FailOn;
  readonly services: readonly ServiceResult[];
  readonly total: TotalResult;
  /** One line per failing service (and the total), each with its numbers. */
  readonly failures: readonly string[];
  /** The services whose breaches fail the gate, in name order. */
  readonly failedServices: readonly string[];
  /** The pull request's approval label, when it has one. */
  readonly approval?: Approval | undefined;
}
