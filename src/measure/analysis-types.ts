import type { HintId } from '../core/model.js';

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
}

export interface LayerAnalysis {
  /** Largest regular files this layer adds (largest first). */
  readonly largestFiles: readonly SizedPath[];
  /** Directories by bytes this layer adds below them (largest first, nested ones included). */
  readonly largestDirectories: readonly SizedPath[];
}

/** What the file analysis finds before the hints are looked for. */
export type FileAnalysis = Omit<ImageAnalysis, 'hints'>;

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
}
