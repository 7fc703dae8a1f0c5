import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  parseBaseline,
  readBaseline,
  serializeBaseline,
  updateBaseline,
  writeBaselineAtomic,
} from '../../src/baseline/baseline.js';
import type { Baseline, BaselineEntry } from '../../src/baseline/types.js';
import { InputError } from '../../src/core/errors.js';
import type { ImageMeasurement } from '../../src/measure/types.js';
import { NO_PACKAGES } from '../support/fixtures.js';

// Lets one test make the final rename fail, as a full disk or a crash between steps would.
const faults = vi.hoisted(() => ({ failRename: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (faults.failRename) throw new Error('simulated rename failure');
      await actual.rename(from, to);
    },
  };
});

const FILE = '.github/image-size-baseline.json';
const KB = 1000;

function layer(size: number, instruction: string, base: boolean) {
  return { diffId: `sha256:${instruction.length}${size}`, size, instruction, base };
}

function entryOf(layerSizes: readonly number[], compressedShare = 3): BaselineEntry {
  const layers = layerSizes.map((size, index) =>
    layer(size, index === 0 ? 'FROM debian:bookworm-slim' : `RUN step ${index}`, index === 0),
  );
  const size = layerSizes.reduce((sum, bytes) => sum + bytes, 0);
  return {
    size,
    compressed: Math.round(size / compressedShare),
    platform: 'linux/amd64',
    layers,
  };
}

function measurementOf(layerSizes: readonly number[]): ImageMeasurement {
  const size = layerSizes.reduce((sum, bytes) => sum + bytes, 0);
  return {
    imageId: `sha256:${size}`,
    size,
    compressed: Math.round(size / 2),
    platform: 'linux/arm64',
    layers: layerSizes.map((bytes, index) => layer(bytes, `COPY part-${index} /`, false)),
  };
}

function expectInputError(run: () => unknown, expected: Partial<InputError>): InputError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect(caught).toMatchObject(expected);
  return caught as InputError;
}

const sample: Baseline = {
  version: 1,
  services: { worker: entryOf([70 * KB, 5 * KB]), api: entryOf([70 * KB, 30 * KB, 2 * KB]) },
};

