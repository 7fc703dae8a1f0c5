import { compareCodeUnits } from '../core/text.js';
import type {
  FileAnalysis,
  LayerAnalysis,
  LayerFileRecord,
  SizedPath,
  WastedFile,
} from './analysis-types.js';

/*
 * How the layers stack up (dive's notion of "wasted"), applied layer by layer, bottom first:
 *
 * - Layer i's records are in tar order. First every whiteout and opaque marker of layer i is
 *   applied to what layers [0, i) left behind, then every other record of layer i is written,
 *   in tar order. Markers therefore never touch entries of their own layer, wherever they sit
 *   in the tar (overlayfs semantics: a whiteout only hides lower entries).
 * - `whiteout` at `dir/name` (tar entry `dir/.wh.name`): deletes `dir/name` and everything below
 *   it from the lower layers.
 * - `opaque` at `dir` (tar entry `dir/.wh..wh..opq`): deletes everything below `dir` from the
 *   lower layers, but not `dir` itself. An opaque marker at the root (`''`) clears all.
 * - Any other entry written at a path replaces what was there: a lower regular file at the
 *   same path is "overwritten" whatever replaces it (file, directory, symlink, hardlink). A
 *   non-directory written where a lower directory stood replaces the whole subtree (every file
 *   below counts as overwritten). An entry written below a path that a lower layer had as a
 *   non-directory turns that path into a directory (the lower file counts as overwritten).
 *   A directory written over a directory changes nothing below it.
 * - Wasted bytes = Σ sizes of the regular-file versions shadowed this way, one per shadowed
 *   version (a file overwritten three times wastes three versions). A version is attributed to
 *   the layer that added it (`addedInLayer`) and to the layer that shadowed it
 *   (`removedInLayer`); `how` is `deleted` for whiteouts/opaque markers, else `overwritten`.
 *   Hardlinks, symlinks, directories and empty files weigh 0 bytes and are never listed.
 * - total = Σ regular-file bytes of all layers (tar headers and padding not included);
 *   efficiency = total ? 1 − wasted / total : 1.
 * - Per layer: `largestFiles` = that layer's regular files by size; `largestDirectories` = for
 *   every directory above one of the layer's regular files (the root excluded), Σ bytes of the
 *   layer's files below it, nested directories included. Both ignore what later layers do, skip
 *   0-byte entries, and order by bytes descending, then path ascending (code-unit order).
 */

export interface AnalyseOptions {
  /** Largest files listed per layer (default 10). */
  readonly topFiles?: number;
  /** Largest directories listed per layer (default 10). */
  readonly topDirectories?: number;
  /** Shadowed file versions listed (default 20). */
  readonly topWasted?: number;
  /** The layers already replayed (`stackLayers`), so the hints can share one replay. */
  readonly stack?: LayerStack;
}

/** A regular file as the final filesystem has it. */
export interface FinalFile {
  readonly path: string;
  readonly size: number;
  /** 0-based index of the layer that wrote this version. */
  readonly layer: number;
  readonly unstrippedElf: boolean;
}

/** The layers stacked up: what they add, what later layers shadow, what is left. */
export interface LayerStack {
  /** Σ regular-file bytes of all layers. */
  readonly totalBytes: number;
  /** Every shadowed regular-file version with bytes > 0, in the order the stacking found them. */
  readonly shadowed: readonly WastedFile[];
  /** Regular files present at the end (any order). */
  readonly finalFiles: readonly FinalFile[];
  /** Symlinks present at the end: path → target as stored. */
  readonly finalSymlinks: ReadonlyMap<string, string>;
  /**
   * Everything else present at the end: directories (empty ones included), hardlinks (whose
   * bytes the file they name carries), devices and fifos.
   */
  readonly finalOtherEntries: ReadonlySet<string>;
  /** Hardlinks present at the end whose target is a final regular file: name → target. */
  readonly finalHardlinks: ReadonlyMap<string, string>;
  /** Package database files present at the end, with their bytes (see blob.ts). */
  readonly finalDatabases: ReadonlyMap<string, Buffer>;
  /** Package database files present at the end that were too large to keep, with their sizes. */
  readonly oversizedDatabases: ReadonlyMap<string, number>;
}

type EntryKind = Exclude<LayerFileRecord['kind'], 'whiteout' | 'opaque'>;

interface Entry {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly layer: number;
  readonly unstrippedElf: boolean;
  readonly linkTarget: string | undefined;
  readonly content: Buffer | 'too-large' | undefined;
}

