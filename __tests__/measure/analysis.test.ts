import { describe, expect, test } from 'vitest';
import type { LayerFileRecord, WastedFile } from '../../src/measure/analysis-types.js';
import { analyseImage, stackLayers, topN } from '../../src/measure/analysis.js';

const MB = 1_000_000;

function file(path: string, size: number, unstrippedElf = false): LayerFileRecord {
  return { path, kind: 'file', size, unstrippedElf };
}
function entry(kind: Exclude<LayerFileRecord['kind'], 'file'>, path: string): LayerFileRecord {
  return { path, kind, size: 0, unstrippedElf: false };
}
const dir = (path: string) => entry('directory', path);
const whiteout = (path: string) => entry('whiteout', path);
const opaque = (path: string) => entry('opaque', path);
const symlink = (path: string) => entry('symlink', path);
const hardlink = (path: string) => entry('hardlink', path);

function wasted(
  path: string,
  bytes: number,
  addedInLayer: number,
  removedInLayer: number,
  how: WastedFile['how'],
): WastedFile {
  return { path, bytes, addedInLayer, removedInLayer, how };
}

/** Σ regular-file bytes of all layers, as the analysis defines the total. */
function totalOf(layers: readonly (readonly LayerFileRecord[])[]): number {
  return layers.flat().reduce((sum, record) => sum + (record.kind === 'file' ? record.size : 0), 0);
}

function finalPaths(layers: readonly (readonly LayerFileRecord[])[]): string[] {
  return stackLayers(layers)
    .finalFiles.map((final) => `${final.path}@${final.layer}:${final.size}`)
    .sort();
}

