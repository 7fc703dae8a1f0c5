import { describe, expect, it } from 'vitest';

import { Image, SITE, bookwormApp, expectEveryFileCountedOnce, find, sum } from './fixtures.js';

describe('attributePackages on bad input', () => {
  it('skips a binary status with a warning and still attributes the other ecosystems', () => {
    const image = bookwormApp();
    const garbage = Buffer.from([
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xed, 0x5a,
    ]);
    image.databases.set('var/lib/dpkg/status', garbage);
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([
      { file: 'var/lib/dpkg/status', message: 'holds binary data, not a text database; skipped' },
    ]);
    expect(inventory.packages.filter((usage) => usage.ecosystem === 'dpkg')).toEqual([]);
    expect(find(inventory, 'python:requests')?.bytes).toBe(image.bytesOf('python:requests'));
    expect(find(inventory, 'npm:express')?.bytes).toBe(image.bytesOf('npm:express'));
    expect(
      sum(inventory.packages.map((usage) => usage.bytes)) +
        sum(inventory.unowned.map((folder) => folder.bytes)),
    ).toBe(image.totalBytes());
  });

  it('warns about text garbage in the status by line, a few times, and reads nothing from it', () => {
    const image = bookwormApp();
    image.databases.set('var/lib/dpkg/status', Buffer.from('garbage\n'.repeat(20)));
    const warnings = image.attribute().warnings;
    expect(warnings.every((warning) => warning.file === 'var/lib/dpkg/status')).toBe(true);
    expect(warnings[0]).toEqual({
      file: 'var/lib/dpkg/status',
      line: 1,
      message: 'is not a `Field: value` line',
    });
    expect(warnings.at(-1)?.message).toMatch(/more problems/);
  });

  it('attributes the readable rows of a malformed RECORD and names its bad lines', () => {
    const record = `${SITE}/requests-2.32.3.dist-info/RECORD`;
    const image = bookwormApp();
    image.databases.set(
      record,
      Buffer.from(
        'requests/__init__.py,sha256=abc,4963\n"requests/api.py,sha256=def,6449\njust-one-field\n',
      ),
    );
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([
      { file: record, line: 2, message: 'has an unclosed quote; skipped' },
      { file: record, line: 3, message: 'is not a `path,hash,size` row; skipped' },
    ]);
    expect(find(inventory, 'python:requests')?.bytes).toBe(4_963);
    expectEveryFileCountedOnce(image, inventory);
  });

  it('still gives a folder to its npm package when package.json is not JSON', () => {
    const image = bookwormApp();
    image.databases.set('app/node_modules/express/package.json', Buffer.from('<<<<<<< HEAD\n'));
    const inventory = image.attribute();
    expect(inventory.warnings.map((warning) => warning.file)).toEqual([
      'app/node_modules/express/package.json',
    ]);
    expect(inventory.warnings[0]?.message).toMatch(/^is not JSON \(.+\); named after its folder$/);
    expect(find(inventory, 'npm:express')).toMatchObject({
      version: '',
      bytes: image.bytesOf('npm:express'),
    });
  });

  it('counts a package without the listed paths the image lacks: one warning per .list, none for deleted docs', () => {
    const image = new Image()
      .link('bin', 'usr/bin')
      .database(
        'var/lib/dpkg/status',
        'Package: gone\nStatus: install ok installed\n\nPackage: part\nStatus: install ok installed\n',
        0,
      )
      .database(
        'var/lib/dpkg/info/gone.list',
        '/usr/share/doc/gone/copyright\n/usr/share/man/man1/gone.1.gz\n',
        0,
      )
      .database('var/lib/dpkg/info/part.list', '/bin/part\n/bin/deleted-later\n', 0)
      .file('usr/bin/part', 4_096, 0, 'dpkg:part');
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([
      {
        file: 'var/lib/dpkg/info/part.list',
        message:
          'names a path the image does not have (first: /usr/bin/deleted-later); part is counted without it',
      },
    ]);
    expect(find(inventory, 'dpkg:gone')).toMatchObject({ bytes: 0, files: 0 });
    expect(find(inventory, 'dpkg:part')?.bytes).toBe(image.bytesOf('dpkg:part'));
  });

  it('survives a symlink loop, an empty database and a database with no final file', () => {
    const image = new Image()
      .link('a', 'b')
      .link('b', 'a')
      .database('var/lib/dpkg/status', '', 0)
      .database('lib/apk/db/installed', 'P:x\nF:a\nR:file\n', 0)
      .file('a/file', 5, 0, 'apk:x');
    const inventory = image.attribute();
    expect(inventory.warnings).toEqual([]);
    expect(find(inventory, 'apk:x')?.bytes).toBe(5);
  });
});
