import type { Increase, Metric } from '../core/model.js';

/** Size limits of one service, fully resolved (config service > config defaults > inputs). */
export interface Limits {
  readonly budget: number | undefined;
  readonly maxIncrease: Increase;
  readonly warnIncrease: Increase | undefined;
  /**
   * `max-creep`: the most the service may grow over the baseline file's last versions (its
   * committed history) plus this run; undefined when not limited.
   */
  readonly maxCreep: Increase | undefined;
  readonly ignoreBelow: number;
  /** `max-wasted`: ceiling for bytes that later layers delete or overwrite (needs the analysis). */
  readonly maxWasted: number | undefined;
  /** `min-efficiency`: a fraction from 0 to 1 (`90%` is 0.9); needs the analysis. */
  readonly minEfficiency: number | undefined;
  /** `max-layers`: the most layers the image may have, a positive integer. */
  readonly maxLayers: number | undefined;
  /** `no-new-layers`: fail when the image has more layers than its baseline entry. */
  readonly noNewLayers: boolean;
}

/** What to build; every path is absolute. */
export interface BuildSpec {
  readonly context: string;
  readonly dockerfile: string;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
}

/**
 * One image to measure: built from `build`, or an existing `image` measured as it is. A
 * service built for several platforms is one of these per platform.
 */
export interface Service {
  /** The service's name, or `<service>@<platform>` when it is measured for several platforms. */
  readonly name: string;
  /** The service as the repository names it. */
  readonly baseName: string;
  /** Where the definition came from, for error messages (a file path). */
  readonly definedIn: string;
  readonly build: BuildSpec | undefined;
  readonly image: string | undefined;
  readonly platform: string | undefined;
  /** Where the platform was written (a file or the workflow inputs, and the key). */
  readonly platformOrigin: { readonly file: string; readonly key: string } | undefined;
  readonly limits: Limits;
}

/** Run-wide settings read from the config file. */
export interface GateSettings {
  readonly metric: Metric | undefined;
  readonly totalBudget: number | undefined;
}

/** The services stage's result. */
export interface ServicePlan {
  readonly settings: GateSettings;
  /** Every service the repository defines (before the `services` filter). */
  readonly all: readonly Service[];
  /** The services selected for this run. */
  readonly selected: readonly Service[];
  /** True when the filter kept every service: only then may an update drop baseline entries. */
  readonly fullRun: boolean;
}
