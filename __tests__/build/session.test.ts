import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SyncFilter } from '../../src/build/session/sync-filter.js';
import {
  decodePacket,
  encodePacket,
  GoFileMode,
  goFileMode,
  PacketType,
  WireFormatError,
  type Packet,
} from '../../src/build/session/wire.js';
import { receiveDirectory } from '../support/diff-copy-receiver.js';

describe('fsutil packets on the wire', () => {
  test('a request for file 300 is type 1, id 300 as a varint', () => {
    expect(encodePacket({ type: PacketType.request, id: 300 }).toString('hex')).toBe(
      '0801' + '18ac02',
    );
  });

  test('the end-of-listing stat is an empty message (type 0 and no stat)', () => {
    expect(encodePacket({ type: PacketType.stat, id: 0 })).toHaveLength(0);
  });

  test('a folder stat carries Go’s dir bit, which needs a five-byte varint', () => {
    const mode = goFileMode(0o040755);
    expect(mode).toBe(GoFileMode.dir + 0o755);
    const packet: Packet = {
      type: PacketType.stat,
      id: 0,
      stat: {
        path: 'a/b',
        mode,
        uid: 0,
        gid: 0,
        size: 0,
        modTime: 1_700_000_000_123_456_789n,
        linkname: '',
      },
    };
    const decoded = decodePacket(encodePacket(packet));
    expect(decoded.stat).toEqual(packet.stat);
    // Stat field 2 (mode): tag 0x10, then 2^31 + 0o755 in 7-bit groups, low group first.
    expect(encodePacket(packet).includes(Buffer.from('10ed83808008', 'hex'))).toBe(true);
  });

  test('data round-trips byte for byte', () => {
    const data = Buffer.from([0, 1, 2, 255]);
    expect(decodePacket(encodePacket({ type: PacketType.data, id: 7, data }))).toEqual({
      type: PacketType.data,
      id: 7,
      stat: undefined,
      data,
    });
  });

  test.each([
    ['a truncated varint', '0880'],
    ['a field longer than the message', '2205ab'],
    ['an unknown packet type', '0809'],
  ])('%s is a WireFormatError', (_name, hex) => {
    expect(() => decodePacket(Buffer.from(hex, 'hex'))).toThrow(WireFormatError);
  });

  test('symlink, setuid, setgid and sticky bits map to Go’s FileMode', () => {
    expect(goFileMode(0o120777)).toBe(GoFileMode.symlink + 0o777);
    expect(goFileMode(0o107755)).toBe(
      GoFileMode.setuid + GoFileMode.setgid + GoFileMode.sticky + 0o755,
    );
    expect(goFileMode(0o100644)).toBe(0o644);
  });
});

describe('SyncFilter decides as fsutil does', () => {
  test.each<[string, string[], string[], string, boolean, string]>([
    ['no patterns: everything is sent', [], [], 'a/b.txt', false, 'send'],
    ['an include names the file', ['Dockerfile'], [], 'Dockerfile', false, 'send'],
    ['an include does not name the file', ['Dockerfile'], [], 'other', false, 'skip'],
    [
      'a folder on the way to an include is walked, not sent',
      ['a/b/c.txt'],
      [],
      'a',
      true,
      'walk-hidden',
    ],
    ['a folder no include can reach is skipped', ['a/b/c.txt'], [], 'z', true, 'skip'],
    ['below an included folder everything is sent', ['a'], [], 'a/deep/x', false, 'send'],
    ['a wildcard include walks every folder', ['*.go'], [], 'pkg', true, 'walk-hidden'],
    ['an exclude drops a file', [], ['*.log'], 'x.log', false, 'skip'],
    [
      'an excluded folder without exceptions is skipped',
      [],
      ['node_modules'],
      'node_modules',
      true,
      'skip',
    ],
    [
      'an excluded folder holding an exception is walked',
      [],
      ['vendor', '!vendor/keep'],
      'vendor',
      true,
      'walk-hidden',
    ],
    ['the exception itself is sent', [], ['vendor', '!vendor/keep'], 'vendor/keep', false, 'send'],
    [
      'an unrelated exception does not open the folder',
      [],
      ['vendor', '!keep.log'],
      'vendor',
      true,
      'skip',
    ],
  ])('%s', (_name, includes, excludes, relative, isDirectory, decision) => {
    expect(new SyncFilter(includes, excludes).decide(relative, isDirectory)).toBe(decision);
  });
});

describe('sending a folder over DiffCopy', () => {
  let scratch = '';
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-session-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('folders are sent just before the first thing wanted inside them, and only then', async () => {
    await mkdir(path.join(scratch, 'a', 'b'), { recursive: true });
    await mkdir(path.join(scratch, 'empty'), { recursive: true });
    await writeFile(path.join(scratch, 'a', 'b', 'wanted.txt'), 'w');
    await writeFile(path.join(scratch, 'a', 'unwanted.txt'), 'u');
    const tree = await receiveDirectory({ root: scratch }, { includePatterns: ['a/b/wanted.txt'] });
    expect(tree.stats.map((stat) => stat.path)).toEqual(['a', 'a/b', 'a/b/wanted.txt']);
  });

  test('names are sent in byte order, a folder’s contents right after it (Go’s Walk order)', async () => {
    await mkdir(path.join(scratch, 'a'), { recursive: true });
    await writeFile(path.join(scratch, 'a', 'z'), '1');
    await writeFile(path.join(scratch, 'a.txt'), '2');
    await writeFile(path.join(scratch, 'B'), '3');
    const tree = await receiveDirectory({ root: scratch });
    expect(tree.stats.map((stat) => stat.path)).toEqual(['B', 'a', 'a/z', 'a.txt']);
  });

  test('a followed Dockerfile symlink brings its target; file sizes and content arrive whole', async () => {
    await mkdir(path.join(scratch, 'real'), { recursive: true });
    const content = Buffer.alloc(100_000, 7);
    await writeFile(path.join(scratch, 'real', 'Dockerfile'), content);
    await symlink('real/Dockerfile', path.join(scratch, 'Dockerfile'));
    await writeFile(path.join(scratch, 'other.txt'), 'not asked for');
    const tree = await receiveDirectory(
      { root: scratch },
      { followPaths: ['Dockerfile', 'Dockerfile.dockerignore'] },
    );
    expect(tree.stats.map((stat) => [stat.path, stat.linkname])).toEqual([
      ['Dockerfile', 'real/Dockerfile'],
      ['real', ''],
      ['real/Dockerfile', ''],
    ]);
    expect(tree.stats[2]?.size).toBe(100_000);
    expect(tree.files.size).toBe(1);
  });
});
