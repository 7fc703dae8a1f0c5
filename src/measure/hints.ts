import { compareCodeUnits } from '../core/text.js';
import type { HintId } from '../core/model.js';
import type { FileAnalysis, Hint, LayerFileRecord, SizedPath } from './analysis-types.js';
import type { PackageRef } from './packages/types.js';
import {
  compareSized,
  normaliseRecordPath,
  stackLayers,
  topN,
  type FinalFile,
  type LayerStack,
} from './analysis.js';

/*
 * Hints: common causes of bloat, found by path in the FINAL filesystem (after whiteouts and
 * overwrites, see analysis.ts), except `deleted-later`, which is about shadowed versions.
 *
 * - Each regular file is claimed by the first rule that matches it, in this order:
 *   build-toolchain, package-manager-cache, dockerignore-candidates, python-bytecode,
 *   package-tests-and-docs, then unstripped-binaries for what is left. No byte is counted
 *   twice across hints.
 * - package-manager-cache gives one hint per cache family (pip, uv, apt, npm, yarn, Go build
 *   cache), each with its own fix.
 * - dockerignore-candidates flags `node_modules` (resp. `.venv`) only when the layer that holds
 *   the file also holds the project's manifest next to that folder (`package.json`; resp.
 *   `pyproject.toml`, `requirements.txt`, `setup.py`, `setup.cfg`, `Pipfile`): that is what
 *   `COPY . .` without a .dockerignore produces, whereas `RUN npm ci` / `RUN uv sync` after
 *   copying the manifest alone (the recommended pattern) writes the folder in a layer of its
 *   own. Global installs (`usr/lib/node_modules`, `usr/local/lib/node_modules`) never count.
 * - Files of layers [0, baseLayers) and files of the image's own layers make separate hints;
 *   the former say "in the base image" in the title. `deleted-later` goes by the layer that
 *   added the deleted version (that is where its bytes are).
 * - A hint is reported when its bytes ≥ `minBytes` (default 1 MB); hints are sorted by bytes,
 *   largest first. Examples are the 5 largest files, layers are ascending.
 */

export interface HintOptions {
  /** Layers [0, baseLayers) come from the base image (default 0). */
  readonly baseLayers?: number;
  /** Smallest hint worth reporting, in bytes (default 1 MB = 1_000_000). */
  readonly minBytes?: number;
  /** The layers already replayed for the analysis (`stackLayers`): not replayed again. */
  readonly stack?: LayerStack;
  /** The package that owns a final file, when the attribution found one. */
  readonly ownerOf?: ((path: string) => PackageRef | undefined) | undefined;
}

/** Hints about the team's own files: a file a distribution package installed is not one. */
const OWN_FILE_FAMILIES: ReadonlySet<string> = new Set([
  'unstripped',
  'dockerignore',
  'bytecode',
  'pip',
  'uv',
  'npm',
  'yarn',
  'goBuild',
]);

/** Packages a hint names, largest first. */
const PACKAGES_NAMED = 5;

/**
 * A file a distribution package installed: the advice to strip it or drop it is not one a team
 * can follow, short of not installing the package (which the toolchain hint says).
 */
function isDistributionFile(owner: PackageRef | undefined): boolean {
  return owner?.ecosystem === 'dpkg' || owner?.ecosystem === 'apk';
}

const DEFAULT_MIN_BYTES = 1_000_000;
const EXAMPLES = 5;

interface Family {
  readonly id: HintId;
  readonly title: (where: string, parts: readonly string[], count: number) => string;
  readonly fix: string;
}

const MULTI_STAGE =
  'Build in a separate stage and COPY only the result into the final stage (multi-stage build).';

