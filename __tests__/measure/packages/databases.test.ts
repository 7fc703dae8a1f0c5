import { describe, expect, it } from 'vitest';

import {
  FileWarnings,
  MAX_DATABASE_FILE_BYTES,
  MAX_WARNINGS_PER_FILE,
  databaseKindOf,
  databaseText,
  groupDatabases,
  isPackageDatabasePath,
  oversizedDatabaseWarning,
} from '../../../src/measure/packages/databases.js';
import type { PackageWarning } from '../../../src/measure/packages/types.js';

describe('isPackageDatabasePath', () => {
  it.each([
    ['var/lib/dpkg/status', 'dpkg-status'],
    ['/var/lib/dpkg/status', 'dpkg-status'],
    ['./var/lib/dpkg/status', 'dpkg-status'],
    ['var/lib/dpkg/diversions', 'dpkg-diversions'],
    ['var/lib/dpkg/info/bash.list', 'dpkg-list'],
    ['var/lib/dpkg/info/libc6:amd64.list', 'dpkg-list'],
    ['lib/apk/db/installed', 'apk-installed'],
    ['usr/lib/apk/db/installed', 'apk-installed'],
    ['usr/local/lib/python3.12/site-packages/requests-2.32.3.dist-info/RECORD', 'python-record'],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD', 'python-record'],
    ['opt/venv/lib/python3.12/site-packages/a-1.dist-info/METADATA', 'python-metadata'],
    [
      'usr/lib/python3/dist-packages/six-1.16.0.egg-info/installed-files.txt',
      'egg-installed-files',
    ],
    ['usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', 'egg-pkg-info'],
    ['app/node_modules/express/package.json', 'npm-package-json'],
    ['node_modules/express/package.json', 'npm-package-json'],
    ['app/node_modules/@types/node/package.json', 'npm-package-json'],
    ['app/node_modules/a/node_modules/b/package.json', 'npm-package-json'],
    ['app/node_modules/.pnpm/b@1.0.0/node_modules/b/package.json', 'npm-package-json'],
  ])('keeps %s (%s)', (path, kind) => {
    expect(databaseKindOf(path)).toBe(kind);
    expect(isPackageDatabasePath(path)).toBe(true);
  });

  it.each([
    'var/lib/dpkg/status-old',
    'var/lib/dpkg/info/bash.md5sums',
    'var/lib/dpkg/info/sub/bash.list',
    'home/me/var/lib/dpkg/status',
    'usr/share/doc/list.list',
    'lib/apk/db/scripts.tar',
    'usr/local/lib/python3.12/site-packages/requests/RECORD',
    'app/src/a-1.dist-info/RECORD',
    'usr/local/lib/python3.12/site-packages/a-1.dist-info/WHEEL',
    'app/package.json',
    'app/node_modules/express/lib/package.json',
    'app/node_modules/@types/package.json',
    'app/node_modules/.bin/package.json',
    'app/node_modules/.cache/x/package.json',
    'usr/bin/bash',
    '',
  ])('skips %s', (path) => {
    expect(isPackageDatabasePath(path)).toBe(false);
  });
});

describe('groupDatabases', () => {
  it('groups by kind in path order, ignores other paths and skips oversized files', () => {
    const warnings: PackageWarning[] = [];
    const big = Buffer.alloc(MAX_DATABASE_FILE_BYTES + 1);
    const groups = groupDatabases(
      new Map([
        ['var/lib/dpkg/info/zlib1g:amd64.list', Buffer.from('/.\n')],
        ['/var/lib/dpkg/info/bash.list', Buffer.from('/.\n')],
        ['etc/passwd', Buffer.from('root:x:0:0::/root:/bin/sh\n')],
        ['var/lib/dpkg/status', big],
      ]),
      warnings,
    );
    expect(groups.get('dpkg-list')?.map((file) => file.path)).toEqual([
      'var/lib/dpkg/info/bash.list',
      'var/lib/dpkg/info/zlib1g:amd64.list',
    ]);
    expect(groups.has('dpkg-status')).toBe(false);
    expect([...groups.keys()]).toEqual(['dpkg-list']);
    expect(warnings).toEqual([oversizedDatabaseWarning('var/lib/dpkg/status', big.length)]);
    expect(warnings[0]?.message).toContain(String(MAX_DATABASE_FILE_BYTES));
  });
});

describe('databaseText', () => {
  it('refuses binary content with a warning naming the file', () => {
    const warnings: PackageWarning[] = [];
    const file = { path: 'lib/apk/db/installed', content: Buffer.from([0x50, 0x3a, 0x00, 0xff]) };
    expect(databaseText(file, warnings)).toBeUndefined();
    expect(warnings).toEqual([
      { file: 'lib/apk/db/installed', message: 'holds binary data, not a text database; skipped' },
    ]);
  });

  it('drops a byte-order mark and keeps invalid UTF-8 as replacement characters', () => {
    const warnings: PackageWarning[] = [];
    const content = Buffer.concat([Buffer.from('\uFEFFName: caf'), Buffer.from([0xe9])]);
    expect(databaseText({ path: 'x/PKG-INFO', content }, warnings)).toBe('Name: caf\uFFFD');
    expect(warnings).toEqual([]);
  });
});

describe('FileWarnings', () => {
  it('keeps the first few warnings of a file and counts the rest', () => {
    const problems = new FileWarnings('var/lib/dpkg/status');
    for (let line = 1; line <= MAX_WARNINGS_PER_FILE + 3; line += 1) problems.add('bad', line);
    const warnings: PackageWarning[] = [];
    problems.flushInto(warnings);
    expect(warnings).toHaveLength(MAX_WARNINGS_PER_FILE + 1);
    expect(warnings[0]).toEqual({ file: 'var/lib/dpkg/status', line: 1, message: 'bad' });
    expect(warnings.at(-1)?.message).toBe('3 more problems like these not listed');
  });
});
