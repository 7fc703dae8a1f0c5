import { ECOSYSTEMS } from '../../core/model.js';
import type { FinalFile } from '../analysis.js';
import { readApk } from './apk.js';
import { compareCodeUnits } from '../../core/text.js';
import { groupDatabases } from './databases.js';
import { missingPathWarnings } from './missing.js';
import { summarisePackages } from './summary.js';
import { readDpkg } from './dpkg.js';
import { readNpm } from './npm.js';
import { createPathResolver } from './paths.js';
import { readPython } from './python.js';
import {
  type InstalledPackage,
  type LayerBytes,
  type PackageConflict,
  type PackageInventory,
  type PackageRef,
  type PackageUsage,
  type PackageWarning,
  type UnownedFolder,
} from './types.js';

/*
 * Bytes per package, from the final filesystem and the package databases in it:
 *
 * - A package weighs the regular files of the final image that its database names (never what
 *   the database says they weigh: dpkg's Installed-Size, a RECORD's sizes). Database paths are
 *   first resolved through the final filesystem's directory symlinks (see paths.ts). A path
 *   that is not a final regular file (a directory, a symlink, a file deleted later) weighs
 *   nothing and is not a warning: every `.list` names directories, and images delete docs.
 * - npm packages own folders rather than files: the deepest package folder above a file.
 * - A file more than one package claims counts once, for the first package in this order:
 *   ecosystem (dpkg, apk, python, npm), then name, version, architecture and database path in
 *   code-unit order. Each such file is a conflict: a few examples are kept, all are counted.
 * - Files no package claims are grouped by folder (`unownedFolderOf`).
 *
 * One map from path to claimants is built from the databases, then the final files are read
 * once; the result keeps sums, not files.
 */

/** Conflicts listed as examples (the smallest paths); the rest are only counted. */
export const MAX_CONFLICT_EXAMPLES = 10;

/** What attribution needs of a final file (its path as `stackLayers` gives it: no leading `/`). */
export type AttributedFile = Pick<FinalFile, 'path' | 'size' | 'layer'>;

/**
 * Attributes every regular file of the final filesystem to the package that owns it.
 *
 * @param finalFiles the regular files the image has at the end (after whiteouts).
 * @param databases the content of each package database file (`isPackageDatabasePath`) as the
 *   final filesystem has it, by path; other entries are ignored.
 * @param symlinks every symlink of the final filesystem: path → target as stored.
 */
export interface AttributionExtras {
  /** Told each file's owner as it is decided, for a pass that needs it (the hints). */
  readonly onOwner?: ((path: string, owner: PackageRef) => void) | undefined;
  /** The final filesystem's other entries (folders, hardlinks): listed paths that exist. */
  readonly otherEntries?: ReadonlySet<string> | undefined;
  /**
   * Final hardlinks: name → the path whose entry carries the bytes. A file's bytes belong to
   * whichever of its names a package claims first (pnpm and uv link packages to a store).
   */
  readonly hardlinks?: ReadonlyMap<string, string> | undefined;
}

