import { ECOSYSTEMS, type Ecosystem } from '../core/model.js';
import { type PackageUsage } from '../measure/packages/types.js';

/*
 * Packages against the baseline. The baseline keeps one compact row per package identity:
 *
 * - Identity is the ecosystem and the name; Python names compare as PEP 503 normalises them
 *   (`Foo_Bar` = `foo-bar`), every other name as written.
 * - dpkg multiarch: a package of a foreign architecture is named `<name>:<arch>` (as
 *   `dpkg -l` shows it), a package of the image's own architecture or of `all` keeps its bare
 *   name. The own architecture is the one most dpkg packages have (`all` aside), ties broken
 *   in code-unit order. So `libc6` stays `libc6` when `libc6:i386` is added next to it, and a
 *   platform change does not rename every package.
 * - Installs sharing an identity (npm copies in several `node_modules`, a package in two
 *   virtualenvs) are one row: bytes summed, distinct versions sorted and joined with `, `.
 *
 * A change is `version-changed` when the version text differs (whatever the bytes did), else
 * `grown` or `shrunk` by the byte delta; identical rows are left out. Without package data in
 * the baseline (an older baseline) nothing can be compared and no change is reported.
 */

/** What the baseline keeps per package: no file lists. */
export interface BaselinePackage {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string;
  readonly bytes: number;
}

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

/** The baseline rows for an image's packages, in ecosystem order then name order. */
export function toBaselinePackages(usages: readonly PackageUsage[]): BaselinePackage[] {
  const ownArchitecture = dpkgOwnArchitecture(usages);
  return mergeByIdentity(
    usages.map((usage) => ({
      ecosystem: usage.ecosystem,
      name: identityName(usage, ownArchitecture),
      version: usage.version,
      bytes: usage.bytes,
    })),
  );
}

/** What changed per package identity, in ecosystem order then name order. */
export function diffPackages(
  before: readonly BaselinePackage[] | undefined,
  after: readonly PackageUsage[],
): PackageChange[] {
  if (before === undefined) return [];
  const previous = new Map(mergeByIdentity(before).map((row) => [identityKey(row), row]));
  const current = new Map(toBaselinePackages(after).map((row) => [identityKey(row), row]));
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
  return changes.sort(compareRows);
}

function changeKind(
  old: BaselinePackage | undefined,
  now: BaselinePackage | undefined,
  delta: number,
): PackageChangeKind | undefined {
  if (!old) return 'added';
  if (!now) return 'removed';
  if (old.version !== now.version) return 'version-changed';
  return delta > 0 ? 'grown' : delta < 0 ? 'shrunk' : undefined;
}

/** Packages and bytes per ecosystem on both sides, for every ecosystem either side has. */
export function packageTotalsByEcosystem(
  before: readonly BaselinePackage[] | undefined,
  after: readonly PackageUsage[],
): EcosystemTotals[] {
  const previous = before && mergeByIdentity(before);
  const current = toBaselinePackages(after);
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
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || compareRows(a, b))
    .slice(0, Math.max(0, count));
}

/** The architecture most dpkg packages have, `all` aside; undefined when none has one. */
function dpkgOwnArchitecture(usages: readonly PackageUsage[]): string | undefined {
  const counts = new Map<string, number>();
  for (const usage of usages) {
    const { ecosystem, architecture } = usage;
    if (ecosystem !== 'dpkg' || !architecture || architecture === 'all') continue;
    counts.set(architecture, (counts.get(architecture) ?? 0) + 1);
  }
  let own: string | undefined;
  let most = 0;
  for (const [architecture, count] of counts) {
    if (count > most || (count === most && own !== undefined && architecture < own)) {
      own = architecture;
      most = count;
    }
  }
  return own;
}

function identityName(usage: PackageUsage, ownArchitecture: string | undefined): string {
  const { ecosystem, name, architecture } = usage;
  const foreign =
    ecosystem === 'dpkg' &&
    architecture !== undefined &&
    architecture !== 'all' &&
    architecture !== ownArchitecture;
  return foreign ? `${name}:${architecture}` : name;
}

function identityKey(row: Pick<BaselinePackage, 'ecosystem' | 'name'>): string {
  const name =
    row.ecosystem === 'python' ? row.name.toLowerCase().replace(/[-_.]+/g, '-') : row.name;
  return `${row.ecosystem}\0${name}`;
}

/** One row per identity (bytes summed, versions joined), in ecosystem then name order. */
function mergeByIdentity(rows: readonly BaselinePackage[]): BaselinePackage[] {
  const merged = new Map<
    string,
    { first: BaselinePackage; versions: Set<string>; bytes: number }
  >();
  for (const row of rows) {
    const key = identityKey(row);
    const known = merged.get(key);
    if (known) {
      known.bytes += row.bytes;
      known.versions.add(row.version);
    } else merged.set(key, { first: row, versions: new Set([row.version]), bytes: row.bytes });
  }
  return Array.from(merged.values(), ({ first, versions, bytes }) => ({
    ecosystem: first.ecosystem,
    name: first.name,
    version: [...versions].sort().join(', '),
    bytes,
  })).sort(compareRows);
}

function sumBytes(rows: readonly BaselinePackage[]): number {
  return rows.reduce((sum, row) => sum + row.bytes, 0);
}

function compareRows(
  a: Pick<BaselinePackage, 'ecosystem' | 'name'>,
  b: Pick<BaselinePackage, 'ecosystem' | 'name'>,
): number {
  const byEcosystem = ECOSYSTEMS.indexOf(a.ecosystem) - ECOSYSTEMS.indexOf(b.ecosystem);
  return byEcosystem || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
