import { mergeByIdentity } from '../../core/packages.js';
import type { PackageSummary } from '../../core/model.js';
import type { PackageUsage } from './types.js';

/*
 * One row per package identity, as the baseline keeps it and the comparison reads it:
 *
 * - dpkg multiarch: a package of a foreign architecture is named `<name>:<arch>` (as
 *   `dpkg -l` shows it), a package of the image's own architecture or of `all` keeps its bare
 *   name. The own architecture is the one most dpkg packages have (`all` aside), ties broken
 *   in code-unit order. So `libc6` stays `libc6` when `libc6:i386` is added next to it, and a
 *   platform change does not rename every package.
 * - Installs sharing an identity (npm copies in several `node_modules`, a package in two
 *   virtualenvs) are one row: bytes summed, distinct versions sorted and joined with `, `.
 */

/** The rows for an image's packages, in ecosystem order then name order. */
export function summarisePackages(usages: readonly PackageUsage[]): PackageSummary[] {
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
