import type { HintId } from '../core/model.js';
import type { PackageInventory } from './packages/types.js';

/**
 * What one pass over a layer records about each entry, so the image can be analysed once the
 * layer order is known (an image export does not give the order until its end).
 */
export interface LayerFileRecord {
  /** Path inside the image, without a leading `/` or `./` (`usr/bin/gcc`). */
  readonly path: string;
  readonly kind: 'file' | 'directory' | 'symlink' | 'hardlink' | 'whiteout' | 'opaque' | 'other';
  /** Regular-file bytes; 0 for everything else. */
  readonly size: number;
  /** A regular file that starts with the ELF magic and still carries `.symtab` or `.debug_*`. */
  readonly unstrippedElf: boolean;
  /** A symlink's target as the tar stores it; a hardlink's (the path carrying its bytes). */
  readonly linkTarget?: string | undefined;
  /**
   * A package database file's bytes (`isPackageDatabasePath`), kept for the attribution;
   * `'too-large'` when it passed the size cap and was not kept.
   */
  readonly content?: Buffer | 'too-large' | undefined;
}

export interface SizedPath {
  readonly path: string;
  readonly bytes: number;
}

export interface WastedFile {
  readonly path: string;
  /** Bytes of the earlier version(s) that a later layer overwrote or deleted. */
  readonly bytes: number;
  /** 0-based index of the layer that added the shadowed version. */
  readonly addedInLayer: number;
  /** 0-based index of the layer that overwrote or deleted it. */
  readonly removedInLayer: number;
  readonly how: 'overwritten' | 'deleted';
}

export interface Hint {
  readonly id: HintId;
  /** One short line: what was found. */
  readonly title: string;
  /** Bytes the hint accounts for (in the final image, or wasted for `deleted-later`). */
  readonly bytes: number;
  /** The usual fix, in one sentence. */
  readonly fix: string;
  /** A few example paths, largest first. */
  readonly examples: readonly SizedPath[];
  /** 0-based layer indexes where the bytes are. */
  readonly layers: readonly number[];
  /** The packages that own the hint's files, largest first (a few); empty when none does. */
  readonly packages: readonly PackageBytes[];
}

export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

export interface LayerAnalysis {
  /** Largest regular files this layer adds (largest first). */
  readonly largestFiles: readonly SizedPath[];
  /** Directories by bytes this layer adds below them (largest first, nested ones included). */
  readonly largestDirectories: readonly SizedPath[];
}

/** What the file analysis finds before the hints and packages are looked for. */
export type FileAnalysis = Omit<ImageAnalysis, 'hints' | 'packages'>;

export interface ImageAnalysis {
  /** Bytes of file versions that a later layer overwrote or deleted (dive's "wasted"). */
  readonly wastedBytes: number;
  /** 1 − wasted / Σ layer sizes; 1 for an empty image. */
  readonly efficiency: number;
  /** Largest offenders first. */
  readonly wasted: readonly WastedFile[];
  /** One per layer, in image order. */
  readonly layers: readonly LayerAnalysis[];
  readonly hints: readonly Hint[];
  /** Bytes per package (dpkg, apk, Python, npm) and the files no package owns. */
  readonly packages: PackageInventory;
}
