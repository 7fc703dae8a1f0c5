import type { Ecosystem, PackageSummary } from '../../core/model.js';

/** Which package, without its files: what a report or a conflict names. */
export interface PackageRef {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  /** `''` when the database does not say (a `package.json` that is not JSON, for one). */
  readonly version: string;
  /** dpkg and apk only (`amd64`, `all`, `x86_64`). */
  readonly architecture?: string | undefined;
}

/** Bytes that one layer wrote and the final image still has. */
export interface LayerBytes {
  /** 0-based index of the layer that wrote the final version of the files. */
  readonly layer: number;
  readonly bytes: number;
}

/**
 * One package in the final image: the regular files its database names that the final
 * filesystem still has. Installs of the same name, version and architecture are one entry (a
 * package that npm copied into three `node_modules` folders, say), `installs` says how many.
 */
export interface PackageUsage extends PackageRef {
  readonly bytes: number;
  readonly files: number;
  /** How many database entries (install locations) the entry merges; 1 almost always. */
  readonly installs: number;
  /** Bytes by layer, layers with bytes only, in layer order. */
  readonly layers: readonly LayerBytes[];
}

/** Files no database owns, grouped by folder (see `unownedFolderOf`). */
export interface UnownedFolder {
  /** Without a leading `/` (`usr/local/bin`); `''` for files directly at the root. */
  readonly folder: string;
  readonly bytes: number;
  readonly files: number;
  /** Bytes by layer, layers with bytes only, in layer order. */
  readonly layers: readonly LayerBytes[];
}

/** A final file that more than one package names; its bytes count for `owner` only. */
export interface PackageConflict {
  readonly path: string;
  readonly owner: PackageRef;
  readonly alsoClaimedBy: readonly PackageRef[];
}

/** A database entry the attribution could not read; it never stops the rest. */
export interface PackageWarning {
  /** The database file, without a leading `/`. */
  readonly file: string;
  /** 1-based line, where the problem sits on one. */
  readonly line?: number | undefined;
  readonly message: string;
}

export interface PackageInventory {
  /** Bytes descending, then ecosystem order, then name, version and architecture. */
  readonly packages: readonly PackageUsage[];
  /** One row per package identity, as the baseline keeps it (see summary.ts). */
  readonly summary: readonly PackageSummary[];
  /** Bytes descending, then folder. */
  readonly unowned: readonly UnownedFolder[];
  /** A few examples, smallest paths first; `conflictCount` says how many there are. */
  readonly conflicts: readonly PackageConflict[];
  readonly conflictCount: number;
  readonly warnings: readonly PackageWarning[];
}

/**
 * What a database parser reads about one install, before attribution. A package owns either
 * the files its database lists (`paths`: as the database writes them, relative to the root,
 * possibly through symlinked directories or with `..`) or a whole folder (`root`: npm).
 */
export interface InstalledPackage extends PackageRef {
  /** The database file the entry comes from, to order equal names deterministically. */
  readonly source: string;
  readonly paths: readonly string[];
  /** A folder every file below which is the package's (npm), without a trailing `/`. */
  readonly root?: string | undefined;
}

/** What a parser hands back: the installs it read and what it could not read. */
export interface ParsedDatabases {
  readonly packages: InstalledPackage[];
  readonly warnings: PackageWarning[];
}
