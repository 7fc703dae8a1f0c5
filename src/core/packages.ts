import { ECOSYSTEMS, type PackageSummary } from './model.js';
import { compareCodeUnits } from './text.js';

/**
 * Package identity, shared by the measurement that writes package rows and the comparison that
 * reads them back from a baseline: the ecosystem and the name, Python names compared as PEP 503
 * normalises them (`Foo_Bar` = `foo-bar`), every other name as written.
 */

export function packageIdentityKey(row: Pick<PackageSummary, 'ecosystem' | 'name'>): string {
  const name =
    row.ecosystem === 'python' ? row.name.toLowerCase().replace(/[-_.]+/g, '-') : row.name;
  return `${row.ecosystem}\0${name}`;
}

/** One row per identity (bytes summed, versions joined), in ecosystem then name order. */
export function mergeByIdentity(rows: readonly PackageSummary[]): PackageSummary[] {
  const merged = new Map<string, { first: PackageSummary; versions: Set<string>; bytes: number }>();
  for (const row of rows) {
    const key = packageIdentityKey(row);
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
  })).sort(comparePackageRows);
}

/** Ecosystem order, then name in code-unit order. */
export function comparePackageRows(
  a: Pick<PackageSummary, 'ecosystem' | 'name'>,
  b: Pick<PackageSummary, 'ecosystem' | 'name'>,
): number {
  const byEcosystem = ECOSYSTEMS.indexOf(a.ecosystem) - ECOSYSTEMS.indexOf(b.ecosystem);
  return byEcosystem || compareCodeUnits(a.name, b.name);
}
