import { describe, expect, it } from 'vitest';

import { parseApkInstalled } from '../../../src/measure/packages/apk.js';
import { groupDatabases } from '../../../src/measure/packages/databases.js';
import {
  parseDpkgDiversions,
  parseDpkgList,
  parseDpkgStatus,
  readDpkg,
} from '../../../src/measure/packages/dpkg.js';
import { readNpm } from '../../../src/measure/packages/npm.js';
import {
  distributionFromFolder,
  parseCsvRow,
  parseMetadata,
  parseRecord,
  readPython,
} from '../../../src/measure/packages/python.js';
import type { PackageWarning } from '../../../src/measure/packages/types.js';

const STATUS = 'var/lib/dpkg/status';

/** The database files of a fixture, grouped as attribution groups them. */
function groups(files: Record<string, string | Buffer>) {
  const warnings: PackageWarning[] = [];
  const databases = new Map(
    Object.entries(files).map(([path, content]) => [path, Buffer.from(content)]),
  );
  return groupDatabases(databases, warnings);
}

describe('dpkg status', () => {
  const text = [
    'Package: bash',
    'Essential: yes',
    'Status: install ok installed',
    'Priority: required',
    'Architecture: amd64',
    'Version: 5.2.15-2+b2',
    'Description: GNU Bourne Again SHell',
    ' Bash is an sh-compatible command language interpreter.',
    ' .',
    ' Bash is ultimately intended to be a conformant implementation.',
    '',
    'Package: libfoo1',
    'Status: deinstall ok config-files',
    'Architecture: amd64',
    'Version: 1.0-1',
    '',
    'package: libc6',
    'STATUS: install ok installed',
    'Multi-Arch: same',
    'Architecture: amd64',
    'Version: 2.36-9+deb12u4',
    '',
    'Package: half',
    'Status: install reinstreq half-installed',
    'Version: 1',
    '',
  ].join('\n');

  it('reads each paragraph, continuation lines and field case included', () => {
    const { entries, warnings } = parseDpkgStatus(text, STATUS);
    expect(warnings).toEqual([]);
    expect(entries).toEqual([
      { name: 'bash', version: '5.2.15-2+b2', architecture: 'amd64', installed: true },
      { name: 'libfoo1', version: '1.0-1', architecture: 'amd64', installed: false },
      { name: 'libc6', version: '2.36-9+deb12u4', architecture: 'amd64', installed: true },
      { name: 'half', version: '1', architecture: undefined, installed: false },
    ]);
  });

  it('reads CRLF line ends and extra blank lines', () => {
    const { entries } = parseDpkgStatus(text.replaceAll('\n', '\r\n\r\n'), STATUS);
    // Every field is then its own paragraph: only `Package` paragraphs with a Status survive.
    expect(entries).toEqual([]);
    const crlf = parseDpkgStatus(text.replaceAll('\n', '\r\n'), STATUS);
    expect(crlf.entries.map((entry) => entry.name)).toEqual(['bash', 'libfoo1', 'libc6', 'half']);
  });

  it('warns about malformed lines and entries with their line numbers and keeps the rest', () => {
    const broken = [
      ' orphan continuation',
      'Package: ok',
      'Status: install ok installed',
      'this is not a field',
      '',
      'Status: install ok installed',
      'Version: 1',
      '',
      'Package: nostatus',
      '',
    ].join('\n');
    const { entries, warnings } = parseDpkgStatus(broken, STATUS);
    expect(entries.map((entry) => entry.name)).toEqual(['ok']);
    expect(warnings).toEqual([
      { file: STATUS, line: 1, message: 'continuation line outside any field' },
      { file: STATUS, line: 4, message: 'is not a `Field: value` line' },
      { file: STATUS, line: 6, message: 'entry without a valid Package field; skipped' },
      { file: STATUS, line: 9, message: 'entry for nostatus without a Status field; skipped' },
    ]);
  });
});

