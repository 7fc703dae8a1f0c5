import { databaseText, type DatabaseFile, type DatabaseKind } from './databases.js';
import type { InstalledPackage, ParsedDatabases, PackageWarning } from './types.js';

/*
 * npm keeps no list of files: a package is its folder, `node_modules/<name>/` or
 * `node_modules/@<scope>/<name>/`, and every file below it is the package's, except what a
 * nested `node_modules` holds, which is the innermost package's (the attribution picks the
 * deepest root). pnpm's `node_modules/.pnpm/<id>/node_modules/<name>/` fits the same rule.
 * Name and version come from the root `package.json`; when it is not JSON the folder still
 * names the package (its version is then unknown, `''`), with a warning.
 */

/** The npm package whose root `package.json` is `file`. */
export function readPackageJson(
  file: DatabaseFile,
  warnings: PackageWarning[],
): InstalledPackage | undefined {
  const text = databaseText(file, warnings);
  if (text === undefined) return undefined;
  const root = file.path.slice(0, file.path.lastIndexOf('/'));
  const folderName = nameFromRoot(root);
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    // One line, short: V8 quotes the offending text, which may hold newlines or a whole file.
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    const reason = detail.length > 100 ? `${detail.slice(0, 99)}…` : detail;
    warnings.push({ file: file.path, message: `is not JSON (${reason}); named after its folder` });
  }
  const fields =
    typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest)
      ? manifest
      : undefined;
  if (manifest !== undefined && fields === undefined) {
    warnings.push({ file: file.path, message: 'is not a JSON object; named after its folder' });
  }
  const name = fields && 'name' in fields ? fields.name : undefined;
  const version = fields && 'version' in fields ? fields.version : undefined;
  return {
    ecosystem: 'npm',
    name: typeof name === 'string' && name !== '' ? name : folderName,
    version: typeof version === 'string' ? version : '',
    source: file.path,
    paths: [],
    root,
  };
}

/** `@scope/name` or `name`, from the folder a package lives in. */
function nameFromRoot(root: string): string {
  const segments = root.split('/');
  const name = segments.at(-1) ?? root;
  const scope = segments.at(-2);
  return scope?.startsWith('@') ? `${scope}/${name}` : name;
}

/** The npm packages of every root `package.json` among `groups`. */
export function readNpm(
  groups: ReadonlyMap<DatabaseKind, readonly DatabaseFile[]>,
): ParsedDatabases {
  const packages: InstalledPackage[] = [];
  const warnings: PackageWarning[] = [];
  for (const file of groups.get('npm-package-json') ?? []) {
    const installed = readPackageJson(file, warnings);
    if (installed) packages.push(installed);
  }
  return { packages, warnings };
}