describe('analyseImage: wasted bytes', () => {
  test.each<{
    name: string;
    layers: LayerFileRecord[][];
    wasted: WastedFile[];
    final: string[];
  }>([
    {
      name: 'a file added then deleted by a whiteout',
      layers: [
        [dir('data'), file('data/big.bin', 30 * MB), file('data/keep.txt', 2 * MB)],
        [dir('data'), whiteout('data/big.bin')],
      ],
      wasted: [wasted('data/big.bin', 30 * MB, 0, 1, 'deleted')],
      final: [`data/keep.txt@0:${2 * MB}`],
    },
    {
      name: 'a file overwritten twice: every shadowed version counts',
      layers: [
        [file('app/a.bin', 10 * MB)],
        [file('app/a.bin', 4 * MB)],
        [file('app/a.bin', 1 * MB)],
      ],
      wasted: [
        wasted('app/a.bin', 10 * MB, 0, 1, 'overwritten'),
        wasted('app/a.bin', 4 * MB, 1, 2, 'overwritten'),
      ],
      final: [`app/a.bin@2:${1 * MB}`],
    },
    {
      name: 'an opaque directory hides lower children, not its own layer nor itself',
      layers: [
        [dir('etc'), dir('etc/app'), file('etc/app/x', 2 * MB), file('etc/app/sub/y', 3 * MB)],
        // The marker after the layer's own file in tar order still only hides lower entries.
        [dir('etc/app'), file('etc/app/z', 1 * MB), opaque('etc/app')],
      ],
      wasted: [
        wasted('etc/app/sub/y', 3 * MB, 0, 1, 'deleted'),
        wasted('etc/app/x', 2 * MB, 0, 1, 'deleted'),
      ],
      final: [`etc/app/z@1:${1 * MB}`],
    },
    {
      name: 'an opaque marker at the root clears everything below',
      layers: [
        [file('a', 1 * MB), file('b/c', 2 * MB)],
        [opaque(''), file('d', 3)],
      ],
      wasted: [wasted('b/c', 2 * MB, 0, 1, 'deleted'), wasted('a', 1 * MB, 0, 1, 'deleted')],
      final: ['d@1:3'],
    },
    {
      name: 'a whiteout of a directory deletes its subtree',
      layers: [
        [
          dir('opt/sdk'),
          file('opt/sdk/bin/tool', 5 * MB),
          file('opt/sdk/lib/libsdk.so', 7 * MB),
          file('opt/sdk-other', 1 * MB),
        ],
        [whiteout('opt/sdk')],
      ],
      wasted: [
        wasted('opt/sdk/lib/libsdk.so', 7 * MB, 0, 1, 'deleted'),
        wasted('opt/sdk/bin/tool', 5 * MB, 0, 1, 'deleted'),
      ],
      final: [`opt/sdk-other@0:${1 * MB}`],
    },
    {
      name: 'a file re-added after deletion, then overwritten',
      layers: [[file('f', 2 * MB)], [whiteout('f')], [file('f', 3 * MB)], [file('f', 4 * MB)]],
      wasted: [wasted('f', 3 * MB, 2, 3, 'overwritten'), wasted('f', 2 * MB, 0, 1, 'deleted')],
      final: [`f@3:${4 * MB}`],
    },
    {
      name: 'hardlinks weigh 0 bytes, but replacing a file with one shadows the file',
      layers: [
        [file('bin/a', 5 * MB), hardlink('bin/b')],
        [whiteout('bin/b'), hardlink('bin/a')],
      ],
      wasted: [wasted('bin/a', 5 * MB, 0, 1, 'overwritten')],
      final: [],
    },
    {
      name: 'a directory replacing a file, and a symlink replacing a directory',
      layers: [
        [file('x', 1 * MB), file('lib/a.so', 2 * MB)],
        [dir('x'), file('x/y', 1), symlink('lib')],
      ],
      wasted: [
        wasted('lib/a.so', 2 * MB, 0, 1, 'overwritten'),
        wasted('x', 1 * MB, 0, 1, 'overwritten'),
      ],
      final: ['x/y@1:1'],
    },
    {
      name: 'a file written below a lower file without a directory entry',
      layers: [[file('x', 1 * MB)], [file('x/y', 1)]],
      wasted: [wasted('x', 1 * MB, 0, 1, 'overwritten')],
      final: ['x/y@1:1'],
    },
    {
      name: 'a directory over a directory, whiteouts of missing paths: nothing wasted',
      layers: [
        [dir('usr'), file('usr/a', 1 * MB)],
        [dir('usr'), whiteout('usr/missing'), whiteout('nowhere/else'), opaque('nope')],
      ],
      wasted: [],
      final: [`usr/a@0:${1 * MB}`],
    },
    {
      name: 'empty files are never listed',
      layers: [[file('empty', 0)], [whiteout('empty')]],
      wasted: [],
      final: [],
    },
    {
      name: 'stray slashes and dots in paths',
      layers: [[file('./usr//lib/a', 1 * MB)], [whiteout('usr/lib/')]],
      wasted: [wasted('usr/lib/a', 1 * MB, 0, 1, 'deleted')],
      final: [],
    },
  ])('$name', ({ layers, wasted: expected, final }) => {
    const analysis = analyseImage(layers);
    const wastedBytes = expected.reduce((sum, version) => sum + version.bytes, 0);
    const total = totalOf(layers);
    expect(analysis.wasted).toEqual(expected);
    expect(analysis.wastedBytes).toBe(wastedBytes);
    expect(analysis.efficiency).toBeCloseTo(total ? 1 - wastedBytes / total : 1, 12);
    expect(finalPaths(layers)).toEqual(final);
  });

  test('30 MB deleted later: the numbers', () => {
    const analysis = analyseImage([
      [file('big', 30 * MB), file('small', 10 * MB)],
      [whiteout('big')],
    ]);
    expect(analysis.wastedBytes).toBe(30_000_000);
    expect(analysis.efficiency).toBeCloseTo(0.25, 12);
    expect(analysis.wasted).toEqual([wasted('big', 30 * MB, 0, 1, 'deleted')]);
  });

  test('an empty image is fully efficient', () => {
    expect(analyseImage([])).toEqual({
      wastedBytes: 0,
      efficiency: 1,
      wasted: [],
      layers: [],
    });
    expect(analyseImage([[], [dir('etc')]]).efficiency).toBe(1);
  });

  test('the wasted list keeps the largest versions, ties by path', () => {
    const lower = ['e', 'd', 'c', 'b', 'a'].map((path) => file(path, 1 * MB));
    const analysis = analyseImage(
      [[...lower, file('z', 9)], ['e', 'd', 'c', 'b', 'a', 'z'].map(whiteout)],
      { topWasted: 3 },
    );
    expect(analysis.wasted.map((version) => version.path)).toEqual(['a', 'b', 'c']);
    expect(analysis.wastedBytes).toBe(5 * MB + 9);
  });
});

