/**
 * A streaming tar reader that never holds an entry's content: it parses headers (ustar, pax,
 * GNU long names, base-256 sizes) and hands each entry's bytes to a sink chosen per entry.
 * Written by hand rather than with tar-stream because layers are read nested (a layer tar inside
 * an image archive) and a synchronous parser over chunks is several times faster than one
 * stream object per entry.
 */

export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'directory'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'other';

export interface TarHeader {
  readonly name: string;
  readonly type: TarEntryType;
  /** Bytes of content that follow the header (0 for links, directories, devices). */
  readonly size: number;
  readonly linkname: string;
}

export interface TarEntrySink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export type EntryHandler = (header: TarHeader) => TarEntrySink | undefined;

const BLOCK = 512;

type State =
  | { readonly kind: 'header' }
  | {
      readonly kind: 'content';
      remaining: number;
      padding: number;
      readonly sink: TarEntrySink | undefined;
    }
  | { readonly kind: 'meta'; remaining: number; padding: number; readonly meta: MetaCollector }
  | { readonly kind: 'padding'; remaining: number }
  | { readonly kind: 'finished' };

interface MetaCollector {
  readonly type: 'pax' | 'pax-global' | 'gnu-longname' | 'gnu-longlink';
  readonly chunks: Buffer[];
}

interface PendingOverrides {
  path?: string;
  linkpath?: string;
  size?: number;
}

const MAX_META_BYTES = 1024 * 1024;

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

export class TarReader {
  private state: State = { kind: 'header' };
  private headerBuffer = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private overrides: PendingOverrides = {};
  private zeroBlocks = 0;
  private sawEntry = false;

  constructor(private readonly onEntry: EntryHandler) {}

  /** Feeds the next bytes; resolves once every sink has accepted its part. */
  async push(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      switch (state.kind) {
        case 'finished':
          // Bytes after the end-of-archive marker (docker pads to a record size) carry nothing.
          return;
        case 'header': {
          const take = Math.min(BLOCK - this.headerFill, chunk.length - offset);
          chunk.copy(this.headerBuffer, this.headerFill, offset, offset + take);
          this.headerFill += take;
          offset += take;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            await this.onHeaderBlock(this.headerBuffer);
          }
          break;
        }
        case 'content': {
          const take = Math.min(state.remaining, chunk.length - offset);
          if (take > 0 && state.sink) {
            const pending = state.sink.write(chunk.subarray(offset, offset + take));
            if (pending) await pending;
          }
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) {
            if (state.sink) {
              const pending = state.sink.end();
              if (pending) await pending;
            }
            this.state =
              state.padding > 0
                ? { kind: 'padding', remaining: state.padding }
                : { kind: 'header' };
          }
          break;
        }
        case 'meta': {
          const take = Math.min(state.remaining, chunk.length - offset);
          state.meta.chunks.push(Buffer.from(chunk.subarray(offset, offset + take)));
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) {
            this.applyMeta(state.meta);
            this.state =
              state.padding > 0
                ? { kind: 'padding', remaining: state.padding }
                : { kind: 'header' };
          }
          break;
        }
        case 'padding': {
          const take = Math.min(state.remaining, chunk.length - offset);
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) this.state = { kind: 'header' };
          break;
        }
      }
    }
  }

  /** Call after the last chunk: fails when the archive stopped in the middle of an entry. */
  finish(): void {
    const state = this.state;
    if (state.kind === 'content' || state.kind === 'meta' || this.headerFill !== 0) {
      throw new TarFormatError('the tar stream ended in the middle of an entry');
    }
    if (state.kind === 'padding' && state.remaining > 0) {
      throw new TarFormatError('the tar stream ended in the middle of an entry');
    }
  }

  /** True once at least one entry or an end-of-archive marker was seen. */
  get sawAnything(): boolean {
    return this.sawEntry || this.zeroBlocks > 0;
  }

  private async onHeaderBlock(block: Buffer): Promise<void> {
    if (isZeroBlock(block)) {
      this.zeroBlocks += 1;
      if (this.zeroBlocks >= 2) this.state = { kind: 'finished' };
      return;
    }
    this.zeroBlocks = 0;
    if (!hasValidChecksum(block)) {
      throw new TarFormatError(
        'a tar header has a wrong checksum: the stream is not a tar archive',
      );
    }
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const metaType = META_TYPES[typeflag];
    if (metaType) {
      // A pending pax `size` belongs to the next real entry, never to a metadata header.
      const metaSize = readSize(block);
      if (metaSize > MAX_META_BYTES) {
        throw new TarFormatError(`a tar metadata entry of ${metaSize} bytes`);
      }
      if (metaSize === 0) return;
      this.state = {
        kind: 'meta',
        remaining: metaSize,
        padding: paddingFor(metaSize),
        meta: { type: metaType, chunks: [] },
      };
      return;
    }

    const size = this.overrides.size ?? readSize(block);
    const padding = paddingFor(size);

    const header: TarHeader = {
      name: this.overrides.path ?? readName(block),
      type: entryType(typeflag),
      size: contentSize(typeflag, size),
      linkname: this.overrides.linkpath ?? readString(block, 157, 100),
    };
    this.overrides = {};
    this.sawEntry = true;
    const sink = this.onEntry(header);
    // Links and directories may still declare a size in odd archives: those bytes are skipped.
    const remaining = size;
    if (remaining === 0) {
      if (sink) {
        const pending = sink.end();
        if (pending) await pending;
      }
      this.state = { kind: 'header' };
      return;
    }
    this.state = { kind: 'content', remaining, padding, sink: header.size > 0 ? sink : undefined };
  }

  private applyMeta(meta: MetaCollector): void {
    const data = Buffer.concat(meta.chunks);
    switch (meta.type) {
      case 'gnu-longname':
        this.overrides.path = cString(data);
        return;
      case 'gnu-longlink':
        this.overrides.linkpath = cString(data);
        return;
      case 'pax-global':
        return;
      case 'pax':
        for (const [key, value] of parsePaxRecords(data)) {
          if (key === 'path') this.overrides.path = value;
          else if (key === 'linkpath') this.overrides.linkpath = value;
          else if (key === 'size') {
            const parsed = Number(value);
            if (!Number.isSafeInteger(parsed) || parsed < 0) {
              throw new TarFormatError(`a pax size record is not a size: ${value}`);
            }
            this.overrides.size = parsed;
          }
        }
    }
  }
}

