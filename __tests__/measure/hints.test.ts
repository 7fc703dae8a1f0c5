import type { HintId } from '../../src/core/model.js';
import { describe, expect, test } from 'vitest';
import type { Hint, LayerFileRecord } from '../../src/measure/analysis-types.js';
import { analyseImage } from '../../src/measure/analysis.js';
import { findHints, type HintOptions } from '../../src/measure/hints.js';

const MB = 1_000_000;

function file(path: string, size: number, unstrippedElf = false): LayerFileRecord {
  return { path, kind: 'file', size, unstrippedElf };
}
function whiteout(path: string): LayerFileRecord {
  return { path, kind: 'whiteout', size: 0, unstrippedElf: false };
}

function hintsOf(layers: LayerFileRecord[][], options?: HintOptions): Hint[] {
  return findHints(layers, analyseImage(layers), options);
}

function only(hints: readonly Hint[], id: HintId): Hint {
  const found = hints.filter((hint) => hint.id === id);
  expect(found).toHaveLength(1);
  return found[0] as Hint;
}

const GCC = [
  file('usr/bin/x86_64-linux-gnu-gcc-12', 1 * MB),
  file('usr/bin/x86_64-linux-gnu-g++-12', 1 * MB),
  file('usr/libexec/gcc/x86_64-linux-gnu/12/cc1', 30 * MB),
  file('usr/libexec/gcc/x86_64-linux-gnu/12/cc1plus', 32 * MB),
  file('usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a', 3 * MB),
  file('usr/bin/make', 250_000),
  file('usr/include/stdio.h', 30_000),
  file('usr/lib/x86_64-linux-gnu/libc.a', 5 * MB),
];
const GCC_BYTES = GCC.reduce((sum, record) => sum + record.size, 0);

describe('findHints: build-toolchain', () => {
  test('gcc in the final image', () => {
    const hints = hintsOf([[file('bin/sh', 100_000)], GCC]);
    expect(hints).toEqual([
      {
        id: 'build-toolchain',
        title: 'Build toolchain in the image (C/C++ compiler, static libraries, make, C headers)',
        bytes: GCC_BYTES,
        fix: 'Build in a separate stage and COPY only the result into the final stage (multi-stage build).',
        examples: [
          { path: 'usr/libexec/gcc/x86_64-linux-gnu/12/cc1plus', bytes: 32 * MB },
          { path: 'usr/libexec/gcc/x86_64-linux-gnu/12/cc1', bytes: 30 * MB },
          { path: 'usr/lib/x86_64-linux-gnu/libc.a', bytes: 5 * MB },
          { path: 'usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a', bytes: 3 * MB },
          { path: 'usr/bin/x86_64-linux-gnu-g++-12', bytes: 1 * MB },
        ],
        layers: [1],
        packages: [],
      },
    ]);
  });

  test('the same files deleted later: no toolchain hint, a deleted-later hint', () => {
    const hints = hintsOf([
      GCC,
      [
        whiteout('usr/libexec/gcc'),
        whiteout('usr/lib'),
        whiteout('usr/bin'),
        whiteout('usr/include'),
      ],
    ]);
    expect(hints.map((hint) => hint.id)).toEqual(['deleted-later']);
    expect(hints[0]).toMatchObject({
      bytes: GCC_BYTES,
      title: 'Files in the image deleted by a later layer (their bytes stay where they were added)',
      fix: 'Delete files in the same RUN that created them; a later layer cannot make an earlier one smaller.',
      layers: [0],
    });
    expect(hints[0]?.examples[0]).toEqual({
      path: 'usr/libexec/gcc/x86_64-linux-gnu/12/cc1plus',
      bytes: 32 * MB,
    });
  });

  test.each([
    ['usr/bin/gcc-12', 'C/C++ compiler'],
    ['usr/bin/aarch64-linux-gnu-ld.bfd', 'C/C++ compiler'],
    ['usr/bin/x86_64-alpine-linux-musl-gcc', 'C/C++ compiler'],
    ['usr/lib/libc.a', 'static libraries'],
    ['usr/local/cargo/bin/cargo', 'Rust'],
    ['usr/local/rustup/toolchains/stable/lib/librustc_driver.so', 'Rust'],
    ['root/.rustup/toolchains/x/bin/rustc', 'Rust'],
    ['usr/bin/rustc', 'Rust'],
    ['usr/local/go/bin/go', 'Go'],
    ['usr/lib/go-1.19/bin/go', 'Go'],
    ['root/go/pkg/mod/cache/x.zip', 'Go'],
  ])('%s → %s', (path, part) => {
    expect(only(hintsOf([[file(path, 2 * MB)]]), 'build-toolchain').title).toBe(
      `Build toolchain in the image (${part})`,
    );
  });

  test.each([
    'usr/bin/ldd',
    'usr/bin/asn1parse',
    'usr/lib/x86_64-linux-gnu/libstdc++.so.6',
    'usr/local/bin/app',
    'app/make',
  ])('%s is not toolchain', (path) => {
    expect(hintsOf([[file(path, 20 * MB)]])).toEqual([]);
  });
});