describe('parseBaseline and serializeBaseline', () => {
  it('round-trips', () => {
    const text = serializeBaseline(sample);
    expect(parseBaseline(text, FILE)).toEqual(sample);
    expect(serializeBaseline(parseBaseline(text, FILE))).toBe(text);
  });

  it('sorts keys at every level, keeps layers in image order, 2-space, trailing newline', () => {
    const text = serializeBaseline({
      version: 1,
      services: {
        web: { size: 3, layers: [layer(2, 'FROM b', true), layer(1, 'COPY a', false)] },
        '10': { size: 1, layers: [] },
        '9': { size: 2, compressed: 1, layers: [] },
      },
    });
    expect(text).toBe(`{
  "services": {
    "10": {
      "layers": [],
      "size": 1
    },
    "9": {
      "compressed": 1,
      "layers": [],
      "size": 2
    },
    "web": {
      "layers": [
        {
          "base": true,
          "diffId": "sha256:62",
          "instruction": "FROM b",
          "size": 2
        },
        {
          "base": false,
          "diffId": "sha256:61",
          "instruction": "COPY a",
          "size": 1
        }
      ],
      "size": 3
    }
  },
  "version": 1
}
`);
  });

  it('is stable whatever order the services were added in', () => {
    const reversed: Baseline = {
      version: 1,
      services: Object.fromEntries(Object.entries(sample.services).reverse()),
    };
    expect(serializeBaseline(reversed)).toBe(serializeBaseline(sample));
  });

  it('accepts a byte-order mark and a hand-written entry without layers', () => {
    const parsed = parseBaseline('\uFEFF{"version": 1, "services": {"api": {"size": 5}}}', FILE);
    expect(parsed.services['api']).toEqual({ size: 5, layers: [] });
  });

  it('keeps a service named __proto__ as an ordinary entry', () => {
    const parsed = parseBaseline('{"version":1,"services":{"__proto__":{"size":7}}}', FILE);
    expect(Object.keys(parsed.services)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.services)).toBe(Object.prototype);
  });

  it('names the file, line and column of bad JSON', () => {
    const text = '{\n  "version": 1,\n  "services": {\n    "api": { "size" 5 }\n  }\n}\n';
    const error = expectInputError(() => parseBaseline(text, FILE), {
      file: FILE,
      key: 'line 4, column 21',
    });
    expect(error.message).toBe(
      `${FILE}: line 4, column 21: is not valid JSON: expected ':' (got "5 }\\n  }\\n}\\n")`,
    );
  });

  it.each([
    ['a trailing comma', '{"version": 1,}', 'line 1, column 15', 'a property name in quotes'],
    [
      'a cut-off file',
      '{"version": 1, "services": {',
      'line 1, column 29',
      'a property name in quotes',
    ],
    ['an empty file', '', 'line 1, column 1', 'a value'],
    ['text after the object', '{}\n{}', 'line 2, column 1', 'the end of the file'],
    ['a bad escape', '{"a\\x": 1}', 'line 1, column 4', 'a valid escape sequence'],
  ])('locates %s', (_label, text, key, expected) => {
    const error = expectInputError(() => parseBaseline(text, FILE), { file: FILE, key });
    expect(error.problem).toBe(`is not valid JSON: expected ${expected}`);
  });

  it.each([
    ['a list at the top', '[]', '(top level)', [], 'must be an object'],
    ['no version', '{"services": {}}', 'version', undefined, 'must be 1'],
    ['a string version', '{"version": "1", "services": {}}', 'version', '1', 'must be 1'],
    [
      'a newer version',
      '{"version": 2, "services": {}, "future": true}',
      'version',
      2,
      'is newer than this version of image-size-gate reads (1); upgrade the action',
    ],
    ['no services', '{"version": 1}', 'services', undefined, 'must be an object'],
    [
      'an unknown top-level key',
      '{"version": 1, "services": {}, "servics": {}}',
      'servics',
      {},
      'unknown key; did you mean `services`? known keys here: services, version',
    ],
    [
      'a size as a string',
      '{"version": 1, "services": {"api": {"size": "184MB"}}}',
      'services.api.size',
      '184MB',
      'must be a whole number of bytes (0 or more)',
    ],
    [
      'a negative size',
      '{"version": 1, "services": {"api": {"size": -1}}}',
      'services.api.size',
      -1,
      'must be a whole number of bytes (0 or more)',
    ],
    [
      'a fractional compressed size',
      '{"version": 1, "services": {"api": {"size": 1, "compressed": 0.5}}}',
      'services.api.compressed',
      0.5,
      'must be a whole number of bytes (0 or more)',
    ],
    [
      'a misspelt entry key',
      '{"version": 1, "services": {"api": {"size": 1, "compresed": 1}}}',
      'services.api.compresed',
      1,
      'unknown key; did you mean `compressed`? known keys here: compressed, imageId, layers, packages, platform, size, wasted',
    ],
    [
      'a dotted service name',
      '{"version": 1, "services": {"my.api": {"size": true}}}',
      'services["my.api"].size',
      true,
      'must be a whole number of bytes (0 or more)',
    ],
    [
      'layers that are not a list',
      '{"version": 1, "services": {"api": {"size": 1, "layers": {}}}}',
      'services.api.layers',
      {},
      'must be a list',
    ],
    [
      'a layer without a diffId',
      '{"version": 1, "services": {"api": {"size": 1, "layers": [{"size": 1, "instruction": "", "base": false}]}}}',
      'services.api.layers[0].diffId',
      undefined,
      'must be a string',
    ],
    [
      'a layer base flag as a string',
      '{"version": 1, "services": {"api": {"size": 1, "layers": [{"diffId": "d", "size": 1, "instruction": "", "base": "yes"}]}}}',
      'services.api.layers[0].base',
      'yes',
      'must be true or false',
    ],
    [
      'a platform that is not a string',
      '{"version": 1, "services": {"api": {"size": 1, "platform": 64}}}',
      'services.api.platform',
      64,
      'must be a string',
    ],
  ])('rejects %s naming the key and the value', (_label, text, key, value, problem) => {
    const error = expectInputError(() => parseBaseline(text, FILE), {
      file: FILE,
      key,
      problem,
    });
    expect(error.value).toEqual(value);
    expect(error.message.startsWith(`${FILE}: ${key}: ${problem} (got `)).toBe(true);
  });
});

