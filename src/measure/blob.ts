import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { LayerFileRecord } from './analysis-types.js';
import {
  MAX_DATABASE_BYTES_PER_IMAGE,
  MAX_DATABASE_FILE_BYTES,
  isPackageDatabasePath,
} from './packages/databases.js';
import { createElfScanner } from './elf.js';
import { TarReader, type TarEntrySink, type TarHeader } from './tar-reader.js';

/** What one pass over a layer blob found. */
export interface LayerStats {
  /** sha256 of the uncompressed tar stream. */
  readonly diffId: string;
  /** Regular-file bytes in the layer. */
  readonly size: number;
  /** Bytes of the blob as stored (compressed when `compression` is not 'none'). */
  readonly blobBytes: number;
  readonly compression: 'none' | 'gzip' | 'zstd';
  /** What `gzip -6` would make of an uncompressed layer, when asked for. */
  readonly estimatedCompressed: number | undefined;
  /** Every entry of the layer, when asked for (deep analysis). */
  readonly files: readonly LayerFileRecord[] | undefined;
}

/** Estimates a compressed size from the uncompressed stream (see gzip-size.ts). */
export interface CompressedSizer {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<number>;
}

export interface LayerReadOptions {
  /** Record every entry for the deep analysis. */
  readonly collectFiles?: boolean | undefined;
  /** Bytes of package databases the image may still keep (shared by its layers). */
  readonly databaseBudget?: { remaining: number } | undefined;
  /** Present when an uncompressed layer's compressed size must be estimated. */
  readonly createSizer?: (() => CompressedSizer) | undefined;
}

export type BlobContent =
  | { readonly kind: 'layer'; readonly stats: LayerStats }
  | { readonly kind: 'json'; readonly text: string }
  | { readonly kind: 'other'; readonly bytes: number };

/** Small JSON documents (manifests, configs) are kept; anything larger is not metadata. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const SNIFF_BYTES = 512;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * A sink that reads one blob of an image archive and decides from its first bytes what it is:
 * a layer (tar, gzip or zstd tar), a JSON document, or something to skip. Nothing but JSON is
 * buffered.
 */
export function createBlobSink(
  onDone: (content: BlobContent) => void,
  options: LayerReadOptions = {},
): TarEntrySink {
  const head: Buffer[] = [];
  let headBytes = 0;
  let decided: TarEntrySink | undefined;

  const decide = (): TarEntrySink => {
    const first = Buffer.concat(head);
    if (startsWith(first, GZIP_MAGIC)) return createLayerSink('gzip', onDone, options);
    if (startsWith(first, ZSTD_MAGIC)) return createLayerSink('zstd', onDone, options);
    if (looksLikeTar(first)) return createLayerSink('none', onDone, options);
    if (first[0] === 0x7b /* { */ || first[0] === 0x5b /* [ */) return createJsonSink(onDone);
    return createSkipSink(onDone);
  };

  return {
    write(chunk) {
      if (decided) return decided.write(chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < SNIFF_BYTES) return undefined;
      decided = decide();
      return decided.write(Buffer.concat(head.splice(0)));
    },
    async end() {
      if (!decided) {
        decided = decide();
        if (headBytes > 0) await decided.write(Buffer.concat(head.splice(0)));
      }
      await decided.end();
    },
  };
}

/** A sink for a layer blob whose compression is known. */
export function createLayerSink(
  compression: LayerStats['compression'],
  onDone: (content: BlobContent) => void,
  options: LayerReadOptions = {},
): TarEntrySink {
  const diffHash = createHash('sha256');
  let size = 0;
  let blobBytes = 0;
  const files: LayerFileRecord[] | undefined = options.collectFiles ? [] : undefined;
  const budget = options.databaseBudget ?? { remaining: MAX_DATABASE_BYTES_PER_IMAGE };
  // Only an uncompressed blob needs an estimate: a compressed one is its own exact answer.
  const sizer = compression === 'none' ? options.createSizer?.() : undefined;
  const layerReader = new TarReader((header: TarHeader) => {
    // Regular-file bytes only: hardlinks carry no content of their own, and symlinks count as
    // nothing (the engine's BuildKit counts them as nothing too, while `docker import` counts
    // their target length: one more reason not to trust `.Size`).
    if (header.type === 'file') size += header.size;
    return files ? recordEntry(files, header, budget) : undefined;
  });

  const readUncompressed = async (chunk: Buffer): Promise<void> => {
    diffHash.update(chunk);
    if (sizer) {
      // The estimator compresses on libuv's threads while the tar is read here.
      await Promise.all([sizer.write(chunk), layerReader.push(chunk)]);
    } else {
      await layerReader.push(chunk);
    }
  };
  const finish = async (): Promise<void> => {
    layerReader.finish();
    const estimatedCompressed = sizer ? await sizer.finish() : undefined;
    onDone({
      kind: 'layer',
      stats: {
        diffId: `sha256:${diffHash.digest('hex')}`,
        size,
        blobBytes,
        compression,
        estimatedCompressed,
        files,
      },
    });
  };

  if (compression === 'none') {
    return {
      async write(chunk) {
        blobBytes += chunk.length;
        await readUncompressed(chunk);
      },
      end: finish,
    };
  }
  return createDecompressingSink(compression, readUncompressed, async (compressedBytes) => {
    blobBytes = compressedBytes;
    await finish();
  });
}