export function attributePackages(
  finalFiles: Iterable<AttributedFile>,
  databases: ReadonlyMap<string, Buffer>,
  symlinks: ReadonlyMap<string, string>,
  more: AttributionExtras = {},
): PackageInventory {
  const { onOwner } = more;
  const otherEntries: ReadonlySet<string> = more.otherEntries ?? new Set();
  const hardlinks: ReadonlyMap<string, string> = more.hardlinks ?? new Map();
  const warnings: PackageWarning[] = [];
  const groups = groupDatabases(databases, warnings);
  const installs: InstalledPackage[] = [];
  for (const read of [readDpkg, readApk, readPython, readNpm]) {
    const parsed = read(groups);
    installs.push(...parsed.packages);
    warnings.push(...parsed.warnings);
  }
  // Index order is claim priority from here on: the smallest index claiming a file owns it.
  installs.sort(compareInstalls);

  const resolve = createPathResolver(symlinks);
  const claims = claimsByPath(installs, resolve);
  // What the final filesystem has, for the paths a database names but the image lacks.
  const present = new Set<string>([...symlinks.keys(), ...otherEntries]);
  const npmRoots = new Map<string, number>();
  installs.forEach((install, index) => {
    if (install.root !== undefined) npmRoots.set(install.root, index);
  });

  const namesOf = new Map<string, string[]>();
  for (const [name, target] of hardlinks) {
    const names = namesOf.get(target);
    if (names) names.push(name);
    else namesOf.set(target, [name]);
  }

  const refs = installs.map(refOf);
  const owned = installs.map(() => new Sums());
  const unowned = new Map<string, Sums>();
  const conflicts: PackageConflict[] = [];
  let conflictCount = 0;

  for (const file of finalFiles) {
    addWithFolders(present, file.path);
    const claimants: number[] = [];
    for (const name of [file.path, ...(namesOf.get(file.path) ?? [])]) {
      const exact = claims.get(name);
      if (typeof exact === 'number') claimants.push(exact);
      else if (exact !== undefined) claimants.push(...exact);
      const folderOwner = npmRoots.size > 0 ? deepestRoot(name, npmRoots) : undefined;
      if (folderOwner !== undefined) claimants.push(folderOwner);
    }
    if (claimants.length === 0) {
      const folder = unownedFolderOf(file.path);
      let sums = unowned.get(folder);
      if (!sums) {
        sums = new Sums();
        unowned.set(folder, sums);
      }
      sums.add(file);
      continue;
    }
    // One package naming two of a file's names is one claim, not a conflict.
    const [owner = 0, ...others] = [...new Set(claimants)].sort((a, b) => a - b);
    const ownerRef = refs[owner];
    owned[owner]?.add(file);
    if (ownerRef && onOwner) onOwner(file.path, ownerRef);
    if (others.length === 0 || !ownerRef) continue;
    conflictCount += 1;
    keepSmallest(conflicts, file.path, () => ({
      path: file.path,
      owner: ownerRef,
      alsoClaimedBy: others.flatMap((index) => refs[index] ?? []),
    }));
  }

  warnings.push(...missingPathWarnings(installs, resolve, (path) => present.has(path)));
  const packages = usagesOf(installs, owned);
  return {
    packages,
    summary: summarisePackages(packages),
    unowned: Array.from(unowned, ([folder, sums]): UnownedFolder => ({
      folder,
      ...sums.summary(),
    })).sort((a, b) => b.bytes - a.bytes || compareCodeUnits(a.folder, b.folder)),
    conflicts,
    conflictCount,
    warnings,
  };
}

/**
 * The folder an unowned file is reported under: its top folder (`app`, `etc`, `root`), one
 * level deeper below `usr`, `var` and `opt` (`usr/lib`, `var/cache`, `opt/conda`), two below
 * `usr/local` (`usr/local/bin`); never deeper than the file's own folder (`''` for a file at
 * the root).
 */
export function unownedFolderOf(path: string): string {
  const folders = path.split('/').slice(0, -1);
  const [top, second] = folders;
  let depth = 1;
  if (top === 'usr' || top === 'var' || top === 'opt') depth = 2;
  if (top === 'usr' && second === 'local') depth = 3;
  return folders.slice(0, depth).join('/');
}

/** The packages that wrote the most bytes into `layer`, largest first. */
export function largestPackagesInLayer(
  packages: readonly PackageUsage[],
  layer: number,
  count: number,
): { package: PackageUsage; bytes: number }[] {
  const inLayer: { package: PackageUsage; bytes: number }[] = [];
  for (const usage of packages) {
    const bytes = usage.layers.find((entry) => entry.layer === layer)?.bytes ?? 0;
    if (bytes > 0) inLayer.push({ package: usage, bytes });
  }
  return inLayer
    .sort((a, b) => b.bytes - a.bytes || compareRefs(a.package, b.package))
    .slice(0, Math.max(0, count));
}

/** Bytes, files and bytes per layer of a set of files. */
class Sums {
  bytes = 0;
  files = 0;
  private readonly byLayer = new Map<number, number>();

  add(file: AttributedFile): void {
    this.bytes += file.size;
    this.files += 1;
    if (file.size > 0)
      this.byLayer.set(file.layer, (this.byLayer.get(file.layer) ?? 0) + file.size);
  }

