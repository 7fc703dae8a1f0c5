import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createBlobSink,
  createLayerSink,
  type BlobContent,
  type LayerStats,
} from '../../src/measure/blob.js';
import { TarFormatError, type TarEntrySink } from '../../src/measure/tar-reader.js';
import { seededBytes } from '../support/bytes.js';

const TAR_ENV = { ...process.env, LC_ALL: 'C.UTF-8' };

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Feeds `data` to a fresh sink in chunks and returns what onDone reported (exactly once). */
async function feed(
  make: (onDone: (content: BlobContent) => void) => TarEntrySink,
  data: Buffer,
  chunkSize: number,
): Promise<BlobContent> {
  const reported: BlobContent[] = [];
  const sink = make((content) => reported.push(content));
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    await sink.write(data.subarray(offset, offset + chunkSize));
  }
  await sink.end();
  expect(reported).toHaveLength(1);
  const [content] = reported;
  if (!content) throw new Error('unreachable');
  return content;
}

function layerStats(content: BlobContent): LayerStats {
  expect(content.kind).toBe('layer');
  if (content.kind !== 'layer') throw new Error('unreachable');
  return content.stats;
}

let scratch = '';
/** The uncompressed layer tar, as GNU tar wrote it. */
let layerTar = Buffer.alloc(0);
/** The same tar through the gzip command. */
let layerGzip = Buffer.alloc(0);
/** Σ sizes of the regular files written into the layer directory. */
let regularFileBytes = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-blob-'));
  const root = path.join(scratch, 'layer');
  await mkdir(path.join(root, 'app', 'nested'), { recursive: true });
  await mkdir(path.join(root, 'empty-dir'));
  // Sizes straddle 512-byte blocks so that counting padding or headers would show.
  const files: Record<string, number> = {
    'app/one.bin': 1,
    'app/block-minus-one.bin': 511,
    'app/block-plus-one.bin': 513,
    'app/nested/big.bin': 70_001,
    'app/empty.txt': 0,
  };
  regularFileBytes = 0;
  for (const [name, size] of Object.entries(files)) {
    await writeFile(path.join(root, name), seededBytes(size, name));
    regularFileBytes += size;
  }
  // Links carry no bytes of their own.
  await symlink('nested/big.bin', path.join(root, 'app', 'link-to-big'));
  await link(path.join(root, 'app', 'block-plus-one.bin'), path.join(root, 'app', 'hard-copy'));

  const tarFile = path.join(scratch, 'layer.tar');
  execFileSync('tar', ['--format=gnu', '--sort=name', '-cf', tarFile, 'app', 'empty-dir'], {
    cwd: root,
    env: TAR_ENV,
  });
  layerTar = await readFile(tarFile);
  execFileSync('gzip', ['-n', '-k', tarFile], { env: TAR_ENV });
  layerGzip = await readFile(`${tarFile}.gz`);
  const listing = execFileSync('tar', ['-tvf', tarFile], { env: TAR_ENV, encoding: 'utf8' });
  const lines = listing.split('\n').filter((line) => line !== '');
  // The fixture has what the size rule is about: one symlink and one hardlink.
  expect(lines.filter((line) => line.startsWith('l'))).toHaveLength(1);
  expect(lines.filter((line) => line.startsWith('h'))).toHaveLength(1);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('createBlobSink: what a blob is', () => {
  test.each([1, 100, 511, 512, 513, 65536, Number.MAX_SAFE_INTEGER])(
    'a tar, fed in chunks of %d bytes, is a layer measured from its regular files',
    async (chunkSize) => {
      const stats = layerStats(await feed(createBlobSink, layerTar, chunkSize));
      expect(stats).toEqual({
        diffId: sha256(layerTar),
        size: regularFileBytes,
        blobBytes: layerTar.length,
        compression: 'none',
      });
    },
  );

  test.each([1, 100, 512, 65536, Number.MAX_SAFE_INTEGER])(
    'the same tar gzipped, fed in chunks of %d bytes, is a layer with the diffId of the tar',
    async (chunkSize) => {
      const stats = layerStats(await feed(createBlobSink, layerGzip, chunkSize));
      expect(stats).toEqual({
        diffId: sha256(layerTar),
        size: regularFileBytes,
        blobBytes: layerGzip.length,
        compression: 'gzip',
      });
      expect(layerGzip.length).toBeLessThan(layerTar.length);
    },
  );

  test('a gzip made by node:zlib at another level measures the same content', async () => {
    const best = zlib.gzipSync(layerTar, { level: 9 });
    const stats = layerStats(await feed(createBlobSink, best, 4096));
    expect(stats.diffId).toBe(sha256(layerTar));
    expect(stats.size).toBe(regularFileBytes);
    expect(stats.blobBytes).toBe(best.length);
  });

  test('an empty layer (only the end-of-archive blocks) is a layer of 0 bytes', async () => {
    const emptyTar = execFileSync('tar', ['--format=gnu', '-cf', '-', '-T', '/dev/null'], {
      env: TAR_ENV,
    });
    const stats = layerStats(await feed(createBlobSink, emptyTar, 1000));
    expect(stats).toEqual({
      diffId: sha256(emptyTar),
      size: 0,
      blobBytes: emptyTar.length,
      compression: 'none',
    });
  });

  test.each([
    ['an object', '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}'],
    ['an array', '[{"Config":"abc.json","Layers":["a/layer.tar"]}]'],
    ['a large object', JSON.stringify({ padding: 'x'.repeat(5000), list: [1, 2, 3] })],
  ])('%s of JSON is kept as text, whatever the chunking', async (_what, text) => {
    for (const chunkSize of [1, 7, 511, 512, 4096]) {
      expect(await feed(createBlobSink, Buffer.from(text), chunkSize)).toEqual({
        kind: 'json',
        text,
      });
    }
  });

  test('JSON over 16 MiB is not kept', async () => {
    const huge = Buffer.from(`[${'0,'.repeat(8 * 1024 * 1024)}0]`);
    expect(huge.length).toBeGreaterThan(16 * 1024 * 1024);
    expect(await feed(createBlobSink, huge, 1024 * 1024)).toEqual({
      kind: 'other',
      bytes: huge.length,
    });
  });

  test('a small text such as VERSION ("1.0") is other, with its length', async () => {
    expect(await feed(createBlobSink, Buffer.from('1.0'), 1)).toEqual({ kind: 'other', bytes: 3 });
  });

  test('an empty blob is other, with 0 bytes', async () => {
    expect(await feed(createBlobSink, Buffer.alloc(0), 1)).toEqual({ kind: 'other', bytes: 0 });
  });
});

