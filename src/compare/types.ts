import type { ImageMeasurement } from '../measure/types.js';
import type { Limits, Metric } from '../services/types.js';

export type Status = 'pass' | 'warn' | 'fail' | 'new' | 'removed' | 'error';
export type FailOn = 'any' | 'budget' | 'never';

/** What the measure stage handed over for one service: a measurement, or why there is none. */
export type ServiceOutcome =
  | { readonly name: string; readonly limits: Limits; readonly measurement: ImageMeasurement }
  | {
      readonly name: string;
      readonly limits: Limits;
      readonly error: string;
      readonly stage: 'build' | 'measure';
    };

export interface ServiceResult {
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
}

export interface TotalResult {
  readonly baseline: number;
  readonly current: number;
  readonly change: number;
  readonly budget: number | undefined;
  readonly overBudget: boolean;
}

export interface Verdict {
  readonly passed: boolean;
  readonly metric: Metric;
  readonly failOn: FailOn;
  readonly services: readonly ServiceResult[];
  readonly total: TotalResult;
  /** One line per failing service (and the total), each with its numbers. */
  readonly failures: readonly string[];
}
