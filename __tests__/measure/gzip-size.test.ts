import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_GZIP_BLOCK_BYTES,
  GZIP_FRAMING_BYTES,
  GzipSizeEstimator,
  type GzipSizeEstimatorOptions,
} from '../../src/measure/gzip-size.js';

const MiB = 1024 * 1024;

/** Incompressible bytes: sha256 of a counter. */
function randomBytes(size: number, seed: string): Buffer {
  const bytes = Buffer.alloc(size);
  let offset = 0;
  for (let counter = 0; offset < size; counter += 1) {
    offset += createHash('sha256').update(`${seed}:${counter}`).digest().copy(bytes, offset);
  }
  return bytes;
}

/** A small seeded PRNG (mulberry32), so text varies the way real text does. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log lines: a few templates, varying numbers and words (compresses ~8:1, like real logs). */
function logText(size: number, seed: number): Buffer {
  const next = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const paths = ['/api/v1/items', '/api/v1/users', '/healthz', '/static/app.js', '/login'];
  const words = 'request handled cache miss retry upstream timeout user session token'.split(' ');
  const lines: string[] = [];
  let length = 0;
  for (let index = 0; length < size; index += 1) {
    const line =
      `2024-05-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}T12:${String(index % 60).padStart(2, '0')}:07Z ` +
      `${pick(levels)} ${pick(words)} ${pick(words)} path=${pick(paths)}/${Math.floor(next() * 100_000)} ` +
      `status=${pick([200, 200, 200, 304, 404, 500])} took=${Math.floor(next() * 900)}ms id=${Math.floor(next() * 1e9).toString(16)}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/** Prose-like text from a seeded vocabulary (compresses ~3:1). */
function proseText(size: number, seed: number): Buffer {
  const next = prng(seed);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'tor', 'vel', 'an', 'is', 'ex', 'qua', 'ri', 'sto'];
  const vocabulary = Array.from({ length: 3000 }, () =>
    Array.from(
      { length: 1 + Math.floor(next() * 4) },
      () => syllables[Math.floor(next() * syllables.length)],
    ).join(''),
  );
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    // Zipf-like: low indexes far more often.
    const word = vocabulary[Math.floor(vocabulary.length * next() ** 3)] ?? 'x';
    const separator = next() < 0.08 ? '.\n' : next() < 0.1 ? ', ' : ' ';
    parts.push(word, separator);
    length += word.length + separator.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Real machine code and data: a slice of the running Node.js binary. */
async function binaryBytes(size: number, from: number): Promise<Buffer> {
  const file = await open(process.execPath, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const start = Math.max(0, Math.min(from, fileSize - size));
    const buffer = Buffer.alloc(Math.min(size, fileSize));
    await file.read(buffer, 0, buffer.length, start);
    return buffer;
  } finally {
    await file.close();
  }
}

/** Segments of every kind, as a layer holding many different files would be. */
async function mixedBytes(size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for (let index = 0; length < size; index += 1) {
    const segment = 50_000 + ((index * 7919) % 700_000);
    const kind = index % 5;
    const part =
      kind === 0
        ? randomBytes(segment, `mix${index}`)
        : kind === 1
          ? logText(segment, index)
          : kind === 2
            ? await binaryBytes(segment, index * 1_000_003)
            : kind === 3
              ? proseText(segment, index)
              : Buffer.alloc(Math.min(segment, 60_000), index);
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts).subarray(0, size);
}

function realGzipSize(data: Buffer): number {
  return zlib.gzipSync(data, { level: 6 }).length;
}

async function estimate(
  data: Buffer,
  chunkBytes: number | readonly number[],
  options: GzipSizeEstimatorOptions = {},
): Promise<{ bytes: number; estimator: GzipSizeEstimator }> {
  const estimator = new GzipSizeEstimator(options);
  const sizes = typeof chunkBytes === 'number' ? [chunkBytes] : chunkBytes;
  let offset = 0;
  for (let index = 0; offset < data.length; index += 1) {
    const size = sizes[index % sizes.length] ?? 1;
    await estimator.write(data.subarray(offset, offset + size));
    offset += size;
  }
  return { bytes: await estimator.finish(), estimator };
}

/**
 * What the estimator must compute, done the slow obvious way: each block raw-deflated on its
 * own with the 32 KiB before it as the dictionary.
 */
function referenceEstimate(data: Buffer, blockBytes: number): number {
  if (data.length === 0) return GZIP_FRAMING_BYTES + 2;
  let total = GZIP_FRAMING_BYTES;
  for (let offset = 0; offset < data.length; offset += blockBytes) {
    const block = data.subarray(offset, offset + blockBytes);
    const dictionary = data.subarray(Math.max(0, offset - 32 * 1024), offset);
    total += zlib.deflateRawSync(
      block,
      dictionary.length > 0 ? { level: 6, dictionary } : { level: 6 },
    ).length;
  }
  return total;
}

function relativeError(estimated: number, real: number): number {
  return Math.abs(estimated - real) / real;
}

describe('GzipSizeEstimator: within 0.5% of gzip -6', () => {
  const size = 4 * DEFAULT_GZIP_BLOCK_BYTES + 123_457;
  const cases: [string, () => Buffer | Promise<Buffer>][] = [
    ['pseudo-random bytes', () => randomBytes(size, 'random')],
    ['repetitive log text', () => logText(size, 1)],
    ['prose-like text', () => proseText(size, 2)],
    ['a binary (node itself)', () => binaryBytes(size, 4 * MiB)],
    ['a mix of all of them', () => mixedBytes(size)],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const data = await make();
    expect(data.length).toBe(size);
    const real = realGzipSize(data);
    const { bytes } = await estimate(data, 64 * 1024);
    expect(relativeError(bytes, real)).toBeLessThan(0.005);
  });

  test('an empty stream is exactly the size of an empty gzip', async () => {
    const { bytes } = await estimate(Buffer.alloc(0), 1);
    expect(bytes).toBe(realGzipSize(Buffer.alloc(0)));
    expect(bytes).toBe(20);
    expect(await new GzipSizeEstimator().finish()).toBe(20);
  });

  test('one byte, and anything shorter than a block, is exact', async () => {
    for (const data of [Buffer.from([0x41]), logText(100_000, 3), randomBytes(300_000, 'short')]) {
      const { bytes } = await estimate(data, 4096);
      expect(bytes).toBe(realGzipSize(data));
    }
  });

  test('data that compresses ~1000:1 costs only a few bytes per block cut', async () => {
    for (const data of [Buffer.alloc(20 * MiB), Buffer.alloc(20 * MiB, 'hello world\n')]) {
      const real = realGzipSize(data);
      const { bytes } = await estimate(data, 256 * 1024);
      const cuts = Math.ceil(data.length / DEFAULT_GZIP_BLOCK_BYTES) - 1;
      expect(Math.abs(bytes - real)).toBeLessThanOrEqual(16 * cuts);
    }
  });
});

describe('GzipSizeEstimator: mechanics', () => {
  test('the same result whatever the chunking, including odd sizes and 1-byte chunks', async () => {
    const data = await mixedBytes(3 * DEFAULT_GZIP_BLOCK_BYTES + 4321);
    const expected = referenceEstimate(data, DEFAULT_GZIP_BLOCK_BYTES);
    for (const chunks of [[7], [4093], [65_537], [3_000_001], [1, 999_999, 13, 2 * MiB + 1]]) {
      const { bytes } = await estimate(data, chunks);
      expect(bytes).toBe(expected);
    }
    expect((await estimate(data, data.length)).bytes).toBe(expected);

    const small = logText(200_000, 9);
    expect((await estimate(small, 1, { blockBytes: 50_000 })).bytes).toBe(
      referenceEstimate(small, 50_000),
    );
  });

  test('each block is primed with the 32 KiB before it, also when blocks are shorter', async () => {
    const data = logText(1_500_000, 4);
    for (const blockBytes of [10_000, 32 * 1024, 100_000, 1_000_000]) {
      const { bytes } = await estimate(data, 8191, { blockBytes });
      expect(bytes).toBe(referenceEstimate(data, blockBytes));
    }
    // Without the dictionary every cut would start from nothing: much larger.
    let withoutDictionary = GZIP_FRAMING_BYTES;
    for (let offset = 0; offset < data.length; offset += 10_000) {
      withoutDictionary += zlib.deflateRawSync(data.subarray(offset, offset + 10_000), {
        level: 6,
      }).length;
    }
    const primed = (await estimate(data, 8191, { blockBytes: 10_000 })).bytes;
    expect(withoutDictionary).toBeGreaterThan(primed * 1.1);
  });

  test('concurrency changes neither the result nor the memory bound', async () => {
    const data = await mixedBytes(3 * MiB);
    const blockBytes = 256 * 1024;
    const expected = referenceEstimate(data, blockBytes);
    for (const concurrency of [1, 2, 3, 8]) {
      const { bytes, estimator } = await estimate(data, 100_000, { blockBytes, concurrency });
      expect(bytes).toBe(expected);
      expect(estimator.peakBlocks).toBeLessThanOrEqual(concurrency + 1);
      expect(estimator.peakBlocks).toBeGreaterThanOrEqual(Math.min(concurrency, 2));
      expect(estimator.bytesIn).toBe(data.length);
    }
  });

  test('gzipSizeOf reads a stream to its end', async () => {
    const data = proseText(2 * MiB + 17, 5);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < data.length; offset += 65_536) {
        await Promise.resolve();
        yield data.subarray(offset, offset + 65_536);
      }
    }
    expect(await gzipSizeOf(chunks(), { blockBytes: MiB })).toBe(referenceEstimate(data, MiB));
    expect(await gzipSizeOf((async function* () {})())).toBe(20);
  });

  test('rejects bad options and writes after finish', async () => {
    expect(() => new GzipSizeEstimator({ blockBytes: 0 })).toThrow(RangeError);
    expect(() => new GzipSizeEstimator({ concurrency: 1.5 })).toThrow(RangeError);
    expect(() => new GzipSizeEstimator({ level: 10 })).toThrow(RangeError);
    const estimator = new GzipSizeEstimator();
    await estimator.write(Buffer.from('abc'));
    const first = await estimator.finish();
    expect(await estimator.finish()).toBe(first);
    await expect(estimator.write(Buffer.from('d'))).rejects.toThrow(/after finish/);
  });
});

/** The estimated `gzip -6` size of a whole stream (see {@link GzipSizeEstimator}). */
async function gzipSizeOf(
  stream: AsyncIterable<Buffer>,
  options: GzipSizeEstimatorOptions = {},
): Promise<number> {
  const estimator = new GzipSizeEstimator(options);
  for await (const chunk of stream) await estimator.write(chunk);
  return estimator.finish();
}
