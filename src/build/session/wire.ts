/**
 * The protobuf messages a BuildKit session speaks to send a build context (fsutil's `Packet` and
 * `Stat`, gRPC health), encoded by hand: four small messages do not justify a code generator.
 * Field numbers follow tonistiigi/fsutil types/wire.proto and types/stat.proto.
 */

export const PacketType = {
  stat: 0,
  request: 1,
  data: 2,
  finish: 3,
  error: 4,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** fsutil's `Stat`: `mode` carries Go `os.FileMode` bits, `modTime` nanoseconds. */
export interface FileStat {
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly modTime: bigint;
  readonly linkname: string;
}

export interface Packet {
  readonly type: PacketTypeValue;
  readonly stat?: FileStat | undefined;
  readonly id: number;
  readonly data?: Uint8Array | undefined;
}

/** Go's `os.FileMode` type bits, which fsutil sends instead of Unix mode bits. */
export const GoFileMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  sticky: 2 ** 20,
} as const;

/** A Unix `st_mode` as Go's `os.FileMode` (permissions plus the type and special bits). */
export function goFileMode(unixMode: number): number {
  let mode = unixMode & 0o777;
  const type = unixMode & 0o170000;
  if (type === 0o040000) mode += GoFileMode.dir;
  else if (type === 0o120000) mode += GoFileMode.symlink;
  if (unixMode & 0o4000) mode += GoFileMode.setuid;
  if (unixMode & 0o2000) mode += GoFileMode.setgid;
  if (unixMode & 0o1000) mode += GoFileMode.sticky;
  return mode;
}

class Writer {
  private readonly parts: Buffer[] = [];

  varint(field: number, value: number | bigint): void {
    if (value === 0 || value === 0n) return;
    this.tag(field, 0);
    this.rawVarint(BigInt.asUintN(64, BigInt(value)));
  }

  bytes(field: number, value: Uint8Array | string | undefined): void {
    if (value === undefined || value.length === 0) return;
    const buffer = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    this.tag(field, 2);
    this.rawVarint(BigInt(buffer.length));
    this.parts.push(buffer);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(BigInt(field * 8 + wireType));
  }

  private rawVarint(value: bigint): void {
    const bytes: number[] = [];
    let rest = value;
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      bytes.push(rest > 0n ? low | 0x80 : low);
    } while (rest > 0n);
    this.parts.push(Buffer.from(bytes));
  }
}

export function encodeStat(stat: FileStat): Buffer {
  const writer = new Writer();
  writer.bytes(1, stat.path);
  writer.varint(2, stat.mode);
  writer.varint(3, stat.uid);
  writer.varint(4, stat.gid);
  writer.varint(5, stat.size);
  writer.varint(6, stat.modTime);
  writer.bytes(7, stat.linkname);
  return writer.finish();
}

export function encodePacket(packet: Packet): Buffer {
  const writer = new Writer();
  writer.varint(1, packet.type);
  // The last STAT packet has no stat at all: that marks the end of the listing.
  if (packet.stat) writer.bytes(2, encodeStat(packet.stat));
  writer.varint(3, packet.id);
  writer.bytes(4, packet.data);
  return writer.finish();
}

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

interface Field {
  readonly number: number;
  readonly varint?: bigint;
  readonly bytes?: Buffer;
}

function* fields(buffer: Buffer): Generator<Field> {
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw new WireFormatError('truncated varint');
      const byte = buffer[offset] ?? 0;
      offset += 1;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new WireFormatError('varint too long');
    }
  };
  while (offset < buffer.length) {
    const key = readVarint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) {
      yield { number, varint: readVarint() };
    } else if (wireType === 2) {
      const length = Number(readVarint());
      if (offset + length > buffer.length) throw new WireFormatError('truncated field');
      yield { number, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      throw new WireFormatError(`unsupported wire type ${wireType}`);
    }
  }
}

export function decodeStat(buffer: Buffer): FileStat {
  let path = '';
  let mode = 0;
  let uid = 0;
  let gid = 0;
  let size = 0;
  let modTime = 0n;
  let linkname = '';
  for (const field of fields(buffer)) {
    if (field.number === 1 && field.bytes) path = field.bytes.toString('utf8');
    else if (field.number === 2 && field.varint !== undefined) mode = Number(field.varint);
    else if (field.number === 3 && field.varint !== undefined) uid = Number(field.varint);
    else if (field.number === 4 && field.varint !== undefined) gid = Number(field.varint);
    else if (field.number === 5 && field.varint !== undefined)
      size = Number(BigInt.asIntN(64, field.varint));
    else if (field.number === 6 && field.varint !== undefined)
      modTime = BigInt.asIntN(64, field.varint);
    else if (field.number === 7 && field.bytes) linkname = field.bytes.toString('utf8');
  }
  return { path, mode, uid, gid, size, modTime, linkname };
}

export function decodePacket(buffer: Buffer): Packet {
  let type = 0;
  let stat: FileStat | undefined;
  let id = 0;
  let data: Buffer | undefined;
  for (const field of fields(buffer)) {
    if (field.number === 1 && field.varint !== undefined) type = Number(field.varint);
    else if (field.number === 2 && field.bytes) stat = decodeStat(field.bytes);
    else if (field.number === 3 && field.varint !== undefined) id = Number(field.varint);
    else if (field.number === 4 && field.bytes) data = field.bytes;
  }
  if (!isPacketType(type)) throw new WireFormatError(`unknown packet type ${type}`);
  return { type, stat, id, data };
}

function isPacketType(value: number): value is PacketTypeValue {
  return Object.values(PacketType).some((known) => known === value);
}

/** grpc.health.v1 `HealthCheckResponse{status: SERVING}`. */
export const HEALTH_SERVING = Buffer.from([0x08, 0x01]);
