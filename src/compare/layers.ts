import type { BaselineLayer } from '../baseline/types.js';
import type { LayerMeasurement } from '../measure/types.js';

import type { LayerChangeKind } from '../core/model.js';
import { comparableInstruction } from '../dockerfile.js';

/** One layer of the image next to its baseline counterpart. Sizes are uncompressed bytes. */
export interface LayerChange {
  /** The instruction as the image (or, for a removed layer, the baseline) records it. */
  readonly instruction: string;
  readonly kind: LayerChangeKind;
  /** Undefined for an added layer. */
  readonly baseline: number | undefined;
  /** Undefined for a removed layer. */
  readonly current: number | undefined;
  /** current − baseline, a missing side counting as 0. */
  readonly change: number;
  /** True when the layer comes from the base image. */
  readonly base: boolean;
  /** 0-based position of the layer in the image; undefined for a removed layer. */
  readonly layer: number | undefined;
}

type Layer = Pick<LayerMeasurement, 'diffId' | 'size' | 'instruction' | 'base'>;

/**
 * Lines the image's layers up with the baseline's, in image order (a removed layer appears where
 * it was). Layers match by identical diffID or by normalised instruction along the longest common
 * subsequence, so one inserted layer is one `added` row and every later layer still meets its
 * counterpart; duplicate instructions match in order. Layers left over on both sides are then
 * paired by diffID, then by instruction (a moved step), before the rest count as added or removed.
 * Sizes are uncompressed: per-layer compressed sizes may be estimates or missing on one side.
 */
export function diffLayers(
  current: readonly LayerMeasurement[],
  baseline: readonly BaselineLayer[],
): LayerChange[] {
  const currentKeys = current.map((layer) => comparableInstruction(layer.instruction));
  const baselineKeys = baseline.map((layer) => comparableInstruction(layer.instruction));
  const n = current.length;
  const m = baseline.length;
  // Each match scores `bonus` plus 1 more when the diffIDs agree: as many matches as possible
  // first, then as many identical layers as possible among equally long alignments.
  const bonus = Math.min(n, m) + 1;
  const score = (i: number, j: number): number => {
    const a = current[i];
    const b = baseline[j];
    if (a === undefined || b === undefined) return 0;
    if (a.diffId === b.diffId) return bonus + 1;
    return currentKeys[i] === baselineKeys[j] ? bonus : 0;
  };

  // best[i][j]: the best score aligning current[i..] with baseline[j..], in one flat array.
  const width = m + 1;
  const best = new Float64Array((n + 1) * width);
  const at = (i: number, j: number): number => best[i * width + j] ?? 0;
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      const match = score(i, j);
      best[i * width + j] = Math.max(
        match > 0 ? match + at(i + 1, j + 1) : 0,
        at(i + 1, j),
        at(i, j + 1),
      );
    }
  }

  // Walk forward: the earliest match wins, and a removed layer comes before an added one.
  type Row =
    | { readonly side: 'both'; readonly i: number; readonly j: number }
    | { readonly side: 'current'; readonly i: number }
    | { readonly side: 'baseline'; readonly j: number };
  const rows: Row[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m) {
      const match = score(i, j);
      if (match > 0 && at(i, j) === match + at(i + 1, j + 1)) {
        rows.push({ side: 'both', i, j });
        i += 1;
        j += 1;
      } else if (at(i, j) === at(i, j + 1)) {
        rows.push({ side: 'baseline', j });
        j += 1;
      } else {
        rows.push({ side: 'current', i });
        i += 1;
      }
    } else if (i < n) {
      rows.push({ side: 'current', i });
      i += 1;
    } else {
      rows.push({ side: 'baseline', j });
      j += 1;
    }
  }

  // Pair the leftovers: a step that moved keeps its identity (diffID first, then instruction).
  const pairedBaseline = new Map<number, number>();
  const claimed = new Set<number>();
  const leftoverBaseline = rows.flatMap((row) => (row.side === 'baseline' ? [row.j] : []));
  const leftoverCurrent = rows.flatMap((row) => (row.side === 'current' ? [row.i] : []));
  const pairBy = (same: (ci: number, bj: number) => boolean): void => {
    for (const ci of leftoverCurrent) {
      if (pairedBaseline.has(ci)) continue;
      const bj = leftoverBaseline.find(
        (candidate) => !claimed.has(candidate) && same(ci, candidate),
      );
      if (bj !== undefined) {
        pairedBaseline.set(ci, bj);
        claimed.add(bj);
      }
    }
  };
  pairBy((ci, bj) => current[ci]?.diffId === baseline[bj]?.diffId);
  pairBy((ci, bj) => currentKeys[ci] === baselineKeys[bj]);

  const changes: LayerChange[] = [];
  for (const row of rows) {
    if (row.side === 'both') {
      changes.push(matched(row.i, current[row.i], baseline[row.j]));
    } else if (row.side === 'current') {
      const bj = pairedBaseline.get(row.i);
      changes.push(
        bj === undefined
          ? added(row.i, current[row.i])
          : matched(row.i, current[row.i], baseline[bj]),
      );
    } else if (!claimed.has(row.j)) {
      changes.push(removed(baseline[row.j]));
    }
  }
  return changes;
}

function matched(
  index: number,
  layer: Layer | undefined,
  previous: Layer | undefined,
): LayerChange {
  const current = layer?.size ?? 0;
  const baseline = previous?.size ?? 0;
  const change = current - baseline;
  const identical = layer !== undefined && layer.diffId === previous?.diffId;
  return {
    instruction: layer?.instruction ?? previous?.instruction ?? '',
    kind: identical || change === 0 ? 'unchanged' : change > 0 ? 'grown' : 'shrunk',
    baseline,
    current,
    change,
    base: layer?.base ?? previous?.base ?? false,
    layer: index,
  };
}

function added(index: number, layer: Layer | undefined): LayerChange {
  const size = layer?.size ?? 0;
  return {
    instruction: layer?.instruction ?? '',
    kind: 'added',
    baseline: undefined,
    current: size,
    change: size,
    base: layer?.base ?? false,
    layer: index,
  };
}

function removed(layer: Layer | undefined): LayerChange {
  const size = layer?.size ?? 0;
  return {
    instruction: layer?.instruction ?? '',
    kind: 'removed',
    baseline: size,
    current: undefined,
    change: -size,
    base: layer?.base ?? false,
    layer: undefined,
  };
}
