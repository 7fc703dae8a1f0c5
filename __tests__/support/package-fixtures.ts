import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ecosystem } from '../../src/core/model.js';
import type { LayerBytes, PackageUsage, UnownedFolder } from '../../src/measure/packages/types.js';
import { writeFixture, type FixtureFile } from './engine.js';

/**
 * `FROM scratch` images whose package databases and files the test writes itself, with what
 * the attribution must find said as paths: which package owns which final file, which folder
 * an unowned file is reported under. Every number an assertion compares is summed here from
 * the sizes declared below, never taken from a run.
 */

/** A fixture file, or raw bytes (a database of binary garbage). */
export type TreeFile = FixtureFile | Buffer;
export type Tree = Readonly<Record<string, TreeFile>>;

export interface ExpectedPackage {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string;
  readonly architecture?: string | undefined;
  /** The final files it owns, without a leading `/`. */
  readonly owns: readonly string[];
}

export interface PackageFixture {
  readonly service: string;
  /** One `COPY <context>/ /` each, in order: layer i of the image is `layers[i]`. */
  readonly layers: readonly { readonly context: string; readonly files: Tree }[];
  readonly packages: readonly ExpectedPackage[];
  /** Folder as the report names it → the unowned final files under it. */
  readonly unowned: Readonly<Record<string, readonly string[]>>;
}

export function bytesOf(file: TreeFile): number {
  if (typeof file === 'number') return file;
  if (typeof file === 'string') return Buffer.byteLength(file);
  return Buffer.isBuffer(file) ? file.length : 0;
}

/** The regular files of the final filesystem: path → bytes and the layer that wrote it. */
export function finalFiles(fixture: PackageFixture): Map<string, { bytes: number; layer: number }> {
  const files = new Map<string, { bytes: number; layer: number }>();
  fixture.layers.forEach(({ files: tree }, layer) => {
    for (const [file, content] of Object.entries(tree)) {
      if (typeof content === 'object' && !Buffer.isBuffer(content)) files.delete(file);
      else files.set(file, { bytes: bytesOf(content), layer });
    }
  });
  return files;
}

/** Σ regular-file bytes of the image (no file is overwritten: also Σ layer sizes). */
export function imageBytes(fixture: PackageFixture): number {
  return [...finalFiles(fixture).values()].reduce((total, { bytes }) => total + bytes, 0);
}

function sums(fixture: PackageFixture, paths: readonly string[]) {
  const files = finalFiles(fixture);
  let bytes = 0;
  const byLayer = new Map<number, number>();
  for (const file of paths) {
    const found = files.get(file);
    if (!found) throw new Error(`${fixture.service}: ${file} is not a file of the fixture`);
    bytes += found.bytes;
    byLayer.set(found.layer, (byLayer.get(found.layer) ?? 0) + found.bytes);
  }
  const layers: LayerBytes[] = [...byLayer]
    .map(([layer, layerBytes]) => ({ layer, bytes: layerBytes }))
    .sort((a, b) => a.layer - b.layer);
  return { bytes, files: paths.length, layers };
}

export function expectedUsage(fixture: PackageFixture, expected: ExpectedPackage): PackageUsage {
  const { owns, ...ref } = expected;
  return { ...ref, ...sums(fixture, owns), installs: 1 };
}

export const expectedUnowned = (fixture: PackageFixture): UnownedFolder[] =>
  Object.entries(fixture.unowned).map(([folder, files]) => ({ folder, ...sums(fixture, files) }));

/** Final files the expectations name twice or not at all: must be empty for a sound fixture. */
export function coverageProblems(fixture: PackageFixture): string[] {
  const named = [
    ...fixture.packages.flatMap((expected) => expected.owns),
    ...Object.values(fixture.unowned).flat(),
  ];
  const problems = named.filter((file, index) => named.indexOf(file) !== index);
  for (const file of finalFiles(fixture).keys()) {
    if (!named.includes(file)) problems.push(`${file} is named nowhere`);
  }
  return problems.map((problem) => `${fixture.service}: ${problem}`);
}

