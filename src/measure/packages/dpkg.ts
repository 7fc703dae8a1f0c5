import {
  FileWarnings,
  databaseText,
  headerField,
  splitLines,
  type DatabaseFile,
  type DatabaseKind,
} from './databases.js';
import { lexicalPath } from './paths.js';
import type { InstalledPackage, ParsedDatabases, PackageWarning } from './types.js';

/*
 * dpkg keeps what is installed in `var/lib/dpkg/status` (RFC 822 paragraphs; a line starting
 * with a space or tab continues the field above) and each package's files in
 * `var/lib/dpkg/info/<name>.list`, or `<name>:<arch>.list` for a `Multi-Arch: same` package
 * (one absolute path per line, directories included, `/.` first). Only a package whose
 * `Status` ends in the word `installed` counts: `deinstall ok config-files` left its
 * configuration behind, not its files. A `.list` whose package is not installed is stale and
 * ignored; an installed package without one owns nothing. Without a readable status file
 * nothing is known to be installed, so dpkg is skipped with a warning.
 *
 * `var/lib/dpkg/diversions` (three lines each: original path, where it went, the diverting
 * package or `:` for a local diversion) says that every package but the diverting one had
 * its copy of the original moved: their `.list` still says the original.
 */

export const DPKG_STATUS = 'var/lib/dpkg/status';

export interface DpkgStatusEntry {
  readonly name: string;
  readonly version: string;
  readonly architecture: string | undefined;
  readonly installed: boolean;
}

/** The entries of a dpkg status file, malformed ones left out with a warning each. */
export function parseDpkgStatus(
  text: string,
  file: string,
): { entries: DpkgStatusEntry[]; warnings: PackageWarning[] } {
  const problems = new FileWarnings(file);
  const entries: DpkgStatusEntry[] = [];
  let fields = new Map<string, string>();
  let firstLine = 0;
  let inField = false;

  const endParagraph = (): void => {
    if (fields.size > 0) {
      const entry = statusEntry(fields);
      if (typeof entry === 'string') problems.add(entry, firstLine);
      else entries.push(entry);
    }
    fields = new Map();
    inField = false;
  };

  splitLines(text).forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '') {
      endParagraph();
      return;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!inField) problems.add('continuation line outside any field', lineNumber);
      return;
    }
    const field = headerField(line);
    if (!field) {
      problems.add('is not a `Field: value` line', lineNumber);
      inField = false;
      return;
    }
    if (fields.size === 0) firstLine = lineNumber;
    if (!fields.has(field.name)) fields.set(field.name, field.value);
    inField = true;
  });
  endParagraph();

  if (entries.length === 0 && text.trim() !== '') problems.add('holds no package entry');
  const warnings: PackageWarning[] = [];
  problems.flushInto(warnings);
  return { entries, warnings };
}

/** The entry a paragraph describes, or why it describes none. */
function statusEntry(fields: ReadonlyMap<string, string>): DpkgStatusEntry | string {
  const name = fields.get('package');
  if (!name || /[\s/]/.test(name)) return 'entry without a valid Package field; skipped';
  const status = fields.get('status');
  if (status === undefined) return `entry for ${name} without a Status field; skipped`;
  return {
    name,
    version: fields.get('version') ?? '',
    architecture: fields.get('architecture') || undefined,
    // Unpacked and half-configured packages have their files on disk too.
    installed: HAS_FILES.has(status.split(/\s+/).at(-1) ?? ''),
  };
}

/** dpkg states whose files are on disk (not-installed, config-files and half-installed are not). */
const HAS_FILES: ReadonlySet<string> = new Set([
  'installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
]);

/** The paths a `.list` file names, `/.` left out; relative lines are warned about. */
export function parseDpkgList(
  text: string,
  file: string,
): { paths: string[]; warnings: PackageWarning[] } {
  const problems = new FileWarnings(file);
  const paths: string[] = [];
  splitLines(text).forEach((line, index) => {
    if (line === '' || line === '/.') return;
    if (!line.startsWith('/')) problems.add('is not an absolute path; skipped', index + 1);
    else paths.push(line);
  });
  const warnings: PackageWarning[] = [];
  problems.flushInto(warnings);
  return { paths, warnings };
}

export interface Diversion {
  /** Where the diverted file went, without a leading `/`. */
  readonly to: string;
  /** The package whose copy stays at the original path; undefined for a local diversion. */
  readonly by: string | undefined;
}