describe('createLayerSink', () => {
  test("an uncompressed layer (`<id>/layer.tar`) gives the tar's stats", async () => {
    const stats = layerStats(
      await feed((onDone) => createLayerSink('none', onDone), layerTar, 333),
    );
    expect(stats).toEqual({
      diffId: sha256(layerTar),
      size: regularFileBytes,
      blobBytes: layerTar.length,
      compression: 'none',
    });
  });

  test('a gzip layer counts the compressed bytes as blobBytes', async () => {
    const stats = layerStats(
      await feed((onDone) => createLayerSink('gzip', onDone), layerGzip, 333),
    );
    expect(stats.blobBytes).toBe(layerGzip.length);
    expect(stats.diffId).toBe(sha256(layerTar));
  });

  test('a layer tar cut short rejects with a TarFormatError', async () => {
    await expect(feed(createBlobSink, layerTar.subarray(0, 20_000), 4096)).rejects.toBeInstanceOf(
      TarFormatError,
    );
  });
});

describe('corrupt gzip', () => {
  test.each([
    [
      'garbage after a gzip header',
      () => Buffer.concat([layerGzip.subarray(0, 10), Buffer.alloc(4000, 0xff)]),
    ],
    ['a gzip stream cut in half', () => layerGzip.subarray(0, Math.floor(layerGzip.length / 2))],
    [
      'a wrong CRC in the gzip trailer',
      () => {
        const copy = Buffer.from(layerGzip);
        const crcAt = copy.length - 8;
        copy[crcAt] = (copy[crcAt] ?? 0) ^ 0xff;
        return copy;
      },
    ],
    ['gzip of something that is not a tar', () => zlib.gzipSync(Buffer.alloc(5000, 'text '))],
  ])('%s rejects', async (_what, make) => {
    const blob = make();
    expect(blob[0]).toBe(0x1f);
    expect(blob[1]).toBe(0x8b);
    for (const chunkSize of [64, 65536]) {
      await expect(feed(createBlobSink, blob, chunkSize)).rejects.toThrow();
    }
  });
});