const FAMILIES = {
  toolchain: {
    id: 'build-toolchain',
    title: (where, parts) => `Build toolchain ${where} (${parts.join(', ')})`,
    fix: MULTI_STAGE,
  },
  pip: {
    id: 'package-manager-cache',
    title: (where) => `pip cache ${where}`,
    fix: 'Use `pip install --no-cache-dir` (or a BuildKit cache mount).',
  },
  uv: {
    id: 'package-manager-cache',
    title: (where) => `uv cache ${where}`,
    fix: 'Use `uv --no-cache` or `UV_NO_CACHE=1` (or a BuildKit cache mount).',
  },
  apt: {
    id: 'package-manager-cache',
    title: (where) => `apt package lists and archives ${where}`,
    fix: 'Run `rm -rf /var/lib/apt/lists/*` (and `apt-get clean`) in the same RUN as apt-get install.',
  },
  npm: {
    id: 'package-manager-cache',
    title: (where) => `npm cache ${where}`,
    fix: 'Run `npm ci && npm cache clean --force` in the same RUN, or use a cache mount.',
  },
  yarn: {
    id: 'package-manager-cache',
    title: (where) => `Yarn cache ${where}`,
    fix: 'Run `yarn install && yarn cache clean` in the same RUN, or use a cache mount.',
  },
  goBuild: {
    id: 'package-manager-cache',
    title: (where) => `Go build cache ${where}`,
    fix: 'Run `go clean -cache` in the same RUN as go build, or use a BuildKit cache mount.',
  },
  bytecode: {
    id: 'python-bytecode',
    title: (where) => `Python bytecode (\`__pycache__\`, \`.pyc\`) ${where}`,
    fix: 'Set PYTHONDONTWRITEBYTECODE=1 and pip install with --no-compile, or drop __pycache__ in the same RUN.',
  },
  testsAndDocs: {
    id: 'package-tests-and-docs',
    title: (where) => `Tests and documentation of installed packages ${where}`,
    fix: 'Remove test and documentation folders of installed packages in the same RUN (or use dpkg path-exclude for /usr/share/doc).',
  },
  dockerignore: {
    id: 'dockerignore-candidates',
    title: (where, parts) =>
      `Build-context files .dockerignore should exclude ${where} (${parts.join(', ')})`,
    fix: 'Add them to .dockerignore so COPY never sends them.',
  },
  unstripped: {
    id: 'unstripped-binaries',
    title: (where, _parts, count) =>
      `${count} unstripped ELF ${count === 1 ? 'binary' : 'binaries'} ${where}`,
    fix: "Strip them (strip --strip-unneeded, or build with -s / RUSTFLAGS=-C strip=symbols / go build -ldflags='-s -w').",
  },
  deleted: {
    id: 'deleted-later',
    title: (where) =>
      `Files ${where} deleted by a later layer (their bytes stay where they were added)`,
    fix: 'Delete files in the same RUN that created them; a later layer cannot make an earlier one smaller.',
  },
} as const satisfies Record<string, Family>;

type FamilyName = keyof typeof FAMILIES;

interface Claim {
  readonly family: FamilyName;
  /** What the title lists for families that name their parts. */
  readonly part?: string;
}

const TRIPLET = String.raw`[a-z0-9_]+(?:-[a-z0-9_]+)?-linux-[a-z0-9_]+`;
const HOME = String.raw`(?:root|home/[^/]+)`;

