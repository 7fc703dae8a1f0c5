import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { attributePackages } from '../../../src/measure/packages/attribute.js';

const RUNS = 300;

/*
 * Random images from a small vocabulary of folders, so that paths collide often: random final
 * files, random dpkg lists (through a random `bin` link), random RECORDs and npm folders, nested
 * or not, all claiming overlapping paths. Whatever the databases say, each final file counts
 * exactly once, in one package or one unowned folder, and per-layer bytes add up.
 */

const SEGMENTS = ['usr', 'bin', 'lib', 'app', 'node_modules', 'a', '@s', 'x.py', 'site-packages'];
const relativePath = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('/'));

const finalFile = fc.record({
  path: relativePath,
  size: fc.nat({ max: 10_000 }),
  layer: fc.nat({ max: 4 }),
});

const image = fc.record({
  files: fc.uniqueArray(finalFile, { selector: (file) => file.path, maxLength: 40 }),
  dpkg: fc.array(fc.array(relativePath, { maxLength: 12 }), { maxLength: 4 }),
  records: fc.array(fc.array(relativePath, { maxLength: 6 }), { maxLength: 3 }),
  npmRoots: fc.array(fc.tuple(relativePath, fc.constantFrom('a', '@s/a')), { maxLength: 5 }),
  mergedUsr: fc.boolean(),
});

describe(`attributePackages on random images (fast-check, ${RUNS} runs)`, () => {
  it('counts every final file exactly once', () => {
    let ownedRuns = 0;
    let conflictRuns = 0;
    fc.assert(
      fc.property(image, ({ files, dpkg, records, npmRoots, mergedUsr }) => {
        const databases = new Map<string, Buffer>();
        const status = dpkg.map((_, index) => `Package: p${index}\nStatus: install ok installed\n`);
        databases.set('var/lib/dpkg/status', Buffer.from(status.join('\n')));
        dpkg.forEach((paths, index) => {
          const list = paths.map((path) => `/${path}`).join('\n');
          databases.set(`var/lib/dpkg/info/p${index}.list`, Buffer.from(list));
        });
        records.forEach((paths, index) => {
          const rows = paths.map((path) => `../${path},,`).join('\n');
          databases.set(`usr/site-packages/d${index}-1.dist-info/RECORD`, Buffer.from(rows));
        });
        for (const [parent, name] of npmRoots) {
          databases.set(`${parent}/node_modules/${name}/package.json`, Buffer.from('{}'));
        }
        const symlinks = new Map(mergedUsr ? [['bin', 'usr/bin']] : []);

        const inventory = attributePackages(files, databases, symlinks);

        const entries = [...inventory.packages, ...inventory.unowned];
        const bytes = (list: readonly { bytes: number }[]) =>
          list.reduce((total, entry) => total + entry.bytes, 0);
        expect(bytes(entries)).toBe(bytes(files.map((file) => ({ bytes: file.size }))));
        expect(entries.reduce((total, entry) => total + entry.files, 0)).toBe(files.length);
        for (const entry of entries) expect(bytes(entry.layers)).toBe(entry.bytes);
        expect(inventory.conflicts.length).toBeLessThanOrEqual(inventory.conflictCount);
        if (inventory.packages.some((usage) => usage.bytes > 0)) ownedRuns += 1;
        if (inventory.conflictCount > 0) conflictRuns += 1;
      }),
      { numRuns: RUNS },
    );
    // The vocabulary is small enough that the runs do exercise ownership and conflicts.
    expect(ownedRuns).toBeGreaterThan(RUNS / 10);
    expect(conflictRuns).toBeGreaterThan(RUNS / 100);
  });
});
