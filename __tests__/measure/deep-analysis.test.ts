import { describe, expect, test } from 'vitest';
import type { LayerFileRecord } from '../../src/measure/analysis-types.js';
import { analyseLayers } from '../../src/measure/deep-analysis.js';

const MB = 1_000_000;

function file(path: string, size: number, unstrippedElf = false): LayerFileRecord {
  return { path, kind: 'file', size, unstrippedElf };
}

function database(path: string, text: string): LayerFileRecord {
  const content = Buffer.from(text);
  return { path, kind: 'file', size: content.length, unstrippedElf: false, content };
}

function symlink(path: string, target: string): LayerFileRecord {
  return { path, kind: 'symlink', size: 0, unstrippedElf: false, linkTarget: target };
}

function status(packages: readonly [string, string][]): string {
  return packages
    .map(
      ([name, version]) =>
        `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`,
    )
    .join('\n');
}

/** A Debian-like base (merged /usr) and a layer that installs gcc-12 and libasan8. */
const BASE = [
  symlink('bin', 'usr/bin'),
  symlink('lib', 'usr/lib'),
  file('usr/bin/bash', 1_265_648),
  database('var/lib/dpkg/status', status([['bash', '5.2.15-2+b2']])),
  database('var/lib/dpkg/info/bash.list', '/.\n/bin\n/bin/bash\n'),
];
const GCC_FILES = [
  file('usr/bin/x86_64-linux-gnu-gcc-12', 1_100_000),
  file('usr/libexec/gcc/x86_64-linux-gnu/12/cc1', 30 * MB, true),
  file('usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a', 3 * MB),
];
const ASAN = file('usr/lib/x86_64-linux-gnu/libasan.so.8.0.0', 8 * MB, true);
const GCC_LAYER = [
  ...GCC_FILES,
  ASAN,
  file('app/server', 4 * MB, true),
  database(
    'var/lib/dpkg/status',
    status([
      ['bash', '5.2.15-2+b2'],
      ['gcc-12', '12.2.0-14'],
      ['libasan8', '12.2.0-14'],
    ]),
  ),
  database(
    'var/lib/dpkg/info/gcc-12.list',
    GCC_FILES.map((record) => `/${record.path}`).join('\n'),
  ),
  // Listed through the merged-/usr symlink, as Debian's packages ship them.
  database('var/lib/dpkg/info/libasan8:amd64.list', '/lib/x86_64-linux-gnu/libasan.so.8.0.0\n'),
];

describe('analyseLayers: bytes per package from one replay', () => {
  const analysis = analyseLayers([BASE, GCC_LAYER], 1);
  const packages = analysis.packages.packages;
  const bytesOf = (name: string) => packages.find((usage) => usage.name === name)?.bytes;

  test('attributes each final file once, through the directory symlinks of the image', () => {
    expect(bytesOf('gcc-12')).toBe(GCC_FILES.reduce((sum, record) => sum + record.size, 0));
    expect(bytesOf('libasan8')).toBe(ASAN.size);
    expect(bytesOf('bash')).toBe(1_265_648);
    expect(packages.find((usage) => usage.name === 'gcc-12')?.layers).toEqual([
      { layer: 1, bytes: bytesOf('gcc-12') },
    ]);
    const owned = packages.reduce((sum, usage) => sum + usage.bytes, 0);
    const unowned = analysis.packages.unowned.reduce((sum, folder) => sum + folder.bytes, 0);
    const finalBytes = [...BASE.filter((record) => record.path !== 'var/lib/dpkg/status')]
      .concat(GCC_LAYER)
      .reduce((sum, record) => sum + record.size, 0);
    expect(owned + unowned).toBe(finalBytes);
    expect(analysis.packages.summary.map((row) => row.name)).toEqual([
      'bash',
      'gcc-12',
      'libasan8',
    ]);
  });

  test('the toolchain hint names its packages; unstripped binaries skip files a distribution package owns', () => {
    const toolchain = analysis.hints.find((hint) => hint.id === 'build-toolchain');
    expect(toolchain?.packages).toEqual([
      { name: 'gcc-12', bytes: GCC_FILES.reduce((sum, record) => sum + record.size, 0) },
    ]);
    const unstripped = analysis.hints.find((hint) => hint.id === 'unstripped-binaries');
    expect(unstripped?.examples).toEqual([{ path: 'app/server', bytes: 4 * MB }]);
    expect(unstripped?.bytes).toBe(4 * MB);
    expect(unstripped?.title).toContain('1 unstripped ELF binary');
  });

  test('a database too large to keep is one warning naming it; sizes stay exact', () => {
    const huge: LayerFileRecord = {
      path: 'var/lib/dpkg/status',
      kind: 'file',
      size: 40 * 1024 * 1024,
      unstrippedElf: false,
      content: 'too-large',
    };
    const result = analyseLayers([[huge, file('usr/bin/x', 10)]], 0);
    expect(result.packages.warnings).toHaveLength(1);
    expect(result.packages.warnings[0]?.file).toBe('var/lib/dpkg/status');
    expect(result.packages.packages).toEqual([]);
    expect(result.packages.unowned.reduce((sum, folder) => sum + folder.bytes, 0)).toBe(
      huge.size + 10,
    );
  });
});