/** A path trie node: an entry when something was written at exactly this path. */
interface TrieNode {
  children: Map<string, TrieNode> | undefined;
  entry: Entry | undefined;
}

/** An empty or `.` segment: a leading, trailing or doubled slash, or `./`. */
const UNTIDY_PATH = /(?:^|\/)\.?(?:\/|$)/;

/** A record's path as the analysis names it (`./usr//bin/` → `usr/bin`). */
export function normaliseRecordPath(path: string): string {
  return UNTIDY_PATH.test(path)
    ? path
        .split('/')
        .filter((segment) => segment !== '' && segment !== '.')
        .join('/')
    : path;
}

/** Path segments of a normalised path (`''` → none). */
function segmentsOf(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

/** Calls `visit` for every entry in the subtree of `node`, node included. */
function forEachEntry(node: TrieNode, visit: (entry: Entry) => void): void {
  const stack = [node];
  for (let current = stack.pop(); current; current = stack.pop()) {
    if (current.entry) visit(current.entry);
    // Not `push(...values)`: a directory may hold more children than a call takes arguments.
    if (current.children) for (const child of current.children.values()) stack.push(child);
  }
}

/** Stacks the layers (see the comment at the top of this file). Linear in the records. */
export function stackLayers(layers: readonly (readonly LayerFileRecord[])[]): LayerStack {
  const root: TrieNode = { children: undefined, entry: undefined };
  const shadowed: WastedFile[] = [];
  let totalBytes = 0;

  layers.forEach((records, layer) => {
    const shadow = (how: WastedFile['how']) => (entry: Entry) => {
      if (entry.kind !== 'file' || entry.size <= 0) return;
      shadowed.push({
        path: entry.path,
        bytes: entry.size,
        addedInLayer: entry.layer,
        removedInLayer: layer,
        how,
      });
    };
    const deleted = shadow('deleted');
    const overwritten = shadow('overwritten');

    // 1. Whiteouts and opaque markers act on the lower layers only.
    for (const record of records) {
      if (record.kind !== 'whiteout' && record.kind !== 'opaque') continue;
      const segments = segmentsOf(normaliseRecordPath(record.path));
      if (record.kind === 'opaque') {
        const node = findNode(root, segments);
        if (node?.children) {
          for (const child of node.children.values()) forEachEntry(child, deleted);
          node.children = undefined;
        }
        continue;
      }
      const name = segments.pop();
      if (name === undefined) continue;
      const parent = findNode(root, segments);
      const node = parent?.children?.get(name);
      if (parent?.children && node) {
        forEachEntry(node, deleted);
        parent.children.delete(name);
      }
    }

    // 2. Everything else is written in tar order.
    for (const record of records) {
      if (record.kind === 'whiteout' || record.kind === 'opaque') continue;
      const size = record.kind === 'file' ? record.size : 0;
      totalBytes += size;
      const path = normaliseRecordPath(record.path);
      if (path === '') continue;
      const segments = segmentsOf(path);
      const last = segments.length - 1;
      let node = root;
      for (let index = 0; index <= last; index += 1) {
        const segment = segments[index] as string;
        node.children ??= new Map();
        let child = node.children.get(segment);
        if (!child) {
          child = { children: undefined, entry: undefined };
          node.children.set(segment, child);
        }
        node = child;
        if (index < last && node.entry && node.entry.kind !== 'directory') {
          overwritten(node.entry);
          node.entry = undefined;
        }
      }
      if (node.entry) overwritten(node.entry);
      if (record.kind !== 'directory' && node.children) {
        for (const child of node.children.values()) forEachEntry(child, overwritten);
        node.children = undefined;
      }
      node.entry = {
        path,
        kind: record.kind,
        size,
        layer,
        unstrippedElf: record.unstrippedElf,
        linkTarget: record.linkTarget,
        content: record.content,
      };
    }
  });

  const finalFiles: FinalFile[] = [];
  const finalSymlinks = new Map<string, string>();
  const finalOtherEntries = new Set<string>();
  const hardlinks = new Map<string, string>();
  const finalDatabases = new Map<string, Buffer>();
  const oversizedDatabases = new Map<string, number>();
  forEachEntry(root, (entry) => {
    if (entry.kind === 'symlink' && entry.linkTarget !== undefined) {
      finalSymlinks.set(entry.path, entry.linkTarget);
    }
    if (entry.kind !== 'file' && entry.kind !== 'symlink') finalOtherEntries.add(entry.path);
    if (entry.kind === 'hardlink' && entry.linkTarget !== undefined) {
      hardlinks.set(entry.path, normaliseRecordPath(entry.linkTarget));
    }
    if (entry.kind !== 'file') return;
    finalFiles.push({
      path: entry.path,
      size: entry.size,
      layer: entry.layer,
      unstrippedElf: entry.unstrippedElf,
    });
    if (entry.content === 'too-large') oversizedDatabases.set(entry.path, entry.size);
    else if (entry.content !== undefined) finalDatabases.set(entry.path, entry.content);
  });
  const finalPaths = new Set(finalFiles.map((file) => file.path));
  const finalHardlinks = new Map([...hardlinks].filter(([, target]) => finalPaths.has(target)));
  return {
    totalBytes,
    shadowed,
    finalFiles,
    finalHardlinks,
    finalSymlinks,
    finalOtherEntries,
    finalDatabases,
    oversizedDatabases,
  };
}

function findNode(root: TrieNode, segments: readonly string[]): TrieNode | undefined {
  let node: TrieNode | undefined = root;
  for (const segment of segments) {
    node = node.children?.get(segment);
    if (!node) return undefined;
  }
  return node;
}

/** Pure deep analysis of an image from its per-layer records (the hints come after, from it). */
export function analyseImage(
  layers: readonly (readonly LayerFileRecord[])[],
  options: AnalyseOptions = {},
): FileAnalysis {
  const { topFiles = 10, topDirectories = 10, topWasted = 20 } = options;
  const stack = options.stack ?? stackLayers(layers);
  const wastedBytes = stack.shadowed.reduce((sum, version) => sum + version.bytes, 0);
  return {
    wastedBytes,
    efficiency: stack.totalBytes > 0 ? 1 - wastedBytes / stack.totalBytes : 1,
    wasted: topN(stack.shadowed, topWasted, compareWasted),
    layers: layers.map((records) => analyseLayer(records, topFiles, topDirectories)),
  };
}

function analyseLayer(
  records: readonly LayerFileRecord[],
  topFiles: number,
  topDirectories: number,
): LayerAnalysis {
  const files: SizedPath[] = [];
  // Bytes of the files directly in each directory, then added to every ancestor: far fewer
  // map updates than one per file and ancestor.
  const direct = new Map<string, number>();
  for (const record of records) {
    if (record.kind !== 'file' || record.size <= 0) continue;
    const path = normaliseRecordPath(record.path);
    if (path === '') continue;
    files.push({ path, bytes: record.size });
    const slash = path.lastIndexOf('/');
    if (slash !== -1) {
      const parent = path.slice(0, slash);
      direct.set(parent, (direct.get(parent) ?? 0) + record.size);
    }
  }
  const directories = new Map<string, number>();
  for (const [directory, bytes] of direct) {
    for (let slash = directory.indexOf('/'); ; slash = directory.indexOf('/', slash + 1)) {
      const ancestor = slash === -1 ? directory : directory.slice(0, slash);
      directories.set(ancestor, (directories.get(ancestor) ?? 0) + bytes);
      if (slash === -1) break;
    }
  }
  const sizedDirectories = Array.from(directories, ([path, bytes]) => ({ path, bytes }));
  return {
    largestFiles: topN(files, topFiles, compareSized),
    largestDirectories: topN(sizedDirectories, topDirectories, compareSized),
  };
}

/** Bytes descending, then path ascending. */
export function compareSized(a: SizedPath, b: SizedPath): number {
  return b.bytes - a.bytes || compareCodeUnits(a.path, b.path);
}

function compareWasted(a: WastedFile, b: WastedFile): number {
  return (
    compareSized(a, b) || a.addedInLayer - b.addedInLayer || a.removedInLayer - b.removedInLayer
  );
}

/** The `n` first items in `compare` order, without sorting everything (n is small). */
export function topN<T>(items: Iterable<T>, n: number, compare: (a: T, b: T) => number): T[] {
  const top: T[] = [];
  if (!(n > 0)) return top;
  for (const item of items) {
    const last = top.at(-1);
    if (top.length >= n && last !== undefined && compare(item, last) >= 0) continue;
    let low = 0;
    let high = top.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(top[middle] as T, item) <= 0) low = middle + 1;
      else high = middle;
    }
    top.splice(low, 0, item);
    if (top.length > n) top.pop();
  }
  return top;
}
