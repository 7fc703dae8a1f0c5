import { describe, expect, it } from 'vitest';
import { measurementFromBaseline, type RecordedImage } from '../../src/measure/known-image.js';

const ID = `sha256:${'a'.repeat(64)}`;
const LAYERS = [
  { diffId: 'sha256:base', size: 1000, compressed: 400, instruction: 'FROM x', base: true },
  { diffId: 'sha256:own', size: 250, compressed: 100, instruction: 'COPY . /app', base: false },
];
const ENTRY: RecordedImage = {
  size: 1250,
  platform: 'linux/amd64',
  imageId: ID,
  wasted: 50,
  layers: LAYERS,
};
const IDENTITY = {
  imageId: ID,
  diffIds: ['sha256:base', 'sha256:own'],
  compressedBlobs: [410, 99],
};

describe('measurementFromBaseline', () => {
  it('takes sizes and instructions from the entry, blob sizes from the layout, base layers anew', () => {
    const measurement = measurementFromBaseline(ENTRY, IDENTITY, {
      analyse: true,
      baseLayerDiffIds: ['sha256:base'],
      baseImage: 'debian:12',
    });
    expect(measurement).toEqual({
      imageId: ID,
      size: 1250,
      compressed: 509,
      platform: 'linux/amd64',
      layers: [
        { ...LAYERS[0], compressed: 410 },
        { ...LAYERS[1], compressed: 99 },
      ],
      baseImage: 'debian:12',
      fromBaseline: { wastedBytes: 50 },
    });
  });

  it('on the engine path uses the remembered compressed sizes, marked as estimates', () => {
    const known = new Map([
      ['sha256:base', 400],
      ['sha256:own', 100],
    ]);
    const measurement = measurementFromBaseline(
      ENTRY,
      { ...IDENTITY, compressedBlobs: undefined },
      { knownCompressed: known },
    );
    expect(measurement).toMatchObject({ compressed: 500, compressedEstimated: true });
    // Without a base image, no layer is a base layer (as a full read decides it).
    expect(measurement?.layers.map((layer) => layer.base)).toEqual([false, false]);
    expect(measurement?.fromBaseline).toEqual({ wastedBytes: undefined });
  });

  it('in an OCI layout, takes a changed config (CMD, LABEL) over the same layers from the config', () => {
    const otherConfig = {
      ...IDENTITY,
      imageId: `sha256:${'d'.repeat(64)}`,
      config: { instructions: ['FROM x', 'COPY . /srv'], platform: 'linux/amd64' },
    };
    const measurement = measurementFromBaseline(ENTRY, otherConfig, { analyse: true });
    expect(measurement?.imageId).toBe(otherConfig.imageId);
    expect(measurement?.layers.map((layer) => layer.instruction)).toEqual([
      'FROM x',
      'COPY . /srv',
    ]);
    expect(measurement?.fromBaseline).toEqual({ wastedBytes: 50 });
    // An older entry without an image ID still stands in, since the layers are the same bytes.
    expect(
      measurementFromBaseline({ ...ENTRY, imageId: undefined }, otherConfig, {}),
    ).toBeDefined();
    expect(
      measurementFromBaseline(ENTRY, otherConfig, { platform: 'linux/arm64' }),
    ).toBeUndefined();
  });

  it.each([
    ['another image', ENTRY, { ...IDENTITY, imageId: `sha256:${'b'.repeat(64)}` }, {}],
    ['an entry without an image ID', { ...ENTRY, imageId: undefined }, IDENTITY, {}],
    ['other layers', ENTRY, { ...IDENTITY, diffIds: ['sha256:base', 'sha256:other'] }, {}],
    ['a size edited by hand', { ...ENTRY, size: 1000 }, IDENTITY, {}],
    [
      'an analysis the entry did not keep',
      { ...ENTRY, wasted: undefined },
      IDENTITY,
      { analyse: true },
    ],
    [
      'a compressed size a full read would estimate',
      ENTRY,
      { ...IDENTITY, compressedBlobs: undefined },
      { knownCompressed: new Map([['sha256:base', 400]]) },
    ],
    ['an entry without a platform', { ...ENTRY, platform: undefined }, IDENTITY, {}],
  ])('refuses %s: the image is read in full', (_, entry, identity, options) => {
    expect(measurementFromBaseline(entry, identity, options)).toBeUndefined();
  });
});
