import type { InstalledPackage, PackageWarning } from './types.js';

/**
 * Paths a dpkg `.list` or an apk database names that the image does not have, beyond what
 * slimming removes on purpose (docs, man pages, locales: dpkg's usual `path-exclude`s; apt's
 * lists and archives). One warning per database file: a `.list` that names files nobody can
 * find is either stale or damaged, and the package is counted without them.
 */
const DELETED_ON_PURPOSE =
  /^(?:usr\/share\/(?:doc|doc-base|man|info|locale|lintian|linda|help)|var\/lib\/apt\/lists|var\/cache\/apt)(?:\/|$)/;

export function missingPathWarnings(
  installs: readonly InstalledPackage[],
  resolve: (path: string) => string,
  exists: (path: string) => boolean,
): PackageWarning[] {
  const warnings: PackageWarning[] = [];
  for (const install of installs) {
    if (install.ecosystem !== 'dpkg' && install.ecosystem !== 'apk') continue;
    let missing = 0;
    let first: string | undefined;
    for (const listed of install.paths) {
      const path = resolve(listed);
      if (path === '' || DELETED_ON_PURPOSE.test(path) || exists(path)) continue;
      missing += 1;
      first ??= path;
    }
    if (first === undefined) continue;
    const what = missing === 1 ? 'a path' : `${missing} paths`;
    warnings.push({
      file: install.source,
      message: `names ${what} the image does not have (first: /${first}); ${install.name} is counted without ${missing === 1 ? 'it' : 'them'}`,
    });
  }
  return warnings;
}
