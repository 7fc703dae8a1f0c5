import { normaliseRecordPath } from '../analysis.js';

/*
 * Databases name files as the package shipped them, the final filesystem has them where they
 * are: in a merged-/usr image (Debian bookworm) dpkg lists `/bin/bash` while the file is
 * `usr/bin/bash`, because `bin` is a symlink to `usr/bin`. A database path is therefore
 * resolved the way the kernel would walk it, segment by segment: every directory segment that
 * is a symlink of the final filesystem is replaced by its target (relative targets from the
 * symlink's folder, absolute ones from the root), `..` steps up from where the walk is (the
 * physical parent, as `../../../bin/tool` in a Python RECORD needs) and never above the root.
 * The last segment is never followed: a package that lists a symlink owns the symlink, not
 * what it points to. After 40 symlinks (the kernel's limit) a loop is given up and the path
 * kept as it was, tidied.
 */

const MAX_SYMLINK_HOPS = 40;

/** Maps a database path to the path the final filesystem has the file at (no leading `/`). */
export type PathResolver = (path: string) => string;

/** A resolver for the final filesystem whose symlinks are `symlinks` (path → target). */
export function createPathResolver(symlinks: ReadonlyMap<string, string>): PathResolver {
  const links = new Map<string, string>();
  for (const [path, target] of symlinks) links.set(normaliseRecordPath(path), target);
  if (links.size === 0) return (path) => lexicalPath(path);

  // Files of one package share a few folders: resolve each folder once.
  const folders = new Map<string, string>();
  const resolveFolder = (folder: string): string => {
    let resolved = folders.get(folder);
    if (resolved === undefined) {
      resolved = walk(folder, links, true) ?? lexicalPath(folder);
      folders.set(folder, resolved);
    }
    return resolved;
  };

  return (path) => {
    const tidy = normaliseRecordPath(path);
    if (/(?:^|\/)\.\.(?:\/|$)/.test(tidy)) return walk(tidy, links, false) ?? lexicalPath(tidy);
    const slash = tidy.lastIndexOf('/');
    if (slash === -1) return tidy;
    const folder = resolveFolder(tidy.slice(0, slash));
    const name = tidy.slice(slash + 1);
    return folder === '' ? name : `${folder}/${name}`;
  };
}

/** `path` with `.`, empty and `..` segments applied as text (`a/./b/../c` → `a/c`). */
export function lexicalPath(path: string): string {
  const resolved: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') resolved.pop();
    else resolved.push(segment);
  }
  return resolved.join('/');
}

/** The physical walk described at the top; undefined when it meets a symlink loop. */
function walk(
  path: string,
  links: ReadonlyMap<string, string>,
  followLast: boolean,
): string | undefined {
  const resolved: string[] = [];
  // Segments still to walk, last one first, so a symlink target is pushed in front cheaply.
  const pending = path.split('/').reverse();
  let hops = 0;
  for (let segment = pending.pop(); segment !== undefined; segment = pending.pop()) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      resolved.pop();
      continue;
    }
    resolved.push(segment);
    if (!followLast && pending.every((rest) => rest === '' || rest === '.')) break;
    const target = links.get(resolved.join('/'));
    if (target === undefined) continue;
    hops += 1;
    if (hops > MAX_SYMLINK_HOPS) return undefined;
    resolved.pop();
    if (target.startsWith('/')) resolved.length = 0;
    for (const part of target.split('/').reverse()) pending.push(part);
  }
  return resolved.join('/');
}