describe('dpkg .list and diversions', () => {
  it('lists absolute paths, skips `/.` and warns about relative lines', () => {
    const file = 'var/lib/dpkg/info/bash.list';
    const { paths, warnings } = parseDpkgList('/.\n/bin\n/bin/bash\nrelative/path\n\n', file);
    expect(paths).toEqual(['/bin', '/bin/bash']);
    expect(warnings).toEqual([{ file, line: 4, message: 'is not an absolute path; skipped' }]);
  });

  it('reads diversion triples and warns about an incomplete one', () => {
    const file = 'var/lib/dpkg/diversions';
    const text = '/usr/bin/foo\n/usr/bin/foo.distrib\ndiverter\n/etc/x\n/etc/x.orig\n:\n/etc/y\n';
    const { diversions, warnings } = parseDpkgDiversions(text, file);
    expect([...diversions]).toEqual([
      ['usr/bin/foo', { to: 'usr/bin/foo.distrib', by: 'diverter' }],
      ['etc/x', { to: 'etc/x.orig', by: undefined }],
    ]);
    expect(warnings).toEqual([
      { file, line: 7, message: 'ends with an incomplete diversion; skipped' },
    ]);
  });

  it('matches `<name>:<arch>.list` to its architecture and skips lists of removed packages', () => {
    const status = [
      'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36\n',
      'Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36\n',
      'Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n',
      'Package: nolist\nStatus: install ok installed\nArchitecture: all\nVersion: 3\n',
    ].join('\n');
    const parsed = readDpkg(
      groups({
        [STATUS]: status,
        'var/lib/dpkg/info/libc6:amd64.list': '/.\n/lib/x86_64-linux-gnu/libc.so.6\n',
        'var/lib/dpkg/info/libc6:i386.list': '/.\n/lib/i386-linux-gnu/libc.so.6\n',
        'var/lib/dpkg/info/gone.list': '/etc/gone.conf\n',
      }),
    );
    expect(parsed.warnings).toEqual([]);
    expect(
      parsed.packages.map(({ name, architecture, paths }) => [name, architecture, paths]),
    ).toEqual([
      ['libc6', 'amd64', ['/lib/x86_64-linux-gnu/libc.so.6']],
      ['libc6', 'i386', ['/lib/i386-linux-gnu/libc.so.6']],
      ['nolist', 'all', []],
    ]);
  });

  it('leaves dpkg out with a warning when the status file is missing or binary', () => {
    const lists = { 'var/lib/dpkg/info/bash.list': '/bin/bash\n' };
    expect(readDpkg(groups(lists))).toEqual({
      packages: [],
      warnings: [
        {
          file: STATUS,
          message: 'is missing: what is installed is unknown, dpkg files are left unowned',
        },
      ],
    });
    const garbage = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x9c, 0x0a]);
    expect(readDpkg(groups({ ...lists, [STATUS]: garbage }))).toEqual({
      packages: [],
      warnings: [{ file: STATUS, message: 'holds binary data, not a text database; skipped' }],
    });
  });
});

describe('apk installed', () => {
  const file = 'lib/apk/db/installed';

  it('reads name, version, architecture and files in their folders', () => {
    const text = [
      'C:Q1abc=',
      'P:musl',
      'V:1.2.5-r0',
      'A:x86_64',
      'S:383152',
      'I:622592',
      'T:the musl c library (libc) implementation',
      'F:lib',
      'R:ld-musl-x86_64.so.1',
      'a:0:0:755',
      'Z:Q1xyz=',
      'R:libc.musl-x86_64.so.1',
      '',
      'P:busybox',
      'V:1.36.1-r29',
      'A:x86_64',
      'F:bin',
      'R:busybox',
      'F:etc',
      'R:securetty',
      '',
    ].join('\n');
    expect(parseApkInstalled(text, file)).toEqual({
      packages: [
        {
          ecosystem: 'apk',
          name: 'musl',
          version: '1.2.5-r0',
          architecture: 'x86_64',
          source: file,
          paths: ['lib/ld-musl-x86_64.so.1', 'lib/libc.musl-x86_64.so.1'],
        },
        {
          ecosystem: 'apk',
          name: 'busybox',
          version: '1.36.1-r29',
          architecture: 'x86_64',
          source: file,
          paths: ['bin/busybox', 'etc/securetty'],
        },
      ],
      warnings: [],
    });
  });

  it('warns about nameless entries and malformed lines and keeps the rest', () => {
    const text = 'V:1\nF:x\nR:y\n\nP:ok\nnonsense\nR:\nR:root-file\n';
    const { packages, warnings } = parseApkInstalled(text, file);
    expect(packages.map(({ name, paths }) => [name, paths])).toEqual([['ok', ['root-file']]]);
    expect(warnings).toEqual([
      { file, line: 1, message: 'entry without a P: (name) line; skipped' },
      { file, line: 6, message: 'is not a `X:value` line' },
      { file, line: 7, message: 'R: line without a file name' },
    ]);
  });
});

