import { expect } from 'vitest';

import { attributePackages, unownedFolderOf } from '../../../src/measure/packages/attribute.js';
import type { PackageInventory, PackageUsage } from '../../../src/measure/packages/types.js';

/*
 * Images for the attribution tests, built file by file: each final file says which package
 * (`ecosystem:name`) the test expects to own it, so expected bytes are sums of the sizes
 * declared here, never totals typed by hand.
 */

/** A final regular file, and the package (`ecosystem:name`) the test expects to own it. */
export interface FixtureFile {
  readonly path: string;
  readonly size: number;
  readonly layer: number;
  readonly owner: string | undefined;
}

/** An image under construction: final files, database contents, symlinks. */
export class Image {
  readonly files: FixtureFile[] = [];
  readonly databases = new Map<string, Buffer>();
  readonly symlinks = new Map<string, string>();

  file(path: string, size: number, layer: number, owner?: string): this {
    this.files.push({ path, size, layer, owner });
    return this;
  }

  /** A database file: captured, and a final file like any other. */
  database(path: string, content: string | Buffer, layer: number, owner?: string): this {
    const bytes = Buffer.from(content);
    this.databases.set(path, bytes);
    return this.file(path, bytes.length, layer, owner);
  }

  link(path: string, target: string): this {
    this.symlinks.set(path, target);
    return this;
  }

  attribute(): PackageInventory {
    return attributePackages(this.files, this.databases, this.symlinks);
  }

  /** Σ sizes of the files the fixture gives to `owner`. */
  bytesOf(owner: string): number {
    return sum(this.files.filter((file) => file.owner === owner).map((file) => file.size));
  }

  filesOf(owner: string): number {
    return this.files.filter((file) => file.owner === owner).length;
  }

  layersOf(owner: string): { layer: number; bytes: number }[] {
    const byLayer = new Map<number, number>();
    for (const file of this.files) {
      if (file.owner !== owner || file.size === 0) continue;
      byLayer.set(file.layer, (byLayer.get(file.layer) ?? 0) + file.size);
    }
    return [...byLayer]
      .map(([layer, bytes]) => ({ layer, bytes }))
      .sort((a, b) => a.layer - b.layer);
  }

  /** Unowned bytes by folder, as the fixture expects them. */
  unownedBytes(): Map<string, number> {
    const byFolder = new Map<string, number>();
    for (const file of this.files) {
      if (file.owner !== undefined) continue;
      const folder = unownedFolderOf(file.path);
      byFolder.set(folder, (byFolder.get(folder) ?? 0) + file.size);
    }
    return byFolder;
  }