describe('findHints: package-manager-cache', () => {
  test.each([
    ['root/.cache/pip/http/a/b', 'pip cache in the image', '`pip install --no-cache-dir`'],
    ['home/app/.cache/pip/wheels/x.whl', 'pip cache in the image', '--no-cache-dir'],
    ['root/.cache/uv/archive-v0/x.so', 'uv cache in the image', 'UV_NO_CACHE=1'],
    [
      'var/lib/apt/lists/deb.debian.org_Packages',
      'apt package lists and archives in the image',
      '`rm -rf /var/lib/apt/lists/*`',
    ],
    [
      'var/cache/apt/archives/curl.deb',
      'apt package lists and archives in the image',
      'apt-get install',
    ],
    [
      'var/cache/apt/pkgcache.bin',
      'apt package lists and archives in the image',
      'apt-get install',
    ],
    [
      'root/.npm/_cacache/content-v2/sha512/x',
      'npm cache in the image',
      '`npm ci && npm cache clean --force`',
    ],
    ['usr/local/share/.cache/yarn/v6/x.tgz', 'Yarn cache in the image', 'yarn cache clean'],
    ['root/.cache/yarn/v6/x.tgz', 'Yarn cache in the image', 'yarn cache clean'],
    ['root/.cache/go-build/ab/cd-d', 'Go build cache in the image', 'go clean -cache'],
  ])('%s → %s', (path, title, fix) => {
    const hint = only(hintsOf([[file(path, 2 * MB)]]), 'package-manager-cache');
    expect(hint.title).toBe(title);
    expect(hint.fix).toContain(fix);
    expect(hint.bytes).toBe(2 * MB);
  });

  test('one hint per cache family, each with its own fix', () => {
    const hints = hintsOf([
      [
        file('root/.cache/pip/a', 3 * MB),
        file('root/.cache/pip/b', 1 * MB),
        file('var/lib/apt/lists/x_Packages', 2 * MB),
      ],
    ]);
    expect(hints.map((hint) => [hint.title, hint.bytes])).toEqual([
      ['pip cache in the image', 4 * MB],
      ['apt package lists and archives in the image', 2 * MB],
    ]);
  });

  test.each([
    'var/lib/apt/lists/lock',
    'var/lib/apt/lists/partial/x_Packages',
    'var/cache/apt/archives/lock',
    'root/.cache/other/x',
  ])('%s is no cache', (path) => {
    expect(hintsOf([[file(path, 2 * MB)]])).toEqual([]);
  });
});