describe('updateBaseline', () => {
  const previous: Baseline = {
    version: 1,
    services: {
      api: entryOf([70 * KB, 30 * KB]),
      worker: entryOf([70 * KB, 5 * KB]),
      retired: entryOf([10 * KB]),
    },
  };
  const measurements = new Map([['api', measurementOf([70 * KB, 40 * KB])]]);

  it('replaces measured services and keeps the ones this run did not measure', () => {
    const updated = updateBaseline(previous, measurements, {
      fullRun: false,
      knownServices: ['api', 'worker'],
    });
    expect(Object.keys(updated.services)).toEqual(['api', 'retired', 'worker']);
    expect(updated.services['worker']).toBe(previous.services['worker']);
    expect(updated.services['retired']).toBe(previous.services['retired']);
    expect(updated.services['api']).toEqual({
      size: 110 * KB,
      compressed: 55 * KB,
      platform: 'linux/arm64',
      layers: [layer(70 * KB, 'COPY part-0 /', false), layer(40 * KB, 'COPY part-1 /', false)],
    });
  });

  it('records the image ID (a config digest) and the wasted bytes, and reads them back', () => {
    const imageId = `sha256:${'c'.repeat(64)}`;
    const analysed: ImageMeasurement = {
      ...measurementOf([70 * KB, 40 * KB]),
      imageId,
      // Only the fields the baseline keeps; the rest of an analysis is the report's.
      analysis: { wastedBytes: 1_234, packages: NO_PACKAGES } as NonNullable<
        ImageMeasurement['analysis']
      >,
    };
    const updated = updateBaseline(previous, new Map([['api', analysed]]), {
      fullRun: false,
      knownServices: ['api'],
    });
    expect(updated.services['api']).toMatchObject({ imageId, wasted: 1_234 });
    const read = parseBaseline(serializeBaseline(updated), FILE);
    expect(read.services['api']).toMatchObject({ imageId, wasted: 1_234 });
    // An ID that is not a config digest is never written (the parser would refuse it).
    expect(updated.services['worker']?.imageId).toBeUndefined();
    expect(
      updateBaseline(previous, measurements, { fullRun: false, knownServices: [] }).services['api']
        ?.imageId,
    ).toBeUndefined();
    expectInputError(
      () =>
        parseBaseline(
          JSON.stringify({ version: 1, services: { api: { size: 1, imageId: 'sha256:abc' } } }),
          FILE,
        ),
      { file: FILE, key: 'services.api.imageId' },
    );
  });

  it('keeps package rows through an update without analysis only while the layers are the same', () => {
    const rows = [{ ecosystem: 'dpkg' as const, name: 'bash', version: '5.2', bytes: 1_000 }];
    const same = measurementOf([70 * KB, 40 * KB]);
    const withPackages: Baseline = {
      version: 1,
      services: { api: { ...entryOf([70 * KB, 40 * KB]), layers: same.layers, packages: rows } },
    };
    const options = { fullRun: false, knownServices: ['api'] };
    expect(
      updateBaseline(withPackages, new Map([['api', same]]), options).services['api']?.packages,
    ).toEqual(rows);
    const changed = measurementOf([70 * KB, 41 * KB]);
    expect(
      updateBaseline(withPackages, new Map([['api', changed]]), options).services['api']?.packages,
    ).toBeUndefined();
  });

  it('drops a service the repository no longer defines only on a full run', () => {
    const updated = updateBaseline(previous, measurements, {
      fullRun: true,
      knownServices: ['api', 'worker'],
    });
    expect(Object.keys(updated.services)).toEqual(['api', 'worker']);
  });

  it('keeps a known service whose build failed on a full run', () => {
    const updated = updateBaseline(previous, new Map(), {
      fullRun: true,
      knownServices: ['api', 'worker', 'retired'],
    });
    expect(updated).toEqual(previous);
  });

  it('adds new services and leaves out a compressed size that was not measured', () => {
    const withoutCompressed: ImageMeasurement = {
      imageId: 'sha256:new',
      size: 3 * KB,
      platform: 'linux/amd64',
      layers: [layer(3 * KB, 'COPY . /', false)],
    };
    const updated = updateBaseline(
      { version: 1, services: {} },
      new Map([['new', withoutCompressed]]),
      {
        fullRun: true,
        knownServices: ['new'],
      },
    );
    expect(updated.services['new']).not.toHaveProperty('compressed');
    expect(parseBaseline(serializeBaseline(updated), FILE)).toEqual(updated);
  });
});