const TOOLCHAIN_PATHS: readonly (readonly [RegExp, string])[] = [
  [
    new RegExp(
      String.raw`^usr/(?:local/)?bin/(?:${TRIPLET}-)?(?:gcc|g\+\+|c\+\+|cpp|cc1|cc1plus|collect2|lto-dump|as|ld(?:\.bfd|\.gold)?)(?:-[\w.]+)?$`,
    ),
    'C/C++ compiler',
  ],
  [/^usr\/(?:lib|libexec)\/gcc\//, 'C/C++ compiler'],
  [/^usr\/(?:local\/)?bin\/g?make$/, 'make'],
  [/^usr\/include\//, 'C headers'],
  [new RegExp(String.raw`^usr/lib/(?:${TRIPLET}/)?[^/]+\.a$`), 'static libraries'],
  [/^(?:usr\/local\/(?:cargo|rustup)|root\/\.(?:cargo|rustup))\//, 'Rust'],
  [/^usr\/(?:local\/)?bin\/(?:rustc|cargo)$/, 'Rust'],
  [/^(?:usr\/local\/go|usr\/lib\/go(?:-[^/]+)?|(?:root\/)?go\/pkg)\//, 'Go'],
];

const CACHE_PATHS: readonly (readonly [RegExp, FamilyName])[] = [
  [new RegExp(`^${HOME}/\\.cache/pip/`), 'pip'],
  [new RegExp(`^${HOME}/\\.cache/uv/`), 'uv'],
  [new RegExp(`^${HOME}/\\.cache/go-build/`), 'goBuild'],
  [/^var\/lib\/apt\/lists\/(?!lock$|partial(?:\/|$))/, 'apt'],
  [/^var\/cache\/apt\/.*\.(?:deb|bin)$/, 'apt'],
  [new RegExp(`^${HOME}/\\.npm/`), 'npm'],
  [new RegExp(`^(?:usr/local/share|${HOME})/\\.cache/yarn/`), 'yarn'],
];

const PACKAGE_DIRS = new Set(['site-packages', 'dist-packages', 'node_modules']);
const TEST_AND_DOC_DIRS = new Set(['tests', 'test', 'testing', 'docs', 'doc', 'examples']);
const NODE_MANIFESTS = ['package.json'];
const PYTHON_MANIFESTS = ['pyproject.toml', 'requirements.txt', 'setup.py', 'setup.cfg', 'Pipfile'];
const MANIFESTS = new Set([...NODE_MANIFESTS, ...PYTHON_MANIFESTS]);
const GLOBAL_NODE_MODULES = /^usr\/(?:local\/)?lib\/node_modules\//;

/** Tells whether layer `layer` holds one of `names` in directory `directory` (`''`: root). */
type ManifestLookup = (layer: number, directory: string, names: readonly string[]) => boolean;

function manifestLookup(layers: readonly (readonly LayerFileRecord[])[]): ManifestLookup {
  const present = new Set<string>();
  layers.forEach((records, layer) => {
    for (const record of records) {
      if (record.kind !== 'file') continue;
      const path = normaliseRecordPath(record.path);
      if (MANIFESTS.has(path.slice(path.lastIndexOf('/') + 1))) present.add(`${layer}\0${path}`);
    }
  });
  return (layer, directory, names) =>
    names.some((name) => present.has(`${layer}\0${directory ? `${directory}/` : ''}${name}`));
}

function claim(file: FinalFile, hasManifest: ManifestLookup): Claim | undefined {
  const { path } = file;
  for (const [pattern, part] of TOOLCHAIN_PATHS) {
    if (pattern.test(path)) return { family: 'toolchain', part };
  }
  for (const [pattern, family] of CACHE_PATHS) {
    if (pattern.test(path)) return { family };
  }
  const segments = path.split('/');
  const base = segments.pop() ?? '';
  const directories = segments;

  const ignored = dockerignorePart(file, directories, base, hasManifest);
  if (ignored !== undefined) return { family: 'dockerignore', part: ignored };

  if (
    directories.includes('__pycache__') ||
    (base.endsWith('.pyc') &&
      (directories.includes('site-packages') || directories.includes('dist-packages')))
  ) {
    return { family: 'bytecode' };
  }

  if (/^usr\/share\/(?:doc|man|info)\//.test(path)) return { family: 'testsAndDocs' };
  const packages = directories.findIndex((directory) => PACKAGE_DIRS.has(directory));
  if (
    packages !== -1 &&
    directories.slice(packages + 1).some((directory) => TEST_AND_DOC_DIRS.has(directory))
  ) {
    return { family: 'testsAndDocs' };
  }

  return file.unstrippedElf ? { family: 'unstripped' } : undefined;
}

function dockerignorePart(
  file: FinalFile,
  directories: readonly string[],
  base: string,
  hasManifest: ManifestLookup,
): string | undefined {
  if (directories.includes('.git')) return '.git';
  if (directories.includes('.pytest_cache')) return '.pytest_cache';
  if (base === '.DS_Store') return '.DS_Store';
  const nodeModules = directories.indexOf('node_modules');
  if (
    nodeModules !== -1 &&
    !GLOBAL_NODE_MODULES.test(file.path) &&
    hasManifest(file.layer, directories.slice(0, nodeModules).join('/'), NODE_MANIFESTS)
  ) {
    return 'node_modules';
  }
  const venv = directories.indexOf('.venv');
  if (
    venv !== -1 &&
    hasManifest(file.layer, directories.slice(0, venv).join('/'), PYTHON_MANIFESTS)
  ) {
    return '.venv';
  }
  if (
    /\.md$/i.test(base) &&
    directories[0] !== 'usr' &&
    !directories.some((directory) => PACKAGE_DIRS.has(directory) || directory === '.venv')
  ) {
    return 'Markdown files';
  }
  return undefined;
}

class HintGroup {
  bytes = 0;
  count = 0;
  readonly files: SizedPath[] = [];
  readonly layers = new Set<number>();
  readonly parts = new Map<string, number>();
  readonly packages = new Map<string, number>();

  constructor(
    readonly family: FamilyName,
    readonly base: boolean,
  ) {}

  add(
    path: string,
    bytes: number,
    layer: number,
    part: string | undefined,
    owner: PackageRef | undefined,
  ): void {
    this.bytes += bytes;
    this.count += 1;
    this.files.push({ path, bytes });
    this.layers.add(layer);
    if (part !== undefined) this.parts.set(part, (this.parts.get(part) ?? 0) + bytes);
    if (owner !== undefined) {
      this.packages.set(owner.name, (this.packages.get(owner.name) ?? 0) + bytes);
    }
  }

  toHint(): Hint {
    const family: Family = FAMILIES[this.family];
    const parts = [...this.parts]
      .sort(([a, aBytes], [b, bBytes]) => bBytes - aBytes || compareCodeUnits(a, b))
      .map(([part]) => part);
    return {
      id: family.id,
      title: family.title(this.base ? 'in the base image' : 'in the image', parts, this.count),
      bytes: this.bytes,
      fix: family.fix,
      examples: topN(this.files, EXAMPLES, compareSized),
      layers: [...this.layers].sort((a, b) => a - b),
      packages: topN(
        Array.from(this.packages, ([name, bytes]) => ({ name, bytes })),
        PACKAGES_NAMED,
        (a, b) => b.bytes - a.bytes || compareCodeUnits(a.name, b.name),
      ),
    };
  }
}

/**
 * Hints about common causes of bloat (see the comment at the top of this file). `analysis` must
 * be `analyseImage(layers)`; the hints are computed from the layers themselves so that sums do
 * not depend on how many wasted files the analysis lists.
 */
export function findHints(
  layers: readonly (readonly LayerFileRecord[])[],
  analysis: FileAnalysis,
  options: HintOptions = {},
): Hint[] {
  if (analysis.layers.length !== layers.length) {
    throw new Error(
      `the analysis has ${analysis.layers.length} layers but the image has ${layers.length}`,
    );
  }
  const { baseLayers = 0, minBytes = DEFAULT_MIN_BYTES } = options;
  const stack = options.stack ?? stackLayers(layers);
  const hasManifest = manifestLookup(layers);
  const groups = new Map<string, HintGroup>();
  const groupOf = (family: FamilyName, layer: number): HintGroup => {
    const base = layer < baseLayers;
    const key = `${family}\0${String(base)}`;
    let group = groups.get(key);
    if (!group) {
      group = new HintGroup(family, base);
      groups.set(key, group);
    }
    return group;
  };

  for (const file of stack.finalFiles) {
    if (file.size <= 0) continue;
    const owner = options.ownerOf?.(file.path);
    const found = claim(file, hasManifest);
    if (!found || (OWN_FILE_FAMILIES.has(found.family) && isDistributionFile(owner))) continue;
    groupOf(found.family, file.layer).add(file.path, file.size, file.layer, found.part, owner);
  }
  for (const version of stack.shadowed) {
    if (version.how !== 'deleted') continue;
    groupOf('deleted', version.addedInLayer).add(
      version.path,
      version.bytes,
      version.addedInLayer,
      undefined,
      undefined,
    );
  }

  return [...groups.values()]
    .filter((group) => group.bytes > 0 && group.bytes >= minBytes)
    .map((group) => group.toHint())
    .sort(
      (a, b) =>
        b.bytes - a.bytes || compareCodeUnits(a.id, b.id) || compareCodeUnits(a.title, b.title),
    );
}