/** Writes the fixture's contexts and Dockerfile into `directory`. */
export async function writeService(directory: string, fixture: PackageFixture): Promise<void> {
  for (const { context, files } of fixture.layers) {
    const root = path.join(directory, context);
    // Written again for a second run: start empty (a symlink cannot be written over).
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    const plain: Record<string, FixtureFile> = {};
    for (const [file, content] of Object.entries(files)) {
      if (Buffer.isBuffer(content)) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file), content);
      } else plain[file] = content;
    }
    await writeFixture(root, plain);
  }
  const copies = fixture.layers.map(({ context }) => `COPY ${context}/ /`);
  await writeFile(path.join(directory, 'Dockerfile'), ['FROM scratch', ...copies, ''].join('\n'));
}

/** `architecture` undefined is as good as absent to `toEqual`. */
const pkg = (
  ecosystem: Ecosystem,
  name: string,
  version: string,
  owns: readonly string[],
  architecture?: string,
): ExpectedPackage => ({ ecosystem, name, version, architecture, owns });

const under = (folder: string, ...files: string[]): string[] =>
  files.map((file) => `${folder}/${file}`);

const SP = 'usr/lib/python3.11/site-packages';
const DEMO_INFO = `${SP}/demo-1.2.3.dist-info`;
const EGG = `${SP}/legacy-0.9.egg-info`;
const NM = 'app/node_modules';

/** Bytes `demo/core.py` has in the first run; the second run adds `CORE_GROWTH`. */
export const CORE_BYTES = 1000;
export const CORE_GROWTH = 234;

const npmManifest = (name: string, version: string): string =>
  `${JSON.stringify({ name, version, main: 'index.js' }, undefined, 2)}\n`;

/** Sizes a RECORD states (stale in the second run on purpose: only real files weigh). */
const RECORDED: Readonly<Record<string, number>> = {
  'demo/__init__.py': 40,
  'demo/core.py': CORE_BYTES,
  'demo/a,b.txt': 30,
  '../../../bin/demo-cli': 120,
};
const DEMO_METADATA =
  'Metadata-Version: 2.1\nName: demo\nVersion: 1.2.3\nSummary: a demo\n\nName: not-a-header\n';
const DEMO_RECORD = [
  ...Object.entries(RECORDED).map(([file, size]) => {
    const quoted = file.includes(',') ? `"${file}"` : file;
    return `${quoted},sha256=${Buffer.from(file).toString('base64url')},${size}`;
  }),
  `demo-1.2.3.dist-info/METADATA,sha256=bWV0YQ,${Buffer.byteLength(DEMO_METADATA)}`,
  'demo-1.2.3.dist-info/INSTALLER,sha256=cGlw,4',
  'demo-1.2.3.dist-info/RECORD,,',
  '',
].join('\r\n');

// `bin` is a symlink to `usr/bin`: tool's files are found there.
const APK_INSTALLED = `C:Q1bXVzbA==
P:musl
V:1.2.4-r2
A:x86_64
F:lib
R:ld-musl-x86_64.so.1
Z:Q1bGQ=

P:tool
V:3.0-r1
A:x86_64
F:bin
R:tool
R:demo-cli
F:usr/share/tool
R:data.txt
`;

const DPKG_BASE_FILES = `Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files
 continued description line
`;
// The docs were deleted from the image: a path that weighs nothing, and no warning.
const BASE_FILES_LIST = '/.\n/etc\n/etc/issue\n/usr/share/doc/base-files/copyright\n';

