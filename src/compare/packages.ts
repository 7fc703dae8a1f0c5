import { ECOSYSTEMS, type Ecosystem, type PackageSummary } from '../core/model.js';
import { comparePackageRows, mergeByIdentity, packageIdentityKey } from '../core/packages.js';
import type { BaselineEntry } from '../baseline/types.js';
import type { ImageMeasurement } from '../measure/types.js';
import type { LayerChange } from './layers.js';
import type { PackageFindings } from './types.js';

/*
 * Packages against the baseline: both sides are package rows, one per identity (see
 * core/packages.ts and measure/packages/summary.ts). A change is `version-changed` when the
 * version text differs (whatever the bytes did), else `grown` or `shrunk` by the byte delta;
 * identical rows are left out. Without package data in the baseline (an older baseline) nothing
 * can be compared and no change is reported.
 */

export type PackageChangeKind = 'added' | 'removed' | 'grown' | 'shrunk' | 'version-changed';

export interface PackageChange {
  readonly ecosystem: Ecosystem;
  /** The identity's name (`libc6:i386` for a foreign dpkg architecture), as the image has it. */
  readonly name: string;
  readonly kind: PackageChangeKind;
  /** Undefined for an added package. */
  readonly versionBefore: string | undefined;
  /** Undefined for a removed package. */
  readonly versionAfter: string | undefined;
  readonly bytesBefore: number | undefined;
  readonly bytesAfter: number | undefined;
  /** after − before, a missing side counting as 0. */
  readonly delta: number;
}

export interface EcosystemTotals {
  readonly ecosystem: Ecosystem;
  /** Undefined without package data in the baseline. */
  readonly packagesBefore: number | undefined;
  readonly packagesAfter: number;
  readonly bytesBefore: number | undefined;
  readonly bytesAfter: number;
  /** after − before; 0 without package data in the baseline. */
  readonly delta: number;
}

/** What changed per package identity, in ecosystem order then name order. */
export function diffPackages(
  before: readonly PackageSummary[] | undefined,
  after: readonly PackageSummary[],
): PackageChange[] {
  if (before === undefined) return [];
  const key = packageIdentityKey;
  const previous = new Map(mergeByIdentity(before).map((row) => [key(row), row]));
  const current = new Map(mergeByIdentity(after).map((row) => [key(row), row]));
  const changes: PackageChange[] = [];
  for (const key of new Set([...previous.keys(), ...current.keys()])) {
    const old = previous.get(key);
    const now = current.get(key);
    const row = now ?? old;
    if (!row) continue;
    const delta = (now?.bytes ?? 0) - (old?.bytes ?? 0);
    const kind = changeKind(old, now, delta);
    if (kind === undefined) continue;
    changes.push({
      ecosystem: row.ecosystem,
      name: row.name,
      kind,
      versionBefore: old?.version,
      versionAfter: now?.version,
      bytesBefore: old?.bytes,
      bytesAfter: now?.bytes,
      delta,
    });
  }
  return changes.sort(comparePackageRows);
}

function changeKind(
  old: PackageSummary | undefined,
  now: PackageSummary | undefined,
  delta: number,
): PackageChangeKind | undefined {
  if (!old) return 'added';
  if (!now) return 'removed';
  if (old.version !== now.version) return 'version-changed';
  return delta > 0 ? 'grown' : delta < 0 ? 'shrunk' : undefined;
}

/** Packages and bytes per ecosystem on both sides, for every ecosystem either side has. */
export function packageTotalsByEcosystem(
  before: readonly PackageSummary[] | undefined,
  after: readonly PackageSummary[],
): EcosystemTotals[] {
  const previous = before && mergeByIdentity(before);
  const current = mergeByIdentity(after);
  const totals: EcosystemTotals[] = [];
  for (const ecosystem of ECOSYSTEMS) {
    const old = previous?.filter((row) => row.ecosystem === ecosystem);
    const now = current.filter((row) => row.ecosystem === ecosystem);
    if (now.length === 0 && !old?.length) continue;
    const bytesBefore = old && sumBytes(old);
    const bytesAfter = sumBytes(now);
    totals.push({
      ecosystem,
      packagesBefore: old?.length,
      packagesAfter: now.length,
      bytesBefore,
      bytesAfter,
      delta: bytesBefore === undefined ? 0 : bytesAfter - bytesBefore,
    });
  }
  return totals;
}

/** The `count` changes with the largest |delta|, then in ecosystem and name order. */
export function largestPackageChanges(
  changes: readonly PackageChange[],
  count: number,
): PackageChange[] {
  return [...changes]
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || comparePackageRows(a, b))
    .slice(0, Math.max(0, count));
}

function sumBytes(rows: readonly PackageSummary[]): number {
  return rows.reduce((sum, row) => sum + row.bytes, 0);
}

/** Packages shown per grown layer. */
const PACKAGES_PER_LAYER = 5;

/**
 * What the packages say about one service against its baseline entry: the changes (a new
 * service adds every package), the totals per ecosystem, and each grown layer's largest
 * packages. Undefined when the image was not analysed.
 */
export function packageFindingsOf(
  measurement: ImageMeasurement,
  entry: BaselineEntry | undefined,
  layerChanges: readonly LayerChange[],
): PackageFindings | undefined {
  const inventory = measurement.analysis?.packages;
  if (inventory === undefined) return undefined;
  const before = entry === undefined ? [] : entry.packages;
  const grownLayers = layerChanges.flatMap((change) => {
    if (change.change <= 0 || change.layer === undefined) return [];
    const layer = change.layer;
    // Installs of one name (npm copies, two architectures) are one row, as in the table.
    const byName = new Map<string, { ecosystem: Ecosystem; name: string; bytes: number }>();
    for (const usage of inventory.packages) {
      const bytes = usage.layers.find((entry) => entry.layer === layer)?.bytes ?? 0;
      if (bytes === 0) continue;
      const key = packageIdentityKey(usage);
      const known = byName.get(key);
      if (known) known.bytes += bytes;
      else byName.set(key, { ecosystem: usage.ecosystem, name: usage.name, bytes });
    }
    const packages = [...byName.values()]
      .sort((a, b) => b.bytes - a.bytes || comparePackageRows(a, b))
      .slice(0, PACKAGES_PER_LAYER);
    return packages.length === 0 ? [] : [{ layer, packages }];
  });
  return {
    comparable: before !== undefined,
    changes: largestPackageChanges(diffPackages(before, inventory.summary), Infinity),
    totals: packageTotalsByEcosystem(before, inventory.summary),
    grownLayers,
    warnings: inventory.warnings.map(
      (warning) =>
        `/${warning.file}${warning.line === undefined ? '' : ` line ${warning.line}`}: ${warning.message}`,
    ),
  };
}