const META_TYPES: Readonly<Record<string, MetaCollector['type']>> = {
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
};

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'character-device';
    case '4':
      return 'block-device';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

function contentSize(typeflag: string, size: number): number {
  return entryType(typeflag) === 'file' || entryType(typeflag) === 'other' ? size : 0;
}

function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZeroBlock(block: Buffer): boolean {
  for (let index = 0; index < BLOCK; index += 1) if (block[index] !== 0) return false;
  return true;
}

function hasValidChecksum(block: Buffer): boolean {
  const stored = parseOctal(block, 148, 8);
  let sum = 0;
  for (let index = 0; index < BLOCK; index += 1) {
    sum += index >= 148 && index < 156 ? 32 : (block[index] ?? 0);
  }
  return stored === sum;
}

function readSize(block: Buffer): number {
  const first = block[124] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian binary in the remaining bytes of the field.
    let value = 0;
    for (let index = 125; index < 136; index += 1) value = value * 256 + (block[index] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFormatError('a tar entry larger than 8 PiB');
    return value;
  }
  return parseOctal(block, 124, 12);
}

function parseOctal(block: Buffer, start: number, length: number): number {
  const text = block
    .toString('latin1', start, start + length)
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a tar header field is not octal: ${text}`);
  return parseInt(text, 8);
}

function readString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function readName(block: Buffer): string {
  const name = readString(block, 0, 100);
  const isPosixUstar = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = isPosixUstar ? readString(block, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end === -1 ? data.length : end);
}

function parsePaxRecords(data: Buffer): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(data.toString('latin1', offset, space));
    if (!Number.isSafeInteger(length) || length <= 0 || offset + length > data.length) {
      throw new TarFormatError('a pax header record is malformed');
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals <= 0) throw new TarFormatError('a pax header record has no key');
    records.push([record.slice(0, equals), record.slice(equals + 1)]);
    offset += length;
  }
  return records;
}