/** Every ecosystem at once, in four layers; `run` 2 grows `demo/core.py` and bumps `inner`. */
export function attributionFixture(run: 1 | 2): PackageFixture {
  const innerVersion = run === 1 ? '1.0.0' : '1.1.0';
  return {
    service: 'pkg-fixtures',
    layers: [
      {
        context: 'layer-system',
        files: {
          bin: { symlinkTo: 'usr/bin' },
          'lib/apk/db/installed': APK_INSTALLED,
          'lib/ld-musl-x86_64.so.1': 700,
          'usr/bin/tool': 300,
          'usr/share/tool/data.txt': 50,
          'var/lib/dpkg/status': DPKG_BASE_FILES,
          'var/lib/dpkg/info/base-files.list': BASE_FILES_LIST,
          'etc/issue': 27,
          'etc/hostname': 9,
        },
      },
      {
        context: 'layer-python',
        files: {
          [`${SP}/demo/__init__.py`]: 40,
          [`${SP}/demo/core.py`]: CORE_BYTES + (run === 1 ? 0 : CORE_GROWTH),
          [`${SP}/demo/a,b.txt`]: 30,
          'usr/bin/demo-cli': 120,
          [`${DEMO_INFO}/METADATA`]: DEMO_METADATA,
          [`${DEMO_INFO}/INSTALLER`]: 'pip\n',
          [`${DEMO_INFO}/RECORD`]: DEMO_RECORD,
          [`${EGG}/PKG-INFO`]: 'Metadata-Version: 1.0\nName: legacy\nVersion: 0.9\n',
          [`${EGG}/SOURCES.txt`]: 'legacy/__init__.py\nlegacy/util.py\n',
          // As pip writes it: relative to the .egg-info folder, not naming itself.
          [`${EGG}/installed-files.txt`]:
            '../legacy/\n../legacy/__init__.py\n../legacy/util.py\nPKG-INFO\nSOURCES.txt\n',
          [`${SP}/legacy/__init__.py`]: 10,
          [`${SP}/legacy/util.py`]: 400,
        },
      },
      {
        context: 'layer-npm',
        files: {
          [`${NM}/.package-lock.json`]: '{"lockfileVersion":3}\n',
          [`${NM}/.bin/left-pad`]: { symlinkTo: '../left-pad/index.js' },
          [`${NM}/left-pad/package.json`]: npmManifest('left-pad', '1.3.0'),
          [`${NM}/left-pad/index.js`]: 500,
          [`${NM}/left-pad/lib/pad.js`]: 200,
          [`${NM}/left-pad/node_modules/inner/package.json`]: npmManifest('inner', innerVersion),
          [`${NM}/left-pad/node_modules/inner/index.js`]: 90,
          [`${NM}/@scope/util/package.json`]: npmManifest('@scope/util', '2.0.0'),
          [`${NM}/@scope/util/dist/util.js`]: 333,
        },
      },
      {
        context: 'layer-app',
        files: {
          'app/server.js': 2000,
          'app/package.json': '{"name":"my-app","private":true}\n',
          'app/lib/routes.js': 600,
        },
      },
    ],
    packages: [
      pkg('dpkg', 'base-files', '12.4+deb12u5', ['etc/issue'], 'amd64'),
      pkg('apk', 'musl', '1.2.4-r2', ['lib/ld-musl-x86_64.so.1'], 'x86_64'),
      // demo's RECORD names demo-cli too: apk comes before python, so it is tool's.
      pkg(
        'apk',
        'tool',
        '3.0-r1',
        ['usr/bin/tool', 'usr/bin/demo-cli', 'usr/share/tool/data.txt'],
        'x86_64',
      ),
      pkg('python', 'demo', '1.2.3', [
        ...under(`${SP}/demo`, '__init__.py', 'core.py', 'a,b.txt'),
        ...under(DEMO_INFO, 'METADATA', 'INSTALLER', 'RECORD'),
      ]),
      pkg('python', 'legacy', '0.9', [
        ...under(`${SP}/legacy`, '__init__.py', 'util.py'),
        ...under(EGG, 'PKG-INFO', 'SOURCES.txt'),
      ]),
      pkg(
        'npm',
        'left-pad',
        '1.3.0',
        under(`${NM}/left-pad`, 'package.json', 'index.js', 'lib/pad.js'),
      ),
      pkg(
        'npm',
        'inner',
        innerVersion,
        under(`${NM}/left-pad/node_modules/inner`, 'package.json', 'index.js'),
      ),
      pkg(
        'npm',
        '@scope/util',
        '2.0.0',
        under(`${NM}/@scope/util`, 'package.json', 'dist/util.js'),
      ),
    ],
    unowned: {
      app: ['app/server.js', 'app/package.json', 'app/lib/routes.js', `${NM}/.package-lock.json`],
      lib: ['lib/apk/db/installed'],
      etc: ['etc/hostname'],
      'var/lib': ['var/lib/dpkg/status', 'var/lib/dpkg/info/base-files.list'],
      'usr/lib': [`${EGG}/installed-files.txt`],
    },
  };
}

