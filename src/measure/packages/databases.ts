import { compareCodeUnits } from '../../core/text.js';
import { normaliseRecordPath } from '../analysis.js';
import type { PackageWarning } from './types.js';

/*
 * Which files of an image are package databases, so the layer stream keeps their content (and
 * only theirs: everything else is measured, never read). Paths have no leading `/`.
 *
 * - dpkg: `var/lib/dpkg/status`, `var/lib/dpkg/diversions`, `var/lib/dpkg/info/<pkg>.list`
 *   and `var/lib/dpkg/info/<pkg>:<arch>.list`.
 * - apk: `lib/apk/db/installed` (and `usr/lib/apk/db/installed`, where newer apk keeps it).
 * - Python: `<…>/site-packages/<dist>.dist-info/RECORD` (or `dist-packages`, Debian's name),
 *   `<…>/<dist>.dist-info/METADATA`, `<…>/<egg>.egg-info/installed-files.txt` and
 *   `<…>/<egg>.egg-info/PKG-INFO`.
 * - npm: the `package.json` at the root of a package folder, `<…>/node_modules/<name>/` or
 *   `<…>/node_modules/@<scope>/<name>/`; never one deeper inside a package, and never one of
 *   npm's own dot-folders (`.bin`, `.cache`).
 */

/** Larger database files are skipped with a warning: no real database comes close. */
export const MAX_DATABASE_FILE_BYTES = 32 * 1024 * 1024;

/**
 * All database files of one image together, every layer's versions counted: past this the
 * rest are skipped with a warning, so an image made of `package.json` files cannot fill memory.
 */
export const MAX_DATABASE_BYTES_PER_IMAGE = 256 * 1024 * 1024;

/** After this many warnings about one file the rest are only counted. */
export const MAX_WARNINGS_PER_FILE = 5;

export type DatabaseKind =
  | 'dpkg-status'
  | 'dpkg-diversions'
  | 'dpkg-list'
  | 'apk-installed'
  | 'python-record'
  | 'python-metadata'
  | 'egg-installed-files'
  | 'egg-pkg-info'
  | 'npm-package-json';

const EXACT_PATHS: ReadonlyMap<string, DatabaseKind> = new Map([
  ['var/lib/dpkg/status', 'dpkg-status'],
  ['var/lib/dpkg/diversions', 'dpkg-diversions'],
  ['lib/apk/db/installed', 'apk-installed'],
  ['usr/lib/apk/db/installed', 'apk-installed'],
]);

const PATTERNS: readonly (readonly [RegExp, DatabaseKind])[] = [
  [/^var\/lib\/dpkg\/info\/[^/]+\.list$/, 'dpkg-list'],
  [/(?:^|\/)(?:site|dist)-packages\/[^/]+\.dist-info\/RECORD$/, 'python-record'],
  [/(?:^|\/)[^/]+\.dist-info\/METADATA$/, 'python-metadata'],
  [/(?:^|\/)[^/]+\.egg-info\/installed-files\.txt$/, 'egg-installed-files'],
  [/(?:^|\/)[^/]+\.egg-info\/PKG-INFO$/, 'egg-pkg-info'],
  [/(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/, 'npm-package-json'],
];

/** Which database `path` is, if any. */
export function databaseKindOf(path: string): DatabaseKind | undefined {
  const tidy = normaliseRecordPath(path);
  const exact = EXACT_PATHS.get(tidy);
  if (exact) return exact;
  // Every pattern ends in one of these names: most paths are rejected by one comparison.
  const name = tidy.slice(tidy.lastIndexOf('/') + 1);
  if (!LAST_SEGMENTS.has(name) && !name.endsWith('.list')) return undefined;
  for (const [pattern, kind] of PATTERNS) if (pattern.test(tidy)) return kind;
  return undefined;
}

const LAST_SEGMENTS: ReadonlySet<string> = new Set([
  'RECORD',
  'METADATA',
  'installed-files.txt',
  'PKG-INFO',
  'package.json',
]);

/** True for the files whose content the package attribution needs. */
export function isPackageDatabasePath(path: string): boolean {
  return databaseKindOf(path) !== undefined;
}

/** The warning for a database file the stream did not keep because it is too large. */
export function oversizedDatabaseWarning(path: string, bytes: number): PackageWarning {
  return {
    file: normaliseRecordPath(path),
    message:
      bytes > MAX_DATABASE_FILE_BYTES
        ? `is ${bytes} bytes, more than the ${MAX_DATABASE_FILE_BYTES} read for a package database; skipped`
        : `was not read: the image's package databases passed ${MAX_DATABASE_BYTES_PER_IMAGE} bytes together; skipped`,
  };
}

export interface DatabaseFile {
  readonly path: string;
  readonly content: Buffer;
}

/** The database files by kind, each kind in path order so the outcome never depends on input order. */
export function groupDatabases(
  databases: ReadonlyMap<string, Buffer>,
  warnings: PackageWarning[],
): ReadonlyMap<DatabaseKind, readonly DatabaseFile[]> {
  const groups = new Map<DatabaseKind, DatabaseFile[]>();
  for (const [rawPath, content] of databases) {
    const path = normaliseRecordPath(rawPath);
    const kind = databaseKindOf(path);
    if (!kind) continue;
    if (content.length > MAX_DATABASE_FILE_BYTES) {
      warnings.push(oversizedDatabaseWarning(path, content.length));
      continue;
    }
    let group = groups.get(kind);
    if (!group) {
      group = [];
      groups.set(kind, group);
    }
    group.push({ path, content });
  }
  for (const group of groups.values()) group.sort((a, b) => compareCodeUnits(a.path, b.path));
  return groups;
}

/**
 * The text of a database file, or undefined (with a warning) when it holds NUL bytes: a
 * corrupt or binary file, whose "lines" would only produce noise. Bytes that are not UTF-8
 * become U+FFFD: old dpkg entries may carry Latin-1 in free-text fields we never read.
 */
export function databaseText(file: DatabaseFile, warnings: PackageWarning[]): string | undefined {
  if (file.content.includes(0)) {
    warnings.push({ file: file.path, message: 'holds binary data, not a text database; skipped' });
    return undefined;
  }
  const text = file.content.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Collects warnings about one file, keeping the first few and counting the rest. */
export class FileWarnings {
  private readonly kept: PackageWarning[] = [];
  private dropped = 0;

  constructor(private readonly file: string) {}

  add(message: string, line?: number): void {
    if (this.kept.length >= MAX_WARNINGS_PER_FILE) this.dropped += 1;
    else
      this.kept.push(
        line === undefined ? { file: this.file, message } : { file: this.file, line, message },
      );
  }

  /** Appends what was collected to `into`. */
  flushInto(into: PackageWarning[]): void {
    into.push(...this.kept);
    if (this.dropped > 0) {
      into.push({
        file: this.file,
        message: `${this.dropped} more problems like these not listed`,
      });
    }
  }
}

/** Lines without their end-of-line characters (`\n` or `\r\n`). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/**
 * An RFC 822-style `Field: value` line (dpkg status, Python METADATA and PKG-INFO), with the
 * name lower-cased because those formats compare names case-insensitively; else undefined.
 */
export function headerField(line: string): { name: string; value: string } | undefined {
  const match = /^([A-Za-z0-9][A-Za-z0-9_-]*):(.*)$/.exec(line);
  if (!match) return undefined;
  return { name: (match[1] ?? '').toLowerCase(), value: (match[2] ?? '').trim() };
}