describe('analyseImage: per layer', () => {
  test('largest files and directories, ties by path, root excluded', () => {
    const analysis = analyseImage(
      [
        [
          dir('usr'),
          file('usr/lib/b.so', 3 * MB),
          file('usr/lib/a.so', 3 * MB),
          file('usr/bin/tool', 2 * MB),
          file('top.bin', 4 * MB),
          file('opt/x/y/z.dat', 5 * MB),
          file('empty', 0),
          symlink('usr/lib/link.so'),
        ],
        [whiteout('top.bin')],
      ],
      { topFiles: 3, topDirectories: 4 },
    );
    expect(analysis.layers).toHaveLength(2);
    expect(analysis.layers[0]).toEqual({
      largestFiles: [
        { path: 'opt/x/y/z.dat', bytes: 5 * MB },
        { path: 'top.bin', bytes: 4 * MB },
        { path: 'usr/lib/a.so', bytes: 3 * MB },
      ],
      largestDirectories: [
        { path: 'usr', bytes: 8 * MB },
        { path: 'usr/lib', bytes: 6 * MB },
        { path: 'opt', bytes: 5 * MB },
        { path: 'opt/x', bytes: 5 * MB },
      ],
    });
    // A layer's own content is listed whatever later layers do with it; markers weigh nothing.
    expect(analysis.layers[1]).toEqual({ largestFiles: [], largestDirectories: [] });
  });

  test('defaults: 10 files, 10 directories, 20 wasted versions', () => {
    const records = Array.from({ length: 30 }, (_, index) =>
      file(`d${String(index).padStart(2, '0')}/f`, 1000 + index),
    );
    const analysis = analyseImage([records, records]);
    expect(analysis.layers[0]?.largestFiles).toHaveLength(10);
    expect(analysis.layers[0]?.largestFiles[0]).toEqual({ path: 'd29/f', bytes: 1029 });
    expect(analysis.layers[0]?.largestDirectories).toHaveLength(10);
    expect(analysis.wasted).toHaveLength(20);
    expect(analysis.wasted[0]).toEqual(wasted('d29/f', 1029, 0, 1, 'overwritten'));
  });
});

describe('topN', () => {
  test.each([
    [[5, 1, 4, 2, 3], 3, [1, 2, 3]],
    [[5, 1, 4], 10, [1, 4, 5]],
    [[5, 1, 4], 0, []],
    [[2, 2, 1, 1], 3, [1, 1, 2]],
  ])('%j, n=%i', (items, n, expected) => {
    expect(topN(items, n, (a, b) => a - b)).toEqual(expected);
  });
});

describe('analyseImage: scale', () => {
  test('200k records complete', () => {
    const base: LayerFileRecord[] = [];
    for (let d = 0; d < 1000; d += 1) {
      base.push(dir(`usr/share/pkg${d}`));
      for (let f = 0; f < 99; f += 1) base.push(file(`usr/share/pkg${d}/file${f}`, 1000 + f));
    }
    // Overwrites every file of half the directories.
    const upgrade = base.filter((_, index) => index % 200 < 100);
    // Deletes a tenth of the directories, and empties another tenth.
    const cleanup: LayerFileRecord[] = [];
    for (let d = 0; d < 1000; d += 10) cleanup.push(whiteout(`usr/share/pkg${d}`));
    for (let d = 5; d < 1000; d += 10) cleanup.push(opaque(`usr/share/pkg${d}`));
    const added = Array.from({ length: 50_000 }, (_, index) =>
      file(`opt/app/${index % 100}/${index}.dat`, 10),
    );
    const layers = [base, upgrade, cleanup, added];
    expect(layers.reduce((sum, layer) => sum + layer.length, 0)).toBeGreaterThan(200_000);

    const analysis = analyseImage(layers);
    const perDirectory = Array.from({ length: 99 }, (_, f) => 1000 + f).reduce((a, b) => a + b);
    // 500 directories overwritten once; 200 of all directories removed in the last layer.
    expect(analysis.wastedBytes).toBe(500 * perDirectory + 200 * perDirectory);
    expect(analysis.layers[0]?.largestDirectories[0]?.path).toBe('usr');
    expect(analysis.layers[3]?.largestDirectories[0]).toEqual({ path: 'opt', bytes: 500_000 });
    expect(stackLayers(layers).finalFiles).toHaveLength(800 * 99 + 50_000);
  });
});