/** NUL bytes and noise: what a corrupted dpkg status looks like to a reader. */
const GARBAGE = Buffer.from(Array.from({ length: 300 }, (_, index) => (index * 37) % 256));
const BROKEN_INFO = `${SP}/broken-1.0.dist-info`;
export const BROKEN_RECORD = `${BROKEN_INFO}/RECORD`;
export const BROKEN_PACKAGE_JSON = `${NM}/bad/package.json`;
/** Line 2 leaves a quote open, line 3 has two fields: both skipped with a warning. */
const BROKEN_RECORD_TEXT = `broken/__init__.py,sha256=aW5pdA,10
"broken/unclosed.py,sha256=dW5j,5
broken/two-fields.py,sha256=dHdv
broken-1.0.dist-info/RECORD,,
broken-1.0.dist-info/METADATA,,
`;

/** Unreadable databases: each is a warning naming it, the rest is attributed as usual. */
export function brokenFixture(): PackageFixture {
  return {
    service: 'pkg-broken',
    layers: [
      {
        context: 'rootfs',
        files: {
          'var/lib/dpkg/status': GARBAGE,
          // Never read: without a status nothing is known to be installed.
          'var/lib/dpkg/info/ghost.list': '/.\n/usr/share/ghost/missing.txt\n/app/main.js\n',
          [BROKEN_RECORD]: BROKEN_RECORD_TEXT,
          [`${BROKEN_INFO}/METADATA`]: 'Name: broken\nVersion: 1.0\n',
          [`${SP}/broken/__init__.py`]: 10,
          [`${SP}/broken/unclosed.py`]: 5,
          [`${SP}/broken/two-fields.py`]: 7,
          [BROKEN_PACKAGE_JSON]: '{ "name": "bad", "version": }\n',
          [`${NM}/bad/index.js`]: 64,
          'app/main.js': 100,
        },
      },
    ],
    packages: [
      pkg('python', 'broken', '1.0', [
        `${SP}/broken/__init__.py`,
        ...under(BROKEN_INFO, 'RECORD', 'METADATA'),
      ]),
      // Named after its folder, version unknown.
      pkg('npm', 'bad', '', under(`${NM}/bad`, 'package.json', 'index.js')),
    ],
    unowned: {
      app: ['app/main.js'],
      'var/lib': ['var/lib/dpkg/status', 'var/lib/dpkg/info/ghost.list'],
      'usr/lib': [`${SP}/broken/unclosed.py`, `${SP}/broken/two-fields.py`],
    },
  };
}

export const HELLO_LIST = 'var/lib/dpkg/info/hello.list';
const HELLO_STATUS = `Package: hello
Status: install ok installed
Architecture: amd64
Version: 2.10-3

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
`;
const HELLO_LIST_TEXT = `/.
/usr
/usr/bin
/usr/bin/hello
/usr/share/doc/hello/changelog.Debian.gz
usr/share/hello/relative.txt
/usr/share/hello/never-there.txt
`;
/** The 1-based line of HELLO_LIST that is not an absolute path. */
export const HELLO_LIST_RELATIVE_LINE =
  HELLO_LIST_TEXT.split('\n').indexOf('usr/share/hello/relative.txt') + 1;

/** A readable dpkg whose `.list` names missing files, a relative path, and a removed package. */
export function dpkgListFixture(): PackageFixture {
  return {
    service: 'pkg-dpkg-list',
    layers: [
      {
        context: 'rootfs',
        files: {
          'var/lib/dpkg/status': HELLO_STATUS,
          [HELLO_LIST]: HELLO_LIST_TEXT,
          // A stale list: `gone` kept its configuration only, its files are nobody's.
          'var/lib/dpkg/info/gone.list': '/.\n/usr/bin/gone-tool\n',
          'usr/bin/hello': 800,
          'usr/bin/gone-tool': 55,
          'usr/share/hello/relative.txt': 11,
        },
      },
    ],
    packages: [pkg('dpkg', 'hello', '2.10-3', ['usr/bin/hello'], 'amd64')],
    unowned: {
      'var/lib': ['var/lib/dpkg/status', HELLO_LIST, 'var/lib/dpkg/info/gone.list'],
      'usr/bin': ['usr/bin/gone-tool'],
      'usr/share': ['usr/share/hello/relative.txt'],
    },
  };
}