function createDecompressingSink(
  compression: 'gzip' | 'zstd',
  onUncompressed: (chunk: Buffer) => Promise<void>,
  onEnd: (compressedBytes: number) => Promise<void>,
): TarEntrySink {
  const decompressor = createDecompressor(compression);
  let compressedBytes = 0;
  let failure: Error | undefined;
  const currentFailure = (): Error | undefined => failure;
  // Decompressed chunks are processed in order; `processing` chains them so the tar reader
  // never sees two chunks at once.
  let processing: Promise<void> = Promise.resolve();
  decompressor.on('data', (chunk: Buffer) => {
    decompressor.pause();
    processing = processing
      .then(() => onUncompressed(chunk))
      .catch((error: unknown) => {
        failure ??= asError(error);
      })
      .finally(() => decompressor.resume());
  });
  decompressor.on('error', (error: Error) => {
    failure ??= error;
  });

  return {
    async write(chunk) {
      if (failure) throw failure;
      compressedBytes += chunk.length;
      if (!decompressor.write(chunk)) await once(decompressor, 'drain');
    },
    async end() {
      if (failure) throw failure;
      decompressor.end();
      await once(decompressor, 'end');
      await processing;
      // `failure` may have been set by the data handler while we awaited.
      const late = currentFailure();
      if (late) throw late;
      await onEnd(compressedBytes);
    },
  };
}

function createDecompressor(compression: 'gzip' | 'zstd'): Transform {
  if (compression === 'gzip') return zlib.createGunzip();
  const createZstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (!createZstd) {
    throw new Error(
      `this image has zstd-compressed layers, which need Node.js 22.15 or newer (running ${process.version})`,
    );
  }
  return createZstd();
}

function createJsonSink(onDone: (content: BlobContent) => void): TarEntrySink {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let tooLarge = false;
  return {
    write(chunk) {
      bytes += chunk.length;
      if (bytes > MAX_JSON_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    },
    end() {
      onDone(
        tooLarge
          ? { kind: 'other', bytes }
          : { kind: 'json', text: Buffer.concat(chunks).toString() },
      );
    },
  };
}

function createSkipSink(onDone: (content: BlobContent) => void): TarEntrySink {
  let bytes = 0;
  return {
    write(chunk) {
      bytes += chunk.length;
    },
    end() {
      onDone({ kind: 'other', bytes });
    },
  };
}

function startsWith(buffer: Buffer, magic: readonly number[]): boolean {
  return buffer.length >= magic.length && magic.every((byte, index) => buffer[index] === byte);
}

function looksLikeTar(first: Buffer): boolean {
  if (first.length >= 263 && first.toString('latin1', 257, 262) === 'ustar') return true;
  // An empty layer is just the end-of-archive marker: zero blocks.
  return first.length >= SNIFF_BYTES && first.subarray(0, SNIFF_BYTES).every((byte) => byte === 0);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** ELF files smaller than this are not worth a hint, nor the time to scan them. */
const ELF_SCAN_MIN_BYTES = 16 * 1024;

/** Records one layer entry; returns a sink when the file's bytes must be looked at (ELF). */
function recordEntry(
  files: LayerFileRecord[],
  header: TarHeader,
  budget: { remaining: number },
): TarEntrySink | undefined {
  const path = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (path === '' || path === '.') return undefined;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const directory = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) {
    files.push({ path: directory, kind: 'opaque', size: 0, unstrippedElf: false });
    return undefined;
  }
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const target = base.slice(WHITEOUT_PREFIX.length);
    files.push({
      path: directory ? `${directory}/${target}` : target,
      kind: 'whiteout',
      size: 0,
      unstrippedElf: false,
    });
    return undefined;
  }
  if (header.type === 'symlink') {
    files.push({
      path,
      kind: 'symlink',
      size: 0,
      unstrippedElf: false,
      linkTarget: header.linkname,
    });
    return undefined;
  }
  if (header.type === 'hardlink') {
    const target = header.linkname.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    files.push({ path, kind: 'hardlink', size: 0, unstrippedElf: false, linkTarget: target });
    return undefined;
  }
  if (header.type !== 'file') {
    const kind = header.type === 'directory' ? header.type : 'other';
    files.push({ path, kind, size: 0, unstrippedElf: false });
    return undefined;
  }
  const record = { path, kind: 'file' as const, size: header.size, unstrippedElf: false };
  const index = files.push(record) - 1;
  if (isPackageDatabasePath(path)) {
    if (header.size > MAX_DATABASE_FILE_BYTES || header.size > budget.remaining) {
      files[index] = { ...record, content: 'too-large' };
      return undefined;
    }
    budget.remaining -= header.size;
    return createContentSink((content) => {
      files[index] = { ...record, content };
    });
  }
  if (header.size < ELF_SCAN_MIN_BYTES) return undefined;
  return createElfScanner((unstripped) => {
    if (unstripped) files[index] = { ...record, unstrippedElf: true };
  });
}

/** Keeps a small file's bytes (a package database): bounded by MAX_DATABASE_FILE_BYTES. */
function createContentSink(onContent: (content: Buffer) => void): TarEntrySink {
  const chunks: Buffer[] = [];
  return {
    write(chunk) {
      // Copied: the reader may reuse the buffer it hands out.
      chunks.push(Buffer.from(chunk));
    },
    end() {
      onContent(Buffer.concat(chunks));
    },
  };
}
