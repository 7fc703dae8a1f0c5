import { readTar } from '../support/tar.js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  TarFormatError,
  TarReader,
  type TarEntrySink,
  type TarHeader,
} from '../../src/measure/tar-reader.js';
import { seededBytes } from '../support/bytes.js';

const BLOCK = 512;
const CHUNK_SIZES = [1, 7, 512, 513, 65536] as const;
const TAR_ENV = { ...process.env, LC_ALL: 'C.UTF-8' };

/** What the reader reported for one entry, with a digest of the bytes its sink received. */
interface SeenEntry {
  readonly name: string;
  readonly type: TarHeader['type'];
  readonly size: number;
  readonly linkname: string;
  readonly contentSha256: string | undefined;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, offset + size);
  }
}

async function* asyncChunks(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (const chunk of chunksOf(data, size)) {
    await Promise.resolve();
    yield chunk;
  }
}

/** Reads `archive` fed in chunks of `chunkSize`; every entry gets a sink that hashes its bytes. */
async function readEntries(archive: Buffer, chunkSize: number): Promise<SeenEntry[]> {
  const seen: SeenEntry[] = [];
  await readTar(asyncChunks(archive, chunkSize), (header) => {
    const hash = createHash('sha256');
    let received = 0;
    let ended = false;
    return {
      write(chunk) {
        expect(ended).toBe(false);
        received += chunk.length;
        hash.update(chunk);
      },
      end() {
        expect(ended).toBe(false);
        ended = true;
        // A sink hears exactly the bytes the header announced, then end().
        expect(received).toBe(header.size);
        seen.push({
          name: header.name,
          type: header.type,
          size: header.size,
          linkname: header.linkname,
          contentSha256: header.type === 'file' ? hash.digest('hex') : undefined,
        });
      },
    };
  });
  return seen;
}