describe('zstd', () => {
  const zlibWithZstd = zlib as typeof zlib & {
    createZstdCompress?: unknown;
    zstdCompressSync?: (data: Buffer) => Buffer;
  };

  test('zstd layers are measured where Node.js has zstd, else a clear error', async () => {
    // The zstd command makes a real zstd frame on every Node.js version.
    const viaCommand = execFileSync('zstd', ['-q', '-c'], { input: layerTar });
    expect(viaCommand.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));

    if (typeof zlibWithZstd.createZstdCompress === 'function' && zlibWithZstd.zstdCompressSync) {
      const viaNode = zlibWithZstd.zstdCompressSync(layerTar);
      for (const blob of [viaCommand, viaNode]) {
        const stats = layerStats(await feed(createBlobSink, blob, 4096));
        expect(stats).toEqual({
          diffId: sha256(layerTar),
          size: regularFileBytes,
          blobBytes: blob.length,
          compression: 'zstd',
        });
      }
    } else {
      for (const chunkSize of [16, 65536]) {
        const failure = feed(createBlobSink, viaCommand, chunkSize);
        await expect(failure).rejects.toThrow(/zstd/);
        await expect(failure).rejects.toThrow(process.version);
        await expect(failure).rejects.toThrow(/22\.15/);
      }
    }
  });
});

describe('createLayerSink: what the package attribution needs', () => {
  test('keeps the bytes of package database files and the targets of symlinks, nothing else', async () => {
    const root = path.join(scratch, 'packages-layer');
    const status = seededBytes(70_001, 'status');
    const list = Buffer.from('/.\n/usr/bin/tool\n');
    await mkdir(path.join(root, 'var', 'lib', 'dpkg', 'info'), { recursive: true });
    await mkdir(path.join(root, 'usr', 'bin'), { recursive: true });
    await writeFile(path.join(root, 'var', 'lib', 'dpkg', 'status'), status);
    await writeFile(path.join(root, 'var', 'lib', 'dpkg', 'info', 'tool.list'), list);
    await writeFile(path.join(root, 'usr', 'bin', 'tool'), seededBytes(5_000, 'tool'));
    await symlink('usr/bin', path.join(root, 'bin'));
    const tarFile = path.join(scratch, 'packages-layer.tar');
    execFileSync('tar', ['--format=gnu', '--sort=name', '-cf', tarFile, 'bin', 'usr', 'var'], {
      cwd: root,
      env: TAR_ENV,
    });
    const tar = await readFile(tarFile);
    const stats = layerStats(
      await feed((onDone) => createLayerSink('none', onDone, { collectFiles: true }), tar, 777),
    );
    const byPath = new Map((stats.files ?? []).map((record) => [record.path, record]));
    const kept = byPath.get('var/lib/dpkg/status')?.content;
    expect(Buffer.isBuffer(kept) && kept.equals(status)).toBe(true);
    const keptList = byPath.get('var/lib/dpkg/info/tool.list')?.content;
    expect(Buffer.isBuffer(keptList) && keptList.equals(list)).toBe(true);
    expect(byPath.get('usr/bin/tool')?.content).toBeUndefined();
    expect(byPath.get('bin')).toMatchObject({ kind: 'symlink', linkTarget: 'usr/bin' });

    // The image's budget for databases is shared by its layers: what does not fit is not kept.
    const budget = { remaining: 100 };
    const tight = layerStats(
      await feed(
        (onDone) => createLayerSink('none', onDone, { collectFiles: true, databaseBudget: budget }),
        tar,
        777,
      ),
    );
    const tightByPath = new Map((tight.files ?? []).map((record) => [record.path, record]));
    expect(tightByPath.get('var/lib/dpkg/status')?.content).toBe('too-large');
    expect(Buffer.isBuffer(tightByPath.get('var/lib/dpkg/info/tool.list')?.content)).toBe(true);
    expect(budget.remaining).toBe(100 - list.length);
  });
});
