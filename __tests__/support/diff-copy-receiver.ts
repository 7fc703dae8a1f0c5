import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { sendDirectory, type SyncRequest } from '../../src/build/session/file-sync.js';
import type { SyncedDirectory } from '../../src/build/session/session.js';
import {
  GoFileMode,
  PacketType,
  type FileStat,
  type Packet,
} from '../../src/build/session/wire.js';

export interface ReceivedTree {
  /** Every stat in the order it was sent. */
  readonly stats: readonly FileStat[];
  /** Regular files with the sha256 of the content received for them, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Folders that were sent. */
  readonly directories: ReadonlySet<string>;
}

/**
 * The receiving side of fsutil's DiffCopy, in memory, as BuildKit plays it: it asks for every
 * regular file as its stat arrives, checks that each folder came before what is inside it, and
 * says it has finished once the listing ended and every file it asked for arrived whole.
 */
export async function receiveDirectory(
  directory: SyncedDirectory,
  request: Partial<SyncRequest> = {},
): Promise<ReceivedTree> {
  const toSender = new PassThrough({ objectMode: true });
  const stats: FileStat[] = [];
  const directories = new Set<string>();
  const hashes = new Map<number, ReturnType<typeof createHash>>();
  const paths = new Map<number, string>();
  const files = new Map<string, string>();
  let listingEnded = false;
  let nextId = 0;
  let finished = false;

  const maybeFinish = (): void => {
    if (listingEnded && hashes.size === 0 && !finished) {
      finished = true;
      toSender.write({ type: PacketType.finish, id: 0 } satisfies Packet);
    }
  };

  const receive = (packet: Packet): void => {
    if (packet.type === PacketType.stat) {
      if (!packet.stat) {
        listingEnded = true;
        maybeFinish();
        return;
      }
      const stat = packet.stat;
      const parent = stat.path.includes('/') ? stat.path.slice(0, stat.path.lastIndexOf('/')) : '';
      if (parent !== '' && !directories.has(parent)) {
        throw new Error(`${stat.path} arrived before its folder ${parent}`);
      }
      const previous = stats.at(-1)?.path;
      if (previous !== undefined && comparePaths(previous, stat.path) >= 0) {
        throw new Error(`${stat.path} arrived after ${previous}: not in walk order`);
      }
      stats.push(stat);
      const id = nextId;
      nextId += 1;
      if (stat.mode & GoFileMode.dir) directories.add(stat.path);
      else if (!(stat.mode & GoFileMode.symlink)) {
        hashes.set(id, createHash('sha256'));
        paths.set(id, stat.path);
        toSender.write({ type: PacketType.request, id } satisfies Packet);
      }
    } else if (packet.type === PacketType.data) {
      const hash = hashes.get(packet.id);
      if (!hash) throw new Error(`data for file ${packet.id}, which was not asked for`);
      if (packet.data && packet.data.length > 0) hash.update(packet.data);
      else {
        files.set(paths.get(packet.id) ?? '?', hash.digest('hex'));
        hashes.delete(packet.id);
        maybeFinish();
      }
    } else if (packet.type === PacketType.finish) {
      toSender.end();
    } else if (packet.type === PacketType.error) {
      throw new Error(`the sender failed: ${Buffer.from(packet.data ?? []).toString()}`);
    }
  };

  let failure: Error | undefined;
  const sending = sendDirectory(
    directory.root,
    { includePatterns: [], excludePatterns: [], followPaths: [], ...request },
    {
      incoming: toSender,
      send: (packet) => {
        try {
          receive(packet);
        } catch (error) {
          // Like BuildKit: stop the transfer, then report what went wrong.
          failure ??= error instanceof Error ? error : new Error('the receiver failed');
          toSender.end();
        }
        return Promise.resolve();
      },
    },
    directory.extraRule,
  );
  await sending.catch((error: unknown) => {
    failure ??= error instanceof Error ? error : new Error('the sender failed');
  });
  if (failure !== undefined) throw failure;
  if (!finished) throw new Error('the sender returned before the receiver finished');
  return {
    stats,
    files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    directories,
  };
}

/** fsutil's order: component by component, each compared by bytes (so `a/z` before `a.txt`). */
function comparePaths(left: string, right: string): number {
  const a = left.split('/');
  const b = right.split('/');
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const order = Buffer.compare(Buffer.from(a[index] ?? ''), Buffer.from(b[index] ?? ''));
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