describe('readBaseline and writeBaselineAtomic', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'baseline-test-'));
  });

  afterEach(async () => {
    faults.failRename = false;
    await chmod(directory, 0o755).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  it('reads a missing file as no baseline', async () => {
    await expect(readBaseline(join(directory, 'none.json'))).resolves.toBeUndefined();
  });

  it('refuses a directory as the baseline, naming it', async () => {
    await expect(readBaseline(directory)).rejects.toMatchObject({
      name: 'InputError',
      file: directory,
      problem: 'is not a regular file (a directory)',
    });
  });

  it('reports an invalid file with its path', async () => {
    const path = join(directory, 'baseline.json');
    await writeFile(path, '{"version": 3, "services": {}}\n');
    await expect(readBaseline(path)).rejects.toMatchObject({ file: path, key: 'version' });
  });

  it('writes the stable text, creating parent directories, and reads it back', async () => {
    const path = join(directory, 'nested', '.github', 'image-size-baseline.json');
    await writeBaselineAtomic(path, sample);
    expect(await readFile(path, 'utf8')).toBe(serializeBaseline(sample));
    await expect(readBaseline(path)).resolves.toEqual(sample);
    expect(await readdir(join(directory, 'nested', '.github'))).toEqual([
      'image-size-baseline.json',
    ]);
  });

  it('replaces an existing file and leaves no temporary files', async () => {
    const path = join(directory, 'baseline.json');
    await writeFile(path, 'old');
    await writeBaselineAtomic(path, sample);
    expect(await readFile(path, 'utf8')).toBe(serializeBaseline(sample));
    expect(await readdir(directory)).toEqual(['baseline.json']);
  });

  it('keeps the original and removes the temporary file when the final step fails', async () => {
    const path = join(directory, 'baseline.json');
    await writeFile(path, 'original');
    faults.failRename = true;
    await expect(writeBaselineAtomic(path, sample)).rejects.toThrow('simulated rename failure');
    expect(await readFile(path, 'utf8')).toBe('original');
    expect(await readdir(directory)).toEqual(['baseline.json']);
  });

  it('throws and leaves the directory alone when the target cannot be replaced', async () => {
    const path = join(directory, 'baseline.json');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'original');
    await expect(writeBaselineAtomic(path, sample)).rejects.toThrow();
    expect(await readFile(join(path, 'keep'), 'utf8')).toBe('original');
    expect(await readdir(directory)).toEqual(['baseline.json']);
  });

  it.skipIf(process.getuid?.() === 0)(
    'throws in a read-only directory and keeps the original intact',
    async () => {
      const path = join(directory, 'baseline.json');
      await writeFile(path, 'original');
      await chmod(directory, 0o555);
      await expect(writeBaselineAtomic(path, sample)).rejects.toThrow();
      expect(await readFile(path, 'utf8')).toBe('original');
      expect(await readdir(directory)).toEqual(['baseline.json']);
    },
  );

  it('never lets a concurrent reader see a partial file', async () => {
    const path = join(directory, 'baseline.json');
    const large: Baseline = {
      version: 1,
      services: Object.fromEntries(
        Array.from({ length: 200 }, (_, index) => [`service-${index}`, entryOf([KB, index * KB])]),
      ),
    };
    await writeBaselineAtomic(path, sample);
    const expected = new Set([serializeBaseline(sample), serializeBaseline(large)]);
    let writing = true;
    const writes = (async () => {
      for (let round = 0; round < 20; round += 1) {
        await writeBaselineAtomic(path, round % 2 === 0 ? large : sample);
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      expect(expected.has(await readFile(path, 'utf8'))).toBe(true);
      reads += 1;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect(await readdir(directory)).toEqual(['baseline.json']);
  });
});
