import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SyncFilter, type SyncDecision } from './sync-filter.js';
import { goFileMode, PacketType, type FileStat, type Packet } from './wire.js';

/** The options BuildKit sends with a DiffCopy call, as gRPC metadata. */
export interface SyncRequest {
  readonly includePatterns: readonly string[];
  readonly excludePatterns: readonly string[];
  readonly followPaths: readonly string[];
}

/** One side of a DiffCopy stream: packets in, packets out. */
export interface PacketChannel {
  readonly incoming: AsyncIterable<Packet>;
  /** Resolves once the packet is handed to the transport (waits while it is full). */
  send(packet: Packet): Promise<void>;
}

/** Extra rules of our own for a folder (e.g. the build context's `.dockerignore`). */
export type ExtraRule = (relative: string, isDirectory: boolean) => SyncDecision;

// fsutil's own chunk size; any size under gRPC's 4 MiB message limit would do.
const CHUNK_BYTES = 32 * 1024;

/**
 * Sends a folder to BuildKit the way fsutil's sender does: every entry's stat in walk order
 * (parents before children, names in byte order), an empty stat to end the listing, then the
 * content of each regular file BuildKit requests, until it says it has finished.
 */
export async function sendDirectory(
  root: string,
  request: SyncRequest,
  channel: PacketChannel,
  extraRule?: ExtraRule,
): Promise<void> {
  const includes = [...request.includePatterns];
  if (request.followPaths.length > 0) {
    includes.push(...(await followLinks(root, request.followPaths)));
  }
  const filter = new SyncFilter(includes, request.excludePatterns);
  const decide = (relative: string, isDirectory: boolean): SyncDecision =>
    combine(filter.decide(relative, isDirectory), extraRule?.(relative, isDirectory) ?? 'send');

  const files = new Map<number, string>();
  const listing = (async () => {
    let id = 0;
    for await (const entry of walk(root, decide)) {
      if (entry.regular) files.set(id, entry.absolute);
      id += 1;
      await channel.send({ type: PacketType.stat, stat: entry.stat, id: 0 });
    }
    await channel.send({ type: PacketType.stat, id: 0 });
  })();
  // A listing failure is reported to BuildKit, which then ends the call.
  const listed = listing.catch(async (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    await channel.send({ type: PacketType.error, id: 0, data: Buffer.from(message) });
    throw error;
  });

  for await (const packet of channel.incoming) {
    if (packet.type === PacketType.error) {
      throw new Error(`BuildKit stopped reading the build context: ${dataText(packet)}`);
    }
    if (packet.type === PacketType.request) {
      const file = files.get(packet.id);
      if (file === undefined) throw new Error(`BuildKit asked for unknown file id ${packet.id}`);
      files.delete(packet.id);
      await sendFile(file, packet.id, channel);
    } else if (packet.type === PacketType.finish) {
      await listed;
      await channel.send({ type: PacketType.finish, id: 0 });
      return;
    }
  }
  await listed;
}

async function sendFile(file: string, id: number, channel: PacketChannel): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    await channel.send({ type: PacketType.data, id, data: chunk as Buffer });
  }
  await channel.send({ type: PacketType.data, id });
}

interface WalkEntry {
  readonly stat: FileStat;
  readonly absolute: string;
  /** Only regular files have content BuildKit may request. */
  readonly regular: boolean;
}

/**
 * Entries in Go's `filepath.Walk` order. A folder walked only because something inside it may
 * be wanted is sent just before the first entry below it that is, and not at all otherwise.
 */
async function* walk(
  root: string,
  decide: (relative: string, isDirectory: boolean) => SyncDecision,
): AsyncGenerator<WalkEntry> {
  const unsentParents: WalkEntry[] = [];

  async function* visit(relativeDirectory: string): AsyncGenerator<WalkEntry> {
    const names = (await readdir(path.join(root, relativeDirectory))).sort(byBytes);
    for (const name of names) {
      const relative = relativeDirectory === '' ? name : `${relativeDirectory}/${name}`;
      const absolute = path.join(root, relative);
      const info = await lstat(absolute, { bigint: true });
      const isDirectory = info.isDirectory();
      // Sockets, fifos and devices cannot be part of an image; the docker CLI skips them too.
      if (!isDirectory && !info.isFile() && !info.isSymbolicLink()) continue;
      const decision = decide(relative, isDirectory);
      if (decision === 'skip') continue;
      const entry: WalkEntry = {
        absolute,
        regular: info.isFile(),
        stat: {
          path: relative,
          mode: goFileMode(Number(info.mode)),
          // As the docker CLI sends a context: owned by root inside the build.
          uid: 0,
          gid: 0,
          size: info.isFile() ? Number(info.size) : 0,
          modTime: info.mtimeNs,
          linkname: info.isSymbolicLink() ? await readlink(absolute) : '',
        },
      };
      if (decision === 'send') {
        yield* unsentParents.splice(0);
        yield entry;
      }
      if (!isDirectory) continue;
      if (decision === 'walk-hidden') unsentParents.push(entry);
      yield* visit(relative);
      if (unsentParents.at(-1) === entry) unsentParents.pop();
    }
  }

  yield* visit('');
}

/** The paths BuildKit wants followed, plus where their symlinks point (inside the root). */
async function followLinks(root: string, followPaths: readonly string[]): Promise<string[]> {
  const result: string[] = [];
  for (const start of followPaths) {
    let current = path.posix.normalize(start.replace(/^\/+/, ''));
    for (let hops = 0; hops < 16; hops += 1) {
      result.push(current);
      let target: string;
      try {
        target = await readlink(path.join(root, current));
      } catch {
        break;
      }
      current = path.posix.normalize(
        path.posix.isAbsolute(target)
          ? target.replace(/^\/+/, '')
          : path.posix.join(path.posix.dirname(current), target),
      );
      if (current.startsWith('../')) break;
    }
  }
  return result;
}

function combine(first: SyncDecision, second: SyncDecision): SyncDecision {
  if (first === 'skip' || second === 'skip') return 'skip';
  if (first === 'walk-hidden' || second === 'walk-hidden') return 'walk-hidden';
  return 'send';
}

function byBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

function dataText(packet: Packet): string {
  return packet.data ? Buffer.from(packet.data).toString('utf8') : 'no reason given';
}