function byName(entries: readonly SeenEntry[]): SeenEntry[] {
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function gnuTar(args: readonly string[], cwd?: string): Buffer {
  return execFileSync('tar', args, { cwd, env: TAR_ENV, maxBuffer: 256 * 1024 * 1024 });
}

// ---------------------------------------------------------------------------------------------
// Hand-made headers, for what GNU tar cannot be asked to write.

interface HeaderFields {
  readonly name: string;
  readonly typeflag?: string;
  readonly size?: number;
  /** Raw 12 bytes for the size field (base-256 encodings). */
  readonly sizeField?: Buffer;
  readonly linkname?: string;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  if (fields.sizeField) fields.sizeField.copy(block, 124, 0, 12);
  else block.write(octal(fields.size ?? 0, 12), 124, 'latin1');
  block.write(octal(0, 12), 136, 'latin1');
  block.write(fields.typeflag ?? '0', 156, 'latin1');
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(content: Buffer): Buffer {
  const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
  return Buffer.concat([content, Buffer.alloc(padding)]);
}

/** A whole entry: header, content, padding. The header's size is the content length. */
function tarEntry(fields: HeaderFields, content: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([tarHeader({ size: content.length, ...fields }), padded(content)]);
}

const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** One pax record, `<length> key=value\n`, where the length counts its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.byteLength(` ${key}=${value}\n`);
  let length = body + 1;
  while (String(length).length + body !== length) length += 1;
  return Buffer.from(`${length} ${key}=${value}\n`);
}

/** A size field in GNU base-256: 0x80, then the value big-endian in the remaining 11 bytes. */
function base256SizeField(value: bigint): Buffer {
  const field = Buffer.alloc(12);
  field[0] = 0x80;
  let rest = value;
  for (let index = 11; index >= 1; index -= 1) {
    field[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return field;
}

// ---------------------------------------------------------------------------------------------

let scratch = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-tar-reader-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * The fixture tree: sizes straddle tar's 512-byte blocks, names exceed the 100-byte name field
 * (one fits ustar's prefix split, one does not), one symlink target exceeds the 100-byte link
 * field, and a hardlink, an empty file, an empty directory and a unicode name are in.
 */
const DEEP_DIR = `fx/deep-${'a'.repeat(60)}`;
const SPLITTABLE_LONG_FILE = `${DEEP_DIR}/${'b'.repeat(70)}.bin`;
const UNSPLITTABLE_LONG_FILE = `fx/${'c'.repeat(120)}.txt`;
const LONG_LINK_TARGET = SPLITTABLE_LONG_FILE.slice('fx/'.length);
const UNICODE_FILE = 'fx/ünïcødé-日本語-файл.txt';

type FixtureItem =
  | { readonly kind: 'file'; readonly path: string; readonly content: Buffer }
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'hardlink'; readonly path: string; readonly target: string };

function fixtureItems(format: 'gnu' | 'pax' | 'ustar'): FixtureItem[] {
  const items: FixtureItem[] = [
    { kind: 'directory', path: 'fx' },
    { kind: 'file', path: 'fx/a-original.txt', content: seededBytes(1000, 'original') },
    // Sorted after a-original.txt, so GNU tar stores this one as the hardlink.
    { kind: 'hardlink', path: 'fx/b-hardlink.txt', target: 'fx/a-original.txt' },
    { kind: 'file', path: 'fx/block-512.bin', content: seededBytes(512, '512') },
    { kind: 'file', path: 'fx/block-513.bin', content: seededBytes(513, '513') },
    { kind: 'file', path: 'fx/empty', content: Buffer.alloc(0) },
    { kind: 'directory', path: 'fx/dir' },
    { kind: 'directory', path: 'fx/dir/sub' },
    { kind: 'file', path: 'fx/dir/one-byte', content: Buffer.from('x') },
    { kind: 'directory', path: DEEP_DIR },
    { kind: 'file', path: SPLITTABLE_LONG_FILE, content: seededBytes(2000, 'long') },
    { kind: 'symlink', path: 'fx/link-short', target: 'a-original.txt' },
    { kind: 'file', path: UNICODE_FILE, content: Buffer.from('ünïcødé\n') },
  ];
  if (format !== 'ustar') {
    // ustar can hold neither a 124-byte file name nor a link target over 100 bytes.
    items.push(
      { kind: 'file', path: UNSPLITTABLE_LONG_FILE, content: seededBytes(777, 'unsplittable') },
      { kind: 'symlink', path: 'fx/link-long', target: LONG_LINK_TARGET },
    );
  }
  return items;
}

async function writeFixtureTree(root: string, items: readonly FixtureItem[]): Promise<void> {
  for (const item of items) {
    const absolute = path.join(root, item.path);
    switch (item.kind) {
      case 'directory':
        await mkdir(absolute, { recursive: true });
        break;
      case 'file':
        await writeFile(absolute, item.content);
        break;
      case 'symlink':
        await symlink(item.target, absolute);
        break;
      case 'hardlink':
        await link(path.join(root, item.target), absolute);
        break;
    }
  }
}

function expectedEntries(items: readonly FixtureItem[]): SeenEntry[] {
  return byName(
    items.map((item): SeenEntry => {
      switch (item.kind) {
        case 'directory':
          return {
            name: `${item.path}/`,
            type: 'directory',
            size: 0,
            linkname: '',
            contentSha256: undefined,
          };
        case 'file':
          return {
            name: item.path,
            type: 'file',
            size: item.content.length,
            linkname: '',
            contentSha256: sha256(item.content),
          };
        case 'symlink':
          return {
            name: item.path,
            type: 'symlink',
            size: 0,
            linkname: item.target,
            contentSha256: undefined,
          };
        case 'hardlink':
          return {
            name: item.path,
            type: 'hardlink',
            size: 0,
            linkname: item.target,
            contentSha256: undefined,
          };
      }
    }),
  );
}

describe.each(['gnu', 'pax', 'ustar'] as const)('GNU tar --format=%s archives', (format) => {
  let archive = Buffer.alloc(0);
  let items: FixtureItem[] = [];

  beforeAll(async () => {
    const root = path.join(scratch, `tree-${format}`);
    await mkdir(root);
    items = fixtureItems(format);
    await writeFixtureTree(root, items);
    const out = path.join(scratch, `${format}.tar`);
    gnuTar(
      [
        `--format=${format}`,
        '--sort=name',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mtime=@0',
        '-cf',
        out,
        'fx',
      ],
      root,
    );
    archive = await readFile(out);
  });

  test('the fixture really uses the features under test', () => {
    const text = archive.toString('latin1');
    if (format === 'gnu') {
      expect(text).toContain('././@LongLink');
    } else if (format === 'pax') {
      expect(text).toContain(' path=');
      expect(text).toContain(' linkpath=');
    } else {
      // ustar splits the long name into prefix + name.
      expect(text).not.toContain(SPLITTABLE_LONG_FILE);
      expect(text).toContain(DEEP_DIR);
    }
  });

  test.each(CHUNK_SIZES)(
    'fed in chunks of %d bytes, every entry reads as written',
    async (size) => {
      const seen = await readEntries(archive, size);
      expect(byName(seen)).toEqual(expectedEntries(items));
    },
  );

  test('the entries, in order, are identical for every chunk size', async () => {
    const [first, ...others] = await Promise.all(
      CHUNK_SIZES.map((size) => readEntries(archive, size)),
    );
    expect(first?.length).toBe(items.length);
    for (const other of others) expect(other).toEqual(first);
  });

  test('trailing garbage after the end-of-archive blocks is ignored', async () => {
    const withGarbage = Buffer.concat([archive, Buffer.from('garbage that is no tar header\n')]);
    expect(await readEntries(withGarbage, 513)).toEqual(await readEntries(archive, 513));
  });
});

describe('hand-made archives', () => {
  const longName = `long/${'n'.repeat(150)}/file.bin`;

  test('a pax size record followed by a GNU longname header applies to the real entry', async () => {
    const content = seededBytes(700, 'pax-size');
    const after = Buffer.from('after');
    const archive = Buffer.concat([
      tarEntry({ name: 'PaxHeaders/entry', typeflag: 'x' }, paxRecord('size', '700')),
      tarEntry({ name: '././@LongLink', typeflag: 'L' }, Buffer.from(`${longName}\0`)),
      // The header's own size field says 0: only the pax record tells the truth.
      tarHeader({ name: longName.slice(0, 100), size: 0 }),
      padded(content),
      tarEntry({ name: 'after.txt' }, after),
      END_OF_ARCHIVE,
    ]);

    // GNU tar agrees on what this archive holds.
    const extractTo = path.join(scratch, 'pax-then-longname');
    await mkdir(extractTo);
    const file = path.join(scratch, 'pax-then-longname.tar');
    await writeFile(file, archive);
    gnuTar(['-xf', file, '-C', extractTo]);
    expect(await readFile(path.join(extractTo, longName))).toEqual(content);

    const expected: SeenEntry[] = [
      { name: longName, type: 'file', size: 700, linkname: '', contentSha256: sha256(content) },
      { name: 'after.txt', type: 'file', size: 5, linkname: '', contentSha256: sha256(after) },
    ];
    for (const size of CHUNK_SIZES) expect(await readEntries(archive, size)).toEqual(expected);
  });

  test('a GNU longname header followed by a pax size record applies both to the real entry', async () => {
    const content = seededBytes(1300, 'longname-then-pax');
    const archive = Buffer.concat([
      tarEntry({ name: '././@LongLink', typeflag: 'L' }, Buffer.from(`${longName}\0`)),
      tarEntry({ name: 'PaxHeaders/entry', typeflag: 'x' }, paxRecord('size', '1300')),
      tarHeader({ name: 'short', size: 1 }),
      padded(content),
      tarEntry({ name: 'next', typeflag: '5' }),
      END_OF_ARCHIVE,
    ]);
    expect(await readEntries(archive, 7)).toEqual([
      { name: longName, type: 'file', size: 1300, linkname: '', contentSha256: sha256(content) },
      { name: 'next', type: 'directory', size: 0, linkname: '', contentSha256: undefined },
    ]);
  });

  test('pax path and linkpath records override the header fields, for that entry only', async () => {
    const archive = Buffer.concat([
      tarEntry(
        { name: 'PaxHeaders/link', typeflag: 'x' },
        Buffer.concat([paxRecord('path', 'päx/näme'), paxRecord('linkpath', 'tärget')]),
      ),
      tarEntry({ name: 'header-name', typeflag: '2', linkname: 'header-target' }),
      tarEntry({ name: 'plain', typeflag: '2', linkname: 'plain-target' }),
      END_OF_ARCHIVE,
    ]);
    expect(await readEntries(archive, 1)).toEqual([
      { name: 'päx/näme', type: 'symlink', size: 0, linkname: 'tärget', contentSha256: undefined },
      {
        name: 'plain',
        type: 'symlink',
        size: 0,
        linkname: 'plain-target',
        contentSha256: undefined,
      },
    ]);
  });

  test('a size in GNU base-256 is read (checked against GNU tar)', async () => {
    const content = seededBytes(700, 'base-256');
    const archive = Buffer.concat([
      tarHeader({ name: 'base256.bin', sizeField: base256SizeField(700n) }),
      padded(content),
      tarEntry({ name: 'after.txt' }, Buffer.from('ok')),
      END_OF_ARCHIVE,
    ]);
    expect(archive[124]).toBe(0x80);

    const extractTo = path.join(scratch, 'base256');
    await mkdir(extractTo);
    const file = path.join(scratch, 'base256.tar');
    await writeFile(file, archive);
    gnuTar(['-xf', file, '-C', extractTo]);
    expect((await stat(path.join(extractTo, 'base256.bin'))).size).toBe(content.length);

    for (const size of CHUNK_SIZES) {
      expect(await readEntries(archive, size)).toEqual([
        {
          name: 'base256.bin',
          type: 'file',
          size: content.length,
          linkname: '',
          contentSha256: sha256(content),
        },
        {
          name: 'after.txt',
          type: 'file',
          size: 2,
          linkname: '',
          contentSha256: sha256(Buffer.from('ok')),
        },
      ]);
    }
  });

  test('a base-256 size over 8 GiB is announced whole; the truncated content then fails', async () => {
    const nineGiB = 9n * 1024n ** 3n;
    const archive = Buffer.concat([
      tarHeader({ name: 'huge.bin', sizeField: base256SizeField(nineGiB) }),
      seededBytes(4096, 'huge'),
    ]);
    const headers: TarHeader[] = [];
    let received = 0;
    const reader = new TarReader((header) => {
      headers.push(header);
      return {
        write(chunk) {
          received += chunk.length;
        },
        end() {
          throw new Error('the entry cannot end: its content was cut');
        },
      };
    });
    for (const chunk of chunksOf(archive, 1000)) await reader.push(chunk);
    expect(headers.map((header) => header.size)).toEqual([Number(nineGiB)]);
    expect(received).toBe(4096);
    expect(() => {
      reader.finish();
    }).toThrow(TarFormatError);
  });

  test('a base-256 size beyond what a number holds exactly is a TarFormatError', async () => {
    const field = Buffer.alloc(12, 0xff);
    field[0] = 0x80;
    const reader = new TarReader(() => undefined);
    await expect(
      reader.push(Buffer.concat([tarHeader({ name: 'x', sizeField: field }), END_OF_ARCHIVE])),
    ).rejects.toThrow(TarFormatError);
  });

  test('a malformed pax size record is a TarFormatError', async () => {
    const archive = Buffer.concat([
      tarEntry({ name: 'PaxHeaders/x', typeflag: 'x' }, paxRecord('size', '12abc')),
      tarEntry({ name: 'x' }),
      END_OF_ARCHIVE,
    ]);
    await expect(readEntries(archive, 512)).rejects.toThrow(TarFormatError);
  });

  test('trailing garbage right after the two zero blocks is ignored', async () => {
    const content = Buffer.from('payload');
    const archive = Buffer.concat([
      tarEntry({ name: 'a.txt' }, content),
      END_OF_ARCHIVE,
      seededBytes(777, 'garbage'),
    ]);
    for (const size of CHUNK_SIZES) {
      expect(await readEntries(archive, size)).toEqual([
        { name: 'a.txt', type: 'file', size: 7, linkname: '', contentSha256: sha256(content) },
      ]);
    }
  });

  test('entries without a sink are skipped and the following ones still read', async () => {
    const wanted = Buffer.from('wanted');
    const archive = Buffer.concat([
      tarEntry({ name: 'skip-me' }, seededBytes(1500, 'skip')),
      tarEntry({ name: 'keep-me' }, wanted),
      END_OF_ARCHIVE,
    ]);
    const names: string[] = [];
    const kept: Buffer[] = [];
    await readTar(asyncChunks(archive, 100), (header) => {
      names.push(header.name);
      if (header.name !== 'keep-me') return undefined;
      return {
        write(chunk) {
          kept.push(Buffer.from(chunk));
        },
        end() {
          /* nothing to do */
        },
      };
    });
    expect(names).toEqual(['skip-me', 'keep-me']);
    expect(Buffer.concat(kept)).toEqual(wanted);
  });

  test('an asynchronous sink is awaited before the next entry is read', async () => {
    const archive = Buffer.concat([
      tarEntry({ name: 'first' }, seededBytes(3000, 'first')),
      tarEntry({ name: 'second' }, seededBytes(10, 'second')),
      END_OF_ARCHIVE,
    ]);
    const events: string[] = [];
    const slowSink = (name: string): TarEntrySink => ({
      async write() {
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push(`${name}:write`);
      },
      async end() {
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push(`${name}:end`);
      },
    });
    await readTar(asyncChunks(archive, 1024), (header) => {
      events.push(`${header.name}:header`);
      return slowSink(header.name);
    });
    const firstEnd = events.indexOf('first:end');
    expect(firstEnd).toBeGreaterThan(0);
    expect(events.indexOf('second:header')).toBe(firstEnd + 1);
    expect(events.at(-1)).toBe('second:end');
  });

  test('sawAnything: false before any block, true after an entry or an end marker', async () => {
    const fresh = new TarReader(() => undefined);
    expect(fresh.sawAnything).toBe(false);
    fresh.finish();

    const onlyEnd = new TarReader(() => undefined);
    await onlyEnd.push(END_OF_ARCHIVE);
    expect(onlyEnd.sawAnything).toBe(true);

    const withEntry = new TarReader(() => undefined);
    await withEntry.push(tarEntry({ name: 'a' }, Buffer.from('a')));
    expect(withEntry.sawAnything).toBe(true);
  });
});

describe('broken archives', () => {
  // One 1000-byte file: header 0–511, content 512–1511, padding 1512–2047, end marker after.
  const content = seededBytes(1000, 'broken');
  const archive = Buffer.concat([tarEntry({ name: 'file.bin' }, content), END_OF_ARCHIVE]);

  test.each([
    ['in the middle of the header', 300],
    ['right after the header', 512],
    ['in the middle of the content', 1000],
    ['in the padding', 1600],
  ])('a stream cut %s fails in finish() with a TarFormatError', async (_where, length) => {
    const reader = new TarReader(() => undefined);
    for (const chunk of chunksOf(archive.subarray(0, length), 7)) await reader.push(chunk);
    expect(() => {
      reader.finish();
    }).toThrow(TarFormatError);
    await expect(
      readTar(asyncChunks(archive.subarray(0, length), 512), () => undefined),
    ).rejects.toThrow(TarFormatError);
  });

  test('the whole archive reads, so the cuts above are what fails', async () => {
    await expect(readEntries(archive, 7)).resolves.toHaveLength(1);
  });

  test('a GNU tar archive cut in the middle of a file fails', async () => {
    const root = path.join(scratch, 'cut');
    await mkdir(root);
    await writeFile(path.join(root, 'big.bin'), seededBytes(5000, 'cut'));
    const whole = gnuTar(['--format=gnu', '-cf', '-', 'big.bin'], root);
    await expect(readEntries(whole.subarray(0, 3000), 513)).rejects.toThrow(TarFormatError);
  });

  test('a header with a changed byte no longer matches its checksum', async () => {
    const corrupted = Buffer.from(archive);
    corrupted[0] = (corrupted[0] ?? 0) ^ 0x01;
    await expect(readEntries(corrupted, 512)).rejects.toThrow(TarFormatError);
  });

  test('a header whose checksum field holds another number is rejected', async () => {
    const corrupted = Buffer.from(archive);
    const stored = parseInt(corrupted.toString('latin1', 148, 154), 8);
    corrupted.write((stored + 1).toString(8).padStart(6, '0'), 148, 'latin1');
    await expect(readEntries(corrupted, 1)).rejects.toThrow(TarFormatError);
  });

  test('bytes that are no tar at all are a TarFormatError', async () => {
    await expect(readEntries(Buffer.alloc(2048, 'not a tar archive '), 65536)).rejects.toThrow(
      TarFormatError,
    );
  });
});
