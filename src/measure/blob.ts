import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
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
  readonly entries: number;
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
export function createBlobSink(onDone: (content: BlobContent) => void): TarEntrySink {
  const head: Buffer[] = [];
  let headBytes = 0;
  let decided: TarEntrySink | undefined;

  const decide = (): TarEntrySink => {
    const first = Buffer.concat(head);
    if (startsWith(first, GZIP_MAGIC)) return createLayerSink('gzip', onDone);
    if (startsWith(first, ZSTD_MAGIC)) return createLayerSink('zstd', onDone);
    if (looksLikeTar(first)) return createLayerSink('none', onDone);
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

/** A sink for an entry already known to be an uncompressed layer tar (`<id>/layer.tar`). */
export function createLayerSink(
  compression: LayerStats['compression'],
  onDone: (content: BlobContent) => void,
): TarEntrySink {
  const diffHash = createHash('sha256');
  let size = 0;
  let entries = 0;
  let blobBytes = 0;
  const layerReader = new TarReader((header: TarHeader) => {
    entries += 1;
    // Regular-file bytes only: hardlinks carry no content of their own, and symlinks count as
    // nothing (the engine's BuildKit counts them as nothing too, while `docker import` counts
    // their target length: one more reason not to trust `.Size`).
    if (header.type === 'file') size += header.size;
    return undefined;
  });

  const readUncompressed = async (chunk: Buffer): Promise<void> => {
    diffHash.update(chunk);
    await layerReader.push(chunk);
  };
  const finish = (): void => {
    layerReader.finish();
    onDone({
      kind: 'layer',
      stats: { diffId: `sha256:${diffHash.digest('hex')}`, size, blobBytes, compression, entries },
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
  return createDecompressingSink(compression, readUncompressed, (compressedBytes) => {
    blobBytes = compressedBytes;
    finish();
  });
}

function createDecompressingSink(
  compression: 'gzip' | 'zstd',
  onUncompressed: (chunk: Buffer) => Promise<void>,
  onEnd: (compressedBytes: number) => void,
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
      onEnd(compressedBytes);
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
