import { describe, expect, it } from 'vitest';

import {
  MAX_CONFLICT_EXAMPLES,
  attributePackages,
  largestPackagesInLayer,
  unownedFolderOf,
} from '../../../src/measure/packages/attribute.js';
import { Image, bookwormApp, expectEveryFileCountedOnce, find, label } from './fixtures.js';

describe('attributePackages', () => {
  it('gives every package the final files its database names, through merged-/usr links', () => {
    const image = bookwormApp();
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([]);
    expect(inventory.conflicts).toEqual([]);
    expect(inventory.conflictCount).toBe(0);

    const owners = [...new Set(image.files.flatMap((file) => file.owner ?? []))];
    expect(inventory.packages.map(label).sort()).toEqual([...owners].sort());
    for (const owner of owners) {
      expect(find(inventory, owner), owner).toMatchObject({
        bytes: image.bytesOf(owner),
        files: image.filesOf(owner),
        installs: 1,
        layers: image.layersOf(owner),
      });
    }
    expect(find(inventory, 'dpkg:libfoo1')).toBeUndefined();
    expectEveryFileCountedOnce(image, inventory);
  });

  it('reports versions and architectures and orders by bytes, then ecosystem and name', () => {
    const inventory = bookwormApp().attribute();
    expect(find(inventory, 'dpkg:bash')).toMatchObject({
      version: '5.2.15-2+b2',
      architecture: 'amd64',
    });
    expect(find(inventory, 'dpkg:libc6')).toMatchObject({
      version: '2.36-9+deb12u7',
      architecture: 'amd64',
    });
    expect(find(inventory, 'python:requests')).toMatchObject({ version: '2.32.3' });
    expect(find(inventory, 'python:six')).toMatchObject({ version: '1.16.0' });
    expect(find(inventory, 'npm:@types/node')?.version).toBe('20.14.9');
    expect(find(inventory, 'npm:requests')).toBeUndefined();
    expect('architecture' in (find(inventory, 'npm:debug') ?? {})).toBe(false);
    const bytes = inventory.packages.map((usage) => usage.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
  });

  it('groups unowned files by folder, largest first', () => {
    const image = bookwormApp();
    const inventory = image.attribute();
    const expected = [...image.unownedBytes()].sort(
      ([folderA, a], [folderB, b]) => b - a || (folderA < folderB ? -1 : 1),
    );
    expect(inventory.unowned.map(({ folder, bytes }) => [folder, bytes])).toEqual(expected);
    expect(inventory.unowned.map((entry) => entry.folder)).toEqual(
      expect.arrayContaining(['app', 'etc', 'var/lib', 'usr/local/bin']),
    );
    const app = inventory.unowned.find((entry) => entry.folder === 'app');
    expect(app).toMatchObject({
      files: 3,
      layers: [
        { layer: 2, bytes: 31_207 },
        { layer: 3, bytes: 1_024 },
      ],
    });
  });

  it('does not depend on the order of the final files or of the databases', () => {
    const image = bookwormApp();
    const reversed = attributePackages(
      [...image.files].reverse(),
      new Map([...image.databases].reverse()),
      image.symlinks,
    );
    expect(reversed).toEqual(image.attribute());
  });

  it('counts a file two packages claim once, for the first in ecosystem then name order', () => {
    const dist = 'usr/lib/python3/dist-packages';
    const image = new Image()
      .database(
        'var/lib/dpkg/status',
        [
          'Package: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\n',
          'Package: zz-other\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n',
          'Package: aa-first\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n',
        ].join('\n'),
        0,
      )
      .database('var/lib/dpkg/info/python3-six.list', `/${dist}/six.py\n`, 0)
      .database('var/lib/dpkg/info/zz-other.list', '/usr/bin/shared\n/usr/bin/zz\n', 0)
      .database('var/lib/dpkg/info/aa-first.list', '/usr/bin/shared\n', 0)
      .database(
        `${dist}/six-1.16.0.dist-info/RECORD`,
        'six.py,,\nsix-1.16.0.dist-info/RECORD,,\n',
        1,
        'python:six',
      )
      .file(`${dist}/six.py`, 34_549, 1, 'dpkg:python3-six')
      .file('usr/bin/shared', 1_000, 0, 'dpkg:aa-first')
      .file('usr/bin/zz', 10, 0, 'dpkg:zz-other');
    const inventory = image.attribute();
    for (const owner of ['dpkg:python3-six', 'dpkg:aa-first', 'dpkg:zz-other', 'python:six']) {
      expect(find(inventory, owner)?.bytes, owner).toBe(image.bytesOf(owner));
    }
    expect(inventory.conflictCount).toBe(2);
    expect(inventory.conflicts).toEqual([
      {
        path: 'usr/bin/shared',
        owner: { ecosystem: 'dpkg', name: 'aa-first', version: '1', architecture: 'amd64' },
        alsoClaimedBy: [
          { ecosystem: 'dpkg', name: 'zz-other', version: '1', architecture: 'amd64' },
        ],
      },
      {
        path: `${dist}/six.py`,
        owner: { ecosystem: 'dpkg', name: 'python3-six', version: '1.16.0-4', architecture: 'all' },
        alsoClaimedBy: [{ ecosystem: 'python', name: 'six', version: '1.16.0' }],
      },
    ]);
    expectEveryFileCountedOnce(image, inventory);
  });

  it('keeps a few conflict examples, the smallest paths, and counts them all', () => {
    const count = MAX_CONFLICT_EXAMPLES + 5;
    const paths = Array.from(
      { length: count },
      (_, index) => `usr/bin/tool${String(index).padStart(2, '0')}`,
    );
    const image = new Image()
      .database(
        'var/lib/dpkg/status',
        'Package: a\nStatus: install ok installed\n\nPackage: b\nStatus: install ok installed\n',
        0,
      )
      .database('var/lib/dpkg/info/a.list', paths.map((path) => `/${path}`).join('\n'), 0)
      .database('var/lib/dpkg/info/b.list', paths.map((path) => `/${path}`).join('\n'), 0);
    for (const path of [...paths].reverse()) image.file(path, 7, 0, 'dpkg:a');
    const inventory = image.attribute();
    expect(inventory.conflictCount).toBe(count);
    expect(inventory.conflicts.map((conflict) => conflict.path)).toEqual(
      paths.slice(0, MAX_CONFLICT_EXAMPLES),
    );
    expect(find(inventory, 'dpkg:a')?.bytes).toBe(image.bytesOf('dpkg:a'));
    expect(find(inventory, 'dpkg:b')).toMatchObject({ bytes: 0, files: 0, layers: [] });
  });

  it('follows dpkg diversions: the diverted copy is found where it went', () => {
    const image = new Image()
      .database(
        'var/lib/dpkg/status',
        'Package: coreutils\nStatus: install ok installed\n\nPackage: wrapper\nStatus: install ok installed\n',
        0,
      )
      .database('var/lib/dpkg/diversions', '/usr/bin/ls\n/usr/bin/ls.real\nwrapper\n', 1)
      .database('var/lib/dpkg/info/coreutils.list', '/usr/bin/ls\n/usr/bin/cat\n', 0)
      .database('var/lib/dpkg/info/wrapper.list', '/usr/bin/ls\n', 1)
      .file('usr/bin/ls.real', 138_208, 0, 'dpkg:coreutils')
      .file('usr/bin/cat', 43_416, 0, 'dpkg:coreutils')
      .file('usr/bin/ls', 300, 1, 'dpkg:wrapper');
    const inventory = image.attribute();
    expect(inventory.conflictCount).toBe(0);
    expect(find(inventory, 'dpkg:coreutils')?.bytes).toBe(image.bytesOf('dpkg:coreutils'));
    expect(find(inventory, 'dpkg:wrapper')?.bytes).toBe(image.bytesOf('dpkg:wrapper'));
  });

  it('keeps multiarch packages of one name apart', () => {
    const image = new Image()
      .link('lib', 'usr/lib')
      .database(
        'var/lib/dpkg/status',
        [
          'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36\n',
          'Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36\n',
        ].join('\n'),
        0,
      )
      .database('var/lib/dpkg/info/libc6:amd64.list', '/lib/x86_64-linux-gnu/libc.so.6\n', 0)
      .database('var/lib/dpkg/info/libc6:i386.list', '/lib/i386-linux-gnu/libc.so.6\n', 1)
      .file('usr/lib/x86_64-linux-gnu/libc.so.6', 1_922_136, 0, 'amd64')
      .file('usr/lib/i386-linux-gnu/libc.so.6', 2_251_124, 1, 'i386');
    const inventory = image.attribute();
    expect(
      inventory.packages.map(({ name, architecture, bytes }) => [name, architecture, bytes]),
    ).toEqual([
      ['libc6', 'i386', image.bytesOf('i386')],
      ['libc6', 'amd64', image.bytesOf('amd64')],
    ]);
  });

  it('reads an Alpine image: apk files, a pip venv behind a lib64 link', () => {
    const venv = 'opt/venv/lib/python3.12/site-packages';
    const image = new Image()
      .link('opt/venv/lib64', 'lib')
      .link('lib/libc.musl-x86_64.so.1', 'ld-musl-x86_64.so.1')
      .database(
        'lib/apk/db/installed',
        [
          'P:musl\nV:1.2.5-r0\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n',
          'P:busybox\nV:1.36.1-r29\nA:x86_64\nF:bin\nR:busybox\nF:etc\nR:securetty\n',
        ].join('\n'),
        0,
      )
      .file('lib/ld-musl-x86_64.so.1', 653_360, 0, 'apk:musl')
      .file('bin/busybox', 959_304, 0, 'apk:busybox')
      .file('etc/securetty', 167, 0, 'apk:busybox')
      .database(
        `${venv}/x-1.0.dist-info/RECORD`,
        [
          'x.py,,',
          '../../../bin/x,,',
          '/opt/venv/lib64/python3.12/site-packages/_x.so,,',
          'x-1.0.dist-info/RECORD,,',
        ].join('\n'),
        1,
        'python:x',
      )
      .file(`${venv}/x.py`, 99, 1, 'python:x')
      .file(`${venv}/_x.so`, 88_000, 1, 'python:x')
      .file('opt/venv/bin/x', 230, 1, 'python:x')
      .file('opt/venv/bin/python3.12', 14_000, 1);
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([]);
    for (const owner of ['apk:musl', 'apk:busybox', 'python:x']) {
      expect(find(inventory, owner)?.bytes, owner).toBe(image.bytesOf(owner));
    }
    expect(find(inventory, 'apk:musl')?.architecture).toBe('x86_64');
    expect(find(inventory, 'python:x')?.version).toBe('1.0');
    expectEveryFileCountedOnce(image, inventory);
  });

  it('merges npm copies of one version and keeps other versions apart', () => {
    const image = new Image()
      .database('app/node_modules/ms/package.json', '{"name":"ms","version":"2.1.3"}', 0, 'new')
      .file('app/node_modules/ms/index.js', 3_024, 0, 'new')
      .database(
        'app/node_modules/debug/node_modules/ms/package.json',
        '{"name":"ms","version":"2.0.0"}',
        0,
        'old',
      )
      .file('app/node_modules/debug/node_modules/ms/index.js', 2_764, 0, 'old')
      .database(
        'app/node_modules/send/node_modules/ms/package.json',
        '{"name":"ms","version":"2.0.0"}',
        0,
        'old',
      )
      .file('app/node_modules/send/node_modules/ms/index.js', 2_764, 0, 'old');
    const inventory = image.attribute();
    expect(
      inventory.packages.map(({ name, version, bytes, installs }) => [
        name,
        version,
        bytes,
        installs,
      ]),
    ).toEqual([
      ['ms', '2.0.0', image.bytesOf('old'), 2],
      ['ms', '2.1.3', image.bytesOf('new'), 1],
    ]);
    // `debug` and `send` have no package.json here: their nested files go to the inner ms.
    expect(inventory.unowned).toEqual([]);
  });
});

describe('unownedFolderOf', () => {
  it.each([
    ['app/server.js', 'app'],
    ['app/src/deep/x.js', 'app'],
    ['etc/ssl/certs/ca.pem', 'etc'],
    ['usr/lib/x86_64-linux-gnu/libz.so', 'usr/lib'],
    ['usr/local/bin/node', 'usr/local/bin'],
    ['usr/local/lib/node_modules/npm/x.js', 'usr/local/lib'],
    ['usr/local/x', 'usr/local'],
    ['usr/x', 'usr'],
    ['var/cache/apt/pkgcache.bin', 'var/cache'],
    ['opt/conda/bin/python', 'opt/conda'],
    ['root/.cache/pip/x', 'root'],
    ['.dockerenv', ''],
  ])('puts %s under %s', (path, folder) => {
    expect(unownedFolderOf(path)).toBe(folder);
  });
});

describe('largestPackagesInLayer', () => {
  it('ranks the packages by the bytes one layer wrote for them', () => {
    const inventory = bookwormApp().attribute();
    const layer2 = largestPackagesInLayer(inventory.packages, 2, 2);
    expect(layer2.map(({ package: usage, bytes }) => [label(usage), bytes])).toEqual([
      ['npm:@types/node', bookwormApp().layersOf('npm:@types/node')[0]?.bytes],
      ['npm:express', bookwormApp().layersOf('npm:express')[0]?.bytes],
    ]);
    expect(largestPackagesInLayer(inventory.packages, 9, 5)).toEqual([]);
    expect(largestPackagesInLayer(inventory.packages, 0, 0)).toEqual([]);
  });
});