  merge(other: Sums): void {
    this.bytes += other.bytes;
    this.files += other.files;
    for (const [layer, bytes] of other.byLayer) {
      this.byLayer.set(layer, (this.byLayer.get(layer) ?? 0) + bytes);
    }
  }

  summary(): { bytes: number; files: number; layers: LayerBytes[] } {
    const layers = Array.from(this.byLayer, ([layer, bytes]) => ({ layer, bytes }));
    return {
      bytes: this.bytes,
      files: this.files,
      layers: layers.sort((a, b) => a.layer - b.layer),
    };
  }
}

/** Resolved path → the index of the install claiming it, or every index in ascending order. */
function claimsByPath(
  installs: readonly InstalledPackage[],
  resolve: (path: string) => string,
): Map<string, number | number[]> {
  const claims = new Map<string, number | number[]>();
  installs.forEach((install, index) => {
    for (const listed of install.paths) {
      const path = resolve(listed);
      if (path === '') continue;
      const known = claims.get(path);
      if (known === undefined) claims.set(path, index);
      else if (typeof known === 'number') {
        if (known !== index) claims.set(path, [known, index]);
      } else if (known.at(-1) !== index) known.push(index);
    }
  });
  return claims;
}

/** Adds a file's path and every folder above it (once: a known folder's parents are known). */
function addWithFolders(present: Set<string>, path: string): void {
  present.add(path);
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
    const folder = path.slice(0, slash);
    if (present.has(folder)) return;
    present.add(folder);
  }
}

/** The install whose npm folder is the deepest one holding `path`, if any. */
function deepestRoot(path: string, roots: ReadonlyMap<string, number>): number | undefined {
  if (!path.includes('node_modules/')) return undefined;
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
    const owner = roots.get(path.slice(0, slash));
    if (owner !== undefined) return owner;
  }
  return undefined;
}

/** Inserts the conflict at `path` into `examples` if it is among the smallest paths. */
function keepSmallest(
  examples: PackageConflict[],
  path: string,
  make: () => PackageConflict,
): void {
  const last = examples.at(-1);
  if (examples.length >= MAX_CONFLICT_EXAMPLES && last && compareCodeUnits(path, last.path) >= 0)
    return;
  const at = examples.findIndex((example) => compareCodeUnits(path, example.path) < 0);
  examples.splice(at === -1 ? examples.length : at, 0, make());
  if (examples.length > MAX_CONFLICT_EXAMPLES) examples.pop();
}

/** One entry per ecosystem, name, version and architecture, installs merged. */
function usagesOf(installs: readonly InstalledPackage[], owned: readonly Sums[]): PackageUsage[] {
  const merged = new Map<string, { ref: PackageRef; sums: Sums; installs: number }>();
  installs.forEach((install, index) => {
    const ref = refOf(install);
    const key = [ref.ecosystem, ref.name, ref.version, ref.architecture ?? ''].join('\0');
    const sums = owned[index] ?? new Sums();
    const known = merged.get(key);
    if (known) {
      known.sums.merge(sums);
      known.installs += 1;
    } else merged.set(key, { ref, sums, installs: 1 });
  });
  return Array.from(merged.values(), ({ ref, sums, installs: count }): PackageUsage => ({
    ...ref,
    ...sums.summary(),
    installs: count,
  })).sort((a, b) => b.bytes - a.bytes || compareRefs(a, b));
}

function refOf(install: InstalledPackage): PackageRef {
  const { ecosystem, name, version, architecture } = install;
  return architecture === undefined
    ? { ecosystem, name, version }
    : { ecosystem, name, version, architecture };
}

/** Ecosystem order, then name, version and architecture in code-unit order. */
export function compareRefs(a: PackageRef, b: PackageRef): number {
  return (
    ECOSYSTEMS.indexOf(a.ecosystem) - ECOSYSTEMS.indexOf(b.ecosystem) ||
    compareCodeUnits(a.name, b.name) ||
    compareCodeUnits(a.version, b.version) ||
    compareCodeUnits(a.architecture ?? '', b.architecture ?? '')
  );
}

function compareInstalls(a: InstalledPackage, b: InstalledPackage): number {
  return compareRefs(a, b) || compareCodeUnits(a.source, b.source);
}