  totalBytes(): number {
    return sum(this.files.map((file) => file.size));
  }
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function label(usage: Pick<PackageUsage, 'ecosystem' | 'name'>): string {
  return `${usage.ecosystem}:${usage.name}`;
}

export function find(inventory: PackageInventory, owner: string): PackageUsage | undefined {
  return inventory.packages.find((usage) => label(usage) === owner);
}

/** Every file counted once: owned plus unowned equals the image, bytes and files. */
export function expectEveryFileCountedOnce(image: Image, inventory: PackageInventory): void {
  const owned = sum(inventory.packages.map((usage) => usage.bytes));
  const unowned = sum(inventory.unowned.map((folder) => folder.bytes));
  expect(owned + unowned).toBe(image.totalBytes());
  const files = sum([...inventory.packages, ...inventory.unowned].map((entry) => entry.files));
  expect(files).toBe(image.files.length);
}

export const STATUS = [
  'Package: bash',
  'Essential: yes',
  'Status: install ok installed',
  'Priority: required',
  'Installed-Size: 7164',
  'Architecture: amd64',
  'Version: 5.2.15-2+b2',
  'Description: GNU Bourne Again SHell',
  ' Bash is an sh-compatible command language interpreter.',
  '',
  'Package: libc6',
  'Status: install ok installed',
  'Installed-Size: 12986',
  'Architecture: amd64',
  'Multi-Arch: same',
  'Version: 2.36-9+deb12u7',
  '',
  'Package: libfoo1',
  'Status: deinstall ok config-files',
  'Architecture: amd64',
  'Version: 1.0-1',
  '',
].join('\n');

export const SITE = 'usr/local/lib/python3.12/site-packages';

/** Debian bookworm (merged /usr), then pip, then an npm app: one layer each. */
export function bookwormApp(): Image {
  return (
    new Image()
      .link('bin', 'usr/bin')
      .link('lib', 'usr/lib')
      .link('lib64', 'usr/lib64')
      .link('usr/bin/sh', 'dash')
      .database('var/lib/dpkg/status', STATUS, 0)
      .database(
        'var/lib/dpkg/info/bash.list',
        '/.\n/bin\n/bin/bash\n/usr\n/usr/share\n/usr/share/doc/bash/copyright\n/usr/share/man/man1/bash.1.gz\n',
        0,
      )
      .database(
        'var/lib/dpkg/info/libc6:amd64.list',
        '/.\n/lib/x86_64-linux-gnu/libc.so.6\n/usr/lib/x86_64-linux-gnu/libm.so.6\n/lib64/ld-linux-x86-64.so.2\n',
        0,
      )
      .database('var/lib/dpkg/info/libfoo1.list', '/.\n/etc/foo.conf\n', 0)
      .file('usr/bin/bash', 1_265_648, 0, 'dpkg:bash')
      .file('usr/share/doc/bash/copyright', 18_347, 0, 'dpkg:bash')
      .file('usr/lib/x86_64-linux-gnu/libc.so.6', 1_922_136, 0, 'dpkg:libc6')
      .file('usr/lib/x86_64-linux-gnu/libm.so.6', 907_784, 0, 'dpkg:libc6')
      .file('usr/lib64/ld-linux-x86-64.so.2', 210_968, 0, 'dpkg:libc6')
      .file('etc/foo.conf', 512, 0)
      .file('etc/passwd', 922, 0)
      // pip install requests six
      .database(
        `${SITE}/requests-2.32.3.dist-info/RECORD`,
        [
          'requests/__init__.py,sha256=abc,4963',
          'requests/api.py,sha256=def,6449',
          '"requests/data/a,b.txt",sha256=ghi,17',
          '../../../bin/normalizer,sha256=jkl,254',
          'requests/__pycache__/api.cpython-312.pyc,,',
          'requests-2.32.3.dist-info/METADATA,sha256=mno,4650',
          'requests-2.32.3.dist-info/RECORD,,',
        ].join('\n') + '\n',
        1,
        'python:requests',
      )
      .database(
        `${SITE}/requests-2.32.3.dist-info/METADATA`,
        'Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\n\nName: not-a-header\n',
        1,
        'python:requests',
      )
      .file(`${SITE}/requests/__init__.py`, 4_963, 1, 'python:requests')
      .file(`${SITE}/requests/api.py`, 6_449, 1, 'python:requests')
      .file(`${SITE}/requests/data/a,b.txt`, 17, 1, 'python:requests')
      .file('usr/local/bin/normalizer', 254, 1, 'python:requests')
      .file('usr/local/bin/pip', 231, 1)
      .database(
        `${SITE}/six-1.16.0-py3.12.egg-info/installed-files.txt`,
        '../six.py\nPKG-INFO\ninstalled-files.txt\n',
        1,
        'python:six',
      )
      .database(
        `${SITE}/six-1.16.0-py3.12.egg-info/PKG-INFO`,
        'Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n',
        1,
        'python:six',
      )
      .file(`${SITE}/six.py`, 34_549, 1, 'python:six')
      // npm ci
      .database(
        'app/node_modules/express/package.json',
        '{"name":"express","version":"4.19.2"}',
        2,
        'npm:express',
      )
      .file('app/node_modules/express/index.js', 224, 2, 'npm:express')
      .file('app/node_modules/express/lib/router/index.js', 15_123, 2, 'npm:express')
      .database(
        'app/node_modules/express/node_modules/debug/package.json',
        '{"name":"debug","version":"2.6.9"}',
        2,
        'npm:debug',
      )
      .file('app/node_modules/express/node_modules/debug/src/node.js', 6_015, 2, 'npm:debug')
      .database(
        'app/node_modules/@types/node/package.json',
        '{"name":"@types/node","version":"20.14.9"}',
        2,
        'npm:@types/node',
      )
      .file('app/node_modules/@types/node/fs.d.ts', 215_377, 2, 'npm:@types/node')
      .file('app/node_modules/@types/node/ts5.6/index.d.ts', 4_380, 2, 'npm:@types/node')
      .file('app/node_modules/.package-lock.json', 31_207, 2)
      .file('app/server.js', 1_024, 3)
      .file('app/empty.txt', 0, 3)
  );
}