/** Diversions by original path (without a leading `/`). */
export function parseDpkgDiversions(
  text: string,
  file: string,
): { diversions: Map<string, Diversion>; warnings: PackageWarning[] } {
  const lines = splitLines(text);
  const diversions = new Map<string, Diversion>();
  const warnings: PackageWarning[] = [];
  for (let index = 0; index + 2 < lines.length; index += 3) {
    const [from = '', to = '', by = ''] = lines.slice(index, index + 3);
    if (!from.startsWith('/') || !to.startsWith('/') || by === '') {
      warnings.push({ file, line: index + 1, message: 'is not a diversion; the rest skipped' });
      return { diversions, warnings };
    }
    diversions.set(lexicalPath(from), { to: lexicalPath(to), by: by === ':' ? undefined : by });
  }
  if (lines.length % 3 !== 0) {
    const line = lines.length - (lines.length % 3) + 1;
    warnings.push({ file, line, message: 'ends with an incomplete diversion; skipped' });
  }
  return { diversions, warnings };
}

/** The installed dpkg packages with their files, from the dpkg files among `groups`. */
export function readDpkg(
  groups: ReadonlyMap<DatabaseKind, readonly DatabaseFile[]>,
): ParsedDatabases {
  const warnings: PackageWarning[] = [];
  const lists = groups.get('dpkg-list') ?? [];
  const statusFile = groups.get('dpkg-status')?.[0];
  const statusText = statusFile && databaseText(statusFile, warnings);
  if (statusFile === undefined || statusText === undefined) {
    if (statusFile === undefined && lists.length > 0) {
      const message = 'is missing: what is installed is unknown, dpkg files are left unowned';
      warnings.push({ file: DPKG_STATUS, message });
    }
    return { packages: [], warnings };
  }
  const status = parseDpkgStatus(statusText, statusFile.path);
  warnings.push(...status.warnings);

  const diversionsFile = groups.get('dpkg-diversions')?.[0];
  const diversionsText = diversionsFile && databaseText(diversionsFile, warnings);
  let diversions = new Map<string, Diversion>();
  if (diversionsFile && diversionsText !== undefined) {
    const parsed = parseDpkgDiversions(diversionsText, diversionsFile.path);
    diversions = parsed.diversions;
    warnings.push(...parsed.warnings);
  }

  const installed = new Map<string, DpkgStatusEntry[]>();
  for (const entry of status.entries) {
    if (!entry.installed) continue;
    const sameName = installed.get(entry.name);
    if (sameName) sameName.push(entry);
    else installed.set(entry.name, [entry]);
  }

  const pathsOf = new Map<DpkgStatusEntry, { source: string; paths: string[] }>();
  for (const list of lists) {
    const entry = entryForList(list.path, installed);
    if (!entry) continue;
    const text = databaseText(list, warnings);
    if (text === undefined) continue;
    const parsed = parseDpkgList(text, list.path);
    warnings.push(...parsed.warnings);
    const paths = parsed.paths.map((path) => divertedPath(path, entry.name, diversions));
    const known = pathsOf.get(entry);
    if (known) known.paths.push(...paths);
    else pathsOf.set(entry, { source: list.path, paths });
  }

  const packages: InstalledPackage[] = [];
  for (const entries of installed.values()) {
    for (const entry of entries) {
      const files = pathsOf.get(entry);
      packages.push({
        ecosystem: 'dpkg',
        name: entry.name,
        version: entry.version,
        architecture: entry.architecture,
        source: files?.source ?? statusFile.path,
        paths: files?.paths ?? [],
      });
    }
  }
  return { packages, warnings };
}

/** The installed entry `info/<name>.list` or `info/<name>:<arch>.list` belongs to, if any. */
function entryForList(
  path: string,
  installed: ReadonlyMap<string, readonly DpkgStatusEntry[]>,
): DpkgStatusEntry | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1, -'.list'.length);
  const colon = base.indexOf(':');
  const name = colon === -1 ? base : base.slice(0, colon);
  const entries = installed.get(name);
  if (colon === -1) return entries?.[0];
  const architecture = base.slice(colon + 1);
  return entries?.find((entry) => entry.architecture === architecture);
}

function divertedPath(
  path: string,
  owner: string,
  diversions: ReadonlyMap<string, Diversion>,
): string {
  if (diversions.size === 0) return path;
  const diversion = diversions.get(lexicalPath(path));
  return diversion && diversion.by !== owner ? diversion.to : path;
}
