import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LayerFileRecord } from '../../src/measure/analysis-types.js';
import { createLayerSink, type BlobContent } from '../../src/measure/blob.js';

let scratch = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-elf-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Builds the binaries with the machine's C compiler: real ELF files, not crafted bytes. */
async function compile(name: string, source: string, strip: boolean): Promise<void> {
  const file = path.join(scratch, `${name}.c`);
  await writeFile(file, source);
  // Big enough (a 64 KiB table) to be worth scanning.
  execFileSync('gcc', ['-O0', '-g', '-o', path.join(scratch, 'bin', name), file]);
  if (strip) execFileSync('strip', ['--strip-unneeded', path.join(scratch, 'bin', name)]);
}

async function layerRecords(): Promise<LayerFileRecord[]> {
  const tar = execFileSync('tar', ['-C', scratch, '-cf', '-', 'bin']);
  const reported: BlobContent[] = [];
  const sink = createLayerSink('none', (content) => reported.push(content), { collectFiles: true });
  for (let offset = 0; offset < tar.length; offset += 7_001) {
    await sink.write(tar.subarray(offset, offset + 7_001));
  }
  await sink.end();
  const content = reported[0];
  if (content?.kind !== 'layer') throw new Error('not read as a layer');
  return [...(content.stats.files ?? [])];
}

const PROGRAM = 'static char table[65536] = {1};\nint main(void) { return table[0]; }\n';
// A stripped program that merely contains the section name as data must not be flagged.
const NAMES_IN_DATA =
  'static char table[65536] = {1};\nconst char names[] = "x\\0.symtab\\0.debug_info\\0";\nint main(void) { return table[0] + names[0]; }\n';

describe('unstripped ELF binaries, told by their section header table', () => {
  beforeAll(async () => {
    await mkdir(path.join(scratch, 'bin'), { recursive: true });
    await compile('unstripped', PROGRAM, false);
    await compile('stripped', PROGRAM, true);
    await compile('names-in-data', NAMES_IN_DATA, true);
    await writeFile(path.join(scratch, 'bin', 'not-elf.txt'), 'x'.repeat(70_000));
  });

  test('only the binary that still has a symbol table is flagged', async () => {
    const records = await layerRecords();
    const flag = (name: string) => records.find((record) => record.path === `bin/${name}`);
    expect(flag('unstripped')?.unstrippedElf).toBe(true);
    expect(flag('stripped')?.unstrippedElf).toBe(false);
    expect(flag('names-in-data')?.unstrippedElf).toBe(false);
    expect(flag('not-elf.txt')?.unstrippedElf).toBe(false);
    const data = await readFile(path.join(scratch, 'bin', 'names-in-data'));
    expect(data.includes(Buffer.from('\0.symtab\0'))).toBe(true);
  });
});
