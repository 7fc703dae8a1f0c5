import {
  FileWarnings,
  databaseText,
  splitLines,
  type DatabaseFile,
  type DatabaseKind,
} from './databases.js';
import type { InstalledPackage, ParsedDatabases, PackageWarning } from './types.js';

/*
 * apk's `lib/apk/db/installed`: one paragraph per package, separated by blank lines, each
 * line a one-letter field, a colon and the value. `P:` name, `V:` version, `A:` architecture,
 * `F:` a folder (relative to the root), `R:` a file in the last `F:` folder (or in the root
 * before any). Every other letter (checksums, owners, dependencies) is not needed here.
 */

/** The packages of one apk database, malformed lines and nameless entries warned about. */
export function parseApkInstalled(text: string, file: string): ParsedDatabases {
  const problems = new FileWarnings(file);
  const packages: InstalledPackage[] = [];
  let name: string | undefined;
  let version = '';
  let architecture: string | undefined;
  let folder = '';
  let paths: string[] = [];
  let firstLine = 0;
  let empty = true;

  const endParagraph = (): void => {
    if (!empty) {
      if (name)
        packages.push({ ecosystem: 'apk', name, version, architecture, source: file, paths });
      else problems.add('entry without a P: (name) line; skipped', firstLine);
    }
    name = undefined;
    version = '';
    architecture = undefined;
    folder = '';
    paths = [];
    empty = true;
  };

  splitLines(text).forEach((line, index) => {
    if (line.trim() === '') {
      endParagraph();
      return;
    }
    if (line[1] !== ':' || !/^[A-Za-z]$/.test(line[0] ?? '')) {
      problems.add('is not a `X:value` line', index + 1);
      return;
    }
    if (empty) firstLine = index + 1;
    empty = false;
    const value = line.slice(2);
    switch (line[0]) {
      case 'P':
        name = value.trim() || undefined;
        break;
      case 'V':
        version = value.trim();
        break;
      case 'A':
        architecture = value.trim() || undefined;
        break;
      case 'F':
        folder = value;
        break;
      case 'R':
        if (value === '') problems.add('R: line without a file name', index + 1);
        else paths.push(folder === '' ? value : `${folder}/${value}`);
        break;
    }
  });
  endParagraph();

  const warnings: PackageWarning[] = [];
  problems.flushInto(warnings);
  return { packages, warnings };
}

/** The apk packages of every apk database among `groups`. */
export function readApk(
  groups: ReadonlyMap<DatabaseKind, readonly DatabaseFile[]>,
): ParsedDatabases {
  const packages: InstalledPackage[] = [];
  const warnings: PackageWarning[] = [];
  for (const file of groups.get('apk-installed') ?? []) {
    const text = databaseText(file, warnings);
    if (text === undefined) continue;
    const parsed = parseApkInstalled(text, file.path);
    packages.push(...parsed.packages);
    warnings.push(...parsed.warnings);
  }
  return { packages, warnings };
}