describe('findHints: python-bytecode, package-tests-and-docs', () => {
  test.each<[string, HintId | undefined]>([
    ['usr/local/lib/python3.12/__pycache__/os.cpython-312.pyc', 'python-bytecode'],
    ['app/src/__pycache__/main.cpython-312.pyc', 'python-bytecode'],
    ['usr/lib/python3/dist-packages/x/y.pyc', 'python-bytecode'],
    ['opt/venv/lib/python3.12/site-packages/x.pyc', 'python-bytecode'],
    ['app/legacy.pyc', undefined],
    ['usr/local/lib/python3.12/site-packages/numpy/core/tests/test_x.py', 'package-tests-and-docs'],
    ['usr/local/lib/python3.12/site-packages/pkg/docs/guide.html', 'package-tests-and-docs'],
    ['app/node_modules/lodash/examples/a.js', 'package-tests-and-docs'],
    ['usr/share/doc/libc6/changelog.gz', 'package-tests-and-docs'],
    ['usr/share/man/man1/ls.1.gz', 'package-tests-and-docs'],
    ['usr/share/info/coreutils.info.gz', 'package-tests-and-docs'],
    ['app/tests/test_main.py', undefined],
    ['usr/local/lib/python3.12/site-packages/pkg/test', undefined],
    ['usr/share/locale/de/x.mo', undefined],
  ])('%s → %s', (path, id) => {
    expect(hintsOf([[file(path, 2 * MB)]]).map((hint) => hint.id)).toEqual(id ? [id] : []);
  });
});

describe('findHints: dockerignore-candidates', () => {
  test.each<[string, LayerFileRecord[][], string | undefined]>([
    ['.git', [[file('app/.git/objects/pack/p.pack', 2 * MB)]], '.git'],
    ['.git at the root', [[file('.git/objects/pack/p.pack', 2 * MB)]], '.git'],
    [
      'node_modules copied with its package.json',
      [[file('app/package.json', 1), file('app/node_modules/x/index.js', 2 * MB)]],
      'node_modules',
    ],
    [
      'node_modules installed in a layer of its own (RUN npm ci)',
      [[file('app/package.json', 1)], [file('app/node_modules/x/index.js', 2 * MB)]],
      undefined,
    ],
    [
      'global node_modules',
      [
        [
          file('usr/local/lib/node_modules/npm/package.json', 1),
          file('usr/local/lib/node_modules/npm/node_modules/x/a.js', 2 * MB),
        ],
      ],
      undefined,
    ],
    [
      '.venv copied with pyproject.toml',
      [
        [
          file('app/pyproject.toml', 1),
          file('app/.venv/lib/python3.12/site-packages/x.so', 2 * MB),
        ],
      ],
      '.venv',
    ],
    [
      '.venv made by RUN uv sync',
      [
        [file('app/pyproject.toml', 1)],
        [file('app/.venv/lib/python3.12/site-packages/x.so', 2 * MB)],
      ],
      undefined,
    ],
    ['Markdown in the app', [[file('app/docs/design.md', 2 * MB)]], 'Markdown files'],
    ['Markdown under usr/', [[file('usr/share/x/README.md', 2 * MB)]], undefined],
    [
      'Markdown in site-packages',
      [[file('opt/venv/lib/python3.12/site-packages/x/README.md', 2 * MB)]],
      undefined,
    ],
    ['.pytest_cache', [[file('app/.pytest_cache/v/cache/nodeids', 2 * MB)]], '.pytest_cache'],
    ['.DS_Store', [[file('app/assets/.DS_Store', 2 * MB)]], '.DS_Store'],
  ])('%s', (_name, layers, part) => {
    const hints = hintsOf(layers).filter((hint) => hint.id === 'dockerignore-candidates');
    expect(hints.map((hint) => hint.title)).toEqual(
      part ? [`Build-context files .dockerignore should exclude in the image (${part})`] : [],
    );
    if (part) expect(hints[0]?.fix).toBe('Add them to .dockerignore so COPY never sends them.');
  });
});