describe('Python RECORD and metadata', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,b",sha256=x,1', ['a,b', 'sha256=x', '1']],
    ['"say ""hi""",,', ['say "hi"', '', '']],
    ['x,,', ['x', '', '']],
    ['"open,,', undefined],
    ['"closed"junk,,', undefined],
  ])('parses the CSV row %s', (line, fields) => {
    expect(parseCsvRow(line)).toEqual(fields);
  });

  it('keeps good RECORD rows and warns about each bad one with its line', () => {
    const file = 'site-packages/x-1.dist-info/RECORD';
    const text =
      'x/__init__.py,sha256=a,10\n"x/open.py,sha256=b,2\nx/two,fields\n,sha256=c,3\nx/ok.py,,\n';
    expect(parseRecord(text, file)).toEqual({
      paths: ['x/__init__.py', 'x/ok.py'],
      warnings: [
        { file, line: 2, message: 'has an unclosed quote; skipped' },
        { file, line: 3, message: 'is not a `path,hash,size` row; skipped' },
        { file, line: 4, message: 'is not a `path,hash,size` row; skipped' },
      ],
    });
  });

  it('reads Name and Version from the header block only', () => {
    const text = 'Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.3\n\nName: not-this\n';
    expect(parseMetadata(text)).toEqual({ name: 'Flask', version: '3.0.3' });
  });

  it.each([
    ['requests-2.32.3.dist-info', 'requests', '2.32.3'],
    ['typing_extensions-4.12.2.dist-info', 'typing_extensions', '4.12.2'],
    ['six-1.16.0-py3.12.egg-info', 'six', '1.16.0'],
    ['legacy.egg-info', 'legacy', ''],
  ])('derives name and version from %s', (folder, name, version) => {
    expect(distributionFromFolder(folder)).toEqual({ name, version });
  });

  it('falls back to the folder name without METADATA and skips distributions without files', () => {
    const site = 'usr/local/lib/python3.12/site-packages';
    const parsed = readPython(
      groups({
        [`${site}/attrs-23.2.0.dist-info/RECORD`]: 'attr/__init__.py,,\n',
        [`${site}/flask-3.0.3.dist-info/METADATA`]: 'Name: Flask\nVersion: 3.0.3\n',
        [`${site}/bad-1.0.dist-info/RECORD`]: 'bad.py,,\n',
        [`${site}/bad-1.0.dist-info/METADATA`]: 'Summary: no name here\n',
      }),
    );
    expect(parsed.packages.map(({ name, version, paths }) => [name, version, paths])).toEqual([
      ['attrs', '23.2.0', [`${site}/attr/__init__.py`]],
      ['bad', '1.0', [`${site}/bad.py`]],
    ]);
    expect(parsed.warnings).toEqual([
      {
        file: `${site}/bad-1.0.dist-info/METADATA`,
        message: 'has no Name: header; the folder name is used',
      },
    ]);
  });
});

describe('npm package.json', () => {
  it('names a package from its manifest, or from its folder when the manifest is not JSON', () => {
    const parsed = readNpm(
      groups({
        'app/node_modules/@types/node/package.json': '{"name":"@types/node","version":"20.14.9"}',
        'app/node_modules/broken/package.json': '{"name": "broken",',
        'app/node_modules/@scope/list/package.json': '[1, 2]',
        'app/node_modules/noversion/package.json': '{"name":"noversion","version":7}',
      }),
    );
    expect(parsed.packages.map(({ name, version, root }) => [name, version, root])).toEqual([
      ['@scope/list', '', 'app/node_modules/@scope/list'],
      ['@types/node', '20.14.9', 'app/node_modules/@types/node'],
      ['broken', '', 'app/node_modules/broken'],
      ['noversion', '', 'app/node_modules/noversion'],
    ]);
    expect(parsed.warnings.map(({ file, message }) => [file, message])).toEqual([
      ['app/node_modules/@scope/list/package.json', 'is not a JSON object; named after its folder'],
      ['app/node_modules/broken/package.json', parsed.warnings[1]?.message],
    ]);
    expect(parsed.warnings[1]?.message).toMatch(/^is not JSON \(.+\); named after its folder$/);
  });
});
