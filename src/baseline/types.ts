export interface BaselineLayer {
  readonly diffId: string;
  readonly size: number;
  readonly compressed?: number;
  readonly instruction: string;
  readonly base: boolean;
}

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