describe('findHints: unstripped-binaries', () => {
  test('unstripped files in the final image, not counted twice', () => {
    const hints = hintsOf([
      [
        file('usr/local/bin/app', 8 * MB, true),
        file('usr/local/bin/helper', 1 * MB, true),
        file('usr/local/bin/stripped', 5 * MB, false),
        // Claimed by the toolchain hint already.
        file('usr/libexec/gcc/x86_64-linux-gnu/12/cc1', 2 * MB, true),
      ],
    ]);
    expect(hints.map((hint) => [hint.id, hint.title, hint.bytes])).toEqual([
      ['unstripped-binaries', '2 unstripped ELF binaries in the image', 9 * MB],
      ['build-toolchain', 'Build toolchain in the image (C/C++ compiler)', 2 * MB],
    ]);
    expect(only(hints, 'unstripped-binaries').fix).toContain('strip --strip-unneeded');
  });

  test.each([
    [[file('app', 999_999, true)], []],
    [[file('app', 1 * MB, true)], ['1 unstripped ELF binary in the image']],
    [
      [file('a', 600_000, true), file('b', 600_000, true)],
      ['2 unstripped ELF binaries in the image'],
    ],
  ])('threshold on the total: %#', (records, titles) => {
    expect(hintsOf([records]).map((hint) => hint.title)).toEqual(titles);
  });
});

describe('findHints: thresholds, order, base image', () => {
  test.each([
    [undefined, 999_999, false],
    [undefined, 1_000_000, true],
    [10 * MB, 9 * MB, false],
    [0, 1, true],
  ])('minBytes %s, %i bytes → %s', (minBytes, bytes, reported) => {
    const hints = hintsOf(
      [[file('root/.npm/_cacache/x', bytes)]],
      minBytes === undefined ? {} : { minBytes },
    );
    expect(hints.length).toBe(reported ? 1 : 0);
  });

  test('sorted by bytes, largest first', () => {
    const hints = hintsOf([
      [
        file('usr/share/doc/a', 2 * MB),
        file('root/.cache/pip/a', 5 * MB),
        file('usr/bin/gcc', 3 * MB),
      ],
    ]);
    expect(hints.map((hint) => [hint.id, hint.bytes])).toEqual([
      ['package-manager-cache', 5 * MB],
      ['build-toolchain', 3 * MB],
      ['package-tests-and-docs', 2 * MB],
    ]);
  });

  test('base-image layers get their own hints, titled "in the base image"', () => {
    const layers = [
      [file('usr/share/doc/libc6/changelog', 3 * MB), file('usr/bin/big', 2 * MB)],
      [file('usr/share/man/man1/x.1', 1 * MB)],
      [file('usr/share/doc/app/README', 4 * MB), whiteout('usr/bin/big')],
    ];
    expect(
      hintsOf(layers, { baseLayers: 2 }).map((hint) => [
        hint.id,
        hint.title,
        hint.bytes,
        hint.layers,
      ]),
    ).toEqual([
      [
        'package-tests-and-docs',
        'Tests and documentation of installed packages in the base image',
        4 * MB,
        [0, 1],
      ],
      [
        'package-tests-and-docs',
        'Tests and documentation of installed packages in the image',
        4 * MB,
        [2],
      ],
      [
        'deleted-later',
        'Files in the base image deleted by a later layer (their bytes stay where they were added)',
        2 * MB,
        [0],
      ],
    ]);
    expect(hintsOf(layers).map((hint) => [hint.id, hint.bytes])).toEqual([
      ['package-tests-and-docs', 8 * MB],
      ['deleted-later', 2 * MB],
    ]);
  });

  test('deleted-later sums every deletion, not only the listed wasted files', () => {
    const many = Array.from({ length: 50 }, (_, index) => file(`tmp/src/f${index}`, 100_000));
    const layers = [many, [whiteout('tmp/src')]];
    const analysis = analyseImage(layers, { topWasted: 3 });
    expect(analysis.wasted).toHaveLength(3);
    expect(findHints(layers, analysis)).toMatchObject([{ id: 'deleted-later', bytes: 5 * MB }]);
  });

  test('overwritten files are no deleted-later hint', () => {
    expect(hintsOf([[file('app/big', 5 * MB)], [file('app/big', 1)]])).toEqual([]);
  });

  test('an analysis of other layers is refused', () => {
    expect(() => findHints([[], []], analyseImage([[]]))).toThrow(/1 layers but the image has 2/);
  });

  test('no hints for an empty image', () => {
    expect(hintsOf([])).toEqual([]);
  });
});