describe('analyseLayers: paths a .list names that the image lacks', () => {
  test('empty folders, hardlinks and deleted docs are there or excused; anything else is one warning per .list', () => {
    const directory = (path: string): LayerFileRecord => ({
      path,
      kind: 'directory',
      size: 0,
      unstrippedElf: false,
    });
    const hardlink = (path: string): LayerFileRecord => ({
      path,
      kind: 'hardlink',
      size: 0,
      unstrippedElf: false,
    });
    const layer = [
      directory('boot'),
      file('usr/bin/perl', 3_000_000),
      hardlink('usr/bin/perl5.36.0'),
      database(
        'var/lib/dpkg/status',
        status([
          ['perl-base', '5.36.0-7'],
          ['tool', '1.0'],
        ]),
      ),
      database(
        'var/lib/dpkg/info/perl-base.list',
        '/.\n/boot\n/usr/bin/perl\n/usr/bin/perl5.36.0\n/usr/share/doc/perl-base/copyright\n',
      ),
      database('var/lib/dpkg/info/tool.list', '/usr/bin/tool\n/usr/lib/tool/plugin.so\n'),
    ];
    const { warnings, packages } = analyseLayers([layer], 0).packages;
    expect(warnings).toEqual([
      {
        file: 'var/lib/dpkg/info/tool.list',
        message:
          'names 2 paths the image does not have (first: /usr/bin/tool); tool is counted without them',
      },
    ]);
    expect(packages.find((usage) => usage.name === 'perl-base')?.bytes).toBe(3_000_000);
  });
});

describe('analyseLayers: hardlinked files', () => {
  test('a file linked from a package store belongs to the package that names one of its names', () => {
    const store = 'root/.local/share/pnpm/store/v3/files/ab/cdef';
    const hardlink = (path: string, target: string): LayerFileRecord => ({
      path,
      kind: 'hardlink',
      size: 0,
      unstrippedElf: false,
      linkTarget: target,
    });
    const packageJson = database(
      'app/node_modules/lodash/package.json',
      '{"name":"lodash","version":"4.17.21"}',
    );
    // pnpm writes the store first: the tar carries the bytes under the store's name.
    const layer = [
      file(store, 540_000),
      hardlink('app/node_modules/lodash/lodash.js', store),
      packageJson,
      file('app/server.js', 1_000),
    ];
    const { packages, unowned } = analyseLayers([layer], 0).packages;
    expect(packages.map((usage) => [usage.name, usage.bytes])).toEqual([
      ['lodash', 540_000 + packageJson.size],
    ]);
    expect(unowned.map((folder) => [folder.folder, folder.bytes])).toEqual([['app', 1_000]]);
  });
});

describe('analyseLayers: dpkg states', () => {
  test.each([
    ['install ok unpacked', 5_000],
    ['install ok half-configured', 5_000],
    ['install ok triggers-pending', 5_000],
    ['deinstall ok config-files', 0],
    ['install ok not-installed', 0],
  ])('a package whose status is %j owns %i bytes', (state, bytes) => {
    const layer = [
      file('usr/bin/tool', 5_000),
      database('var/lib/dpkg/status', `Package: tool\nStatus: ${state}\nVersion: 1.0\n`),
      database('var/lib/dpkg/info/tool.list', '/usr/bin/tool\n'),
    ];
    const { packages } = analyseLayers([layer], 0).packages;
    expect(packages.find((usage) => usage.name === 'tool')?.bytes ?? 0).toBe(bytes);
  });
});
