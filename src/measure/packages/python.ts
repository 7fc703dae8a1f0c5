import {
  FileWarnings,
  databaseText,
  headerField,
  splitLines,
  type DatabaseFile,
  type DatabaseKind,
} from './databases.js';
import type { InstalledPackage, ParsedDatabases, PackageWarning } from './types.js';

/*
 * Python distributions as pip (`<dist>.dist-info`) and old setuptools (`<egg>.egg-info`)
 * leave them. The files come from `RECORD` (CSV rows `path,hash,size`, the path relative to
 * the folder holding the `.dist-info`, which may climb out of it: `../../../bin/tool`) or
 * `installed-files.txt` (one path per line, relative to the `.egg-info` folder itself). Name
 * and version come from the `Name:` and `Version:` headers of `METADATA`/`PKG-INFO`, or, when
 * that is missing or says nothing, from the folder name (`<name>-<version>.dist-info`,
 * `<name>-<version>-py3.12.egg-info`). A distribution without a file list (the metadata that
 * a Debian `python3-*` package ships, say) owns nothing and is left out.
 */

const DIST_INFO = '.dist-info';

/** The fields of one CSV row (RFC 4180 quoting), or undefined when a quote is left open. */
export function parseCsvRow(line: string): string[] | undefined {
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    let field = '';
    if (line[index] === '"') {
      index += 1;
      for (;;) {
        const quote = line.indexOf('"', index);
        if (quote === -1) return undefined;
        field += line.slice(index, quote);
        index = quote + 1;
        if (line[index] !== '"') break;
        field += '"';
        index += 1;
      }
      if (index < line.length && line[index] !== ',') return undefined;
    } else {
      const comma = line.indexOf(',', index);
      const end = comma === -1 ? line.length : comma;
      field = line.slice(index, end);
      index = end;
    }
    fields.push(field);
    if (index >= line.length) return fields;
    index += 1; // the comma
  }
}

/** The paths of a `RECORD`, as written (relative to the folder holding the `.dist-info`). */
export function parseRecord(
  text: string,
  file: string,
): { paths: string[]; warnings: PackageWarning[] } {
  const problems = new FileWarnings(file);
  const paths: string[] = [];
  splitLines(text).forEach((line, index) => {
    if (line === '') return;
    const fields = parseCsvRow(line);
    if (fields === undefined) problems.add('has an unclosed quote; skipped', index + 1);
    else if (fields.length !== 3 || fields[0] === '' || fields[0] === undefined) {
      problems.add('is not a `path,hash,size` row; skipped', index + 1);
    } else paths.push(fields[0]);
  });
  const warnings: PackageWarning[] = [];
  problems.flushInto(warnings);
  return { paths, warnings };
}

/** The paths of an `installed-files.txt`, as written (relative to the `.egg-info` folder). */
export function parseInstalledFiles(text: string): string[] {
  return splitLines(text).filter((line) => line.trim() !== '');
}

/** `Name:` and `Version:` from the header block of `METADATA` or `PKG-INFO`. */
export function parseMetadata(text: string): { name?: string; version?: string } {
  const found: { name?: string; version?: string } = {};
  for (const line of splitLines(text)) {
    if (line.trim() === '') break; // the description body follows
    const field = headerField(line);
    if (field?.name === 'name' && found.name === undefined && field.value) found.name = field.value;
    if (field?.name === 'version' && found.version === undefined) found.version = field.value;
  }
  return found;
}

/** Name and version from a `.dist-info`/`.egg-info` folder name (escaped names have no `-`). */
export function distributionFromFolder(folderName: string): { name: string; version: string } {
  const stem = folderName.replace(/\.(?:dist|egg)-info$/, '');
  const dash = stem.indexOf('-');
  if (dash === -1) return { name: stem, version: '' };
  const rest = stem.slice(dash + 1);
  const nextDash = rest.indexOf('-');
  return { name: stem.slice(0, dash), version: nextDash === -1 ? rest : rest.slice(0, nextDash) };
}

interface Distribution {
  /** The `.dist-info` or `.egg-info` folder. */
  readonly folder: string;
  files?: DatabaseFile;
  metadata?: DatabaseFile;
}

/** The Python distributions with a file list among `groups`. */
export function readPython(
  groups: ReadonlyMap<DatabaseKind, readonly DatabaseFile[]>,
): ParsedDatabases {
  const distributions = new Map<string, Distribution>();
  const distributionAt = (file: DatabaseFile): Distribution => {
    const folder = parentOf(file.path);
    let distribution = distributions.get(folder);
    if (!distribution) {
      distribution = { folder };
      distributions.set(folder, distribution);
    }
    return distribution;
  };
  for (const kind of ['python-record', 'egg-installed-files'] as const) {
    for (const file of groups.get(kind) ?? []) distributionAt(file).files = file;
  }
  for (const kind of ['python-metadata', 'egg-pkg-info'] as const) {
    for (const file of groups.get(kind) ?? []) {
      const distribution = distributions.get(parentOf(file.path));
      if (distribution) distribution.metadata = file;
    }
  }

  const packages: InstalledPackage[] = [];
  const warnings: PackageWarning[] = [];
  for (const distribution of distributions.values()) {
    const installed = readDistribution(distribution, warnings);
    if (installed) packages.push(installed);
  }
  return { packages, warnings };
}

function readDistribution(
  { folder, files, metadata }: Distribution,
  warnings: PackageWarning[],
): InstalledPackage | undefined {
  if (!files) return undefined;
  const text = databaseText(files, warnings);
  if (text === undefined) return undefined;
  const isWheel = folder.endsWith(DIST_INFO);
  let relativePaths: string[];
  if (isWheel) {
    const parsed = parseRecord(text, files.path);
    warnings.push(...parsed.warnings);
    relativePaths = parsed.paths;
  } else relativePaths = parseInstalledFiles(text);
  // RECORD paths start from the folder above the .dist-info, installed-files.txt from the
  // .egg-info folder itself.
  const base = isWheel ? parentOf(folder) : folder;
  const paths = relativePaths.map((path) =>
    path.startsWith('/') ? path : base === '' ? path : `${base}/${path}`,
  );

  const fromFolder = distributionFromFolder(folder.slice(folder.lastIndexOf('/') + 1));
  let { name, version } = fromFolder;
  const metadataText = metadata && databaseText(metadata, warnings);
  if (metadata && metadataText !== undefined) {
    const headers = parseMetadata(metadataText);
    if (headers.name === undefined) {
      warnings.push({
        file: metadata.path,
        message: 'has no Name: header; the folder name is used',
      });
    } else {
      name = headers.name;
      version = headers.version ?? version;
    }
  }
  return { ecosystem: 'python', name, version, source: files.path, paths };
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
