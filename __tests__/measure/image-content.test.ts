import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ImageFormatError,
  measureImageArchive,
  measureOciLayoutDirectory,
} from '../../src/measure/image-content.js';
import type { ImageMeasurement, LayerMeasurement } from '../../src/measure/types.js';
import { seededBytes } from '../support/bytes.js';

const TAR_ENV = { ...process.env, LC_ALL: 'C.UTF-8' };
const DETERMINISTIC_TAR = [
  '--format=gnu',
  '--sort=name',
  '--owner=0',
  '--group=0',
  '--numeric-owner',
  '--mtime=@0',
];

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) {
    await Promise.resolve();
    yield data.subarray(offset, offset + size);
  }
}

function runTar(args: readonly string[], cwd?: string): Buffer {
  return execFileSync('tar', args, { cwd, env: TAR_ENV, maxBuffer: 256 * 1024 * 1024 });
}

let scratch = '';
let counter = 0;

async function freshDirectory(prefix: string): Promise<string> {
  counter += 1;
  const directory = path.join(scratch, `${prefix}-${counter}`);
  await mkdir(directory, { recursive: true });
  return directory;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-image-content-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Layers

interface Layer {
  /** The uncompressed layer tar, made by GNU tar. */
  readonly tar: Buffer;
  /** sha256 of the tar, as rootfs.diff_ids holds it. */
  readonly diffId: string;
  /** Σ regular-file bytes written into the layer directory. */
  readonly size: number;
  readonly instruction: string;
  /** Where a content byte of the layer's first file sits in the tar (not in a header). */
  readonly contentOffset: number;
}

/** Writes files of the given sizes (and one symlink) to a directory and tars it as a layer. */
async function makeLayer(name: string, files: Readonly<Record<string, number>>): Promise<Layer> {
  const root = await freshDirectory(`layer-${name}`);
  let size = 0;
  for (const [file, bytes] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), seededBytes(bytes, `${name}/${file}`));
    size += bytes;
  }
  const [firstFile] = Object.keys(files);
  if (firstFile) await symlink(`/${firstFile}`, path.join(root, `link-${name}`));
  const tar = runTar([...DETERMINISTIC_TAR, '-cf', '-', '.'], root);
  const probe = firstFile ? seededBytes(64, `${name}/${firstFile}`) : Buffer.alloc(0);
  const contentOffset = tar.indexOf(probe) + 10;
  expect(contentOffset).toBeGreaterThan(512);
  return {
    tar,
    contentOffset,
    diffId: `sha256:${sha256Hex(tar)}`,
    size,
    instruction: `COPY ${name} /${name}`,
  };
}

interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const AMD64: PlatformSpec = { os: 'linux', architecture: 'amd64' };
const ARM64: PlatformSpec = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** An image config whose history has empty layers between the real ones. */
function imageConfig(layers: readonly Layer[], platform: PlatformSpec = AMD64): Buffer {
  const history: Array<{ created_by: string; empty_layer?: boolean }> = [
    { created_by: 'ARG VERSION=1', empty_layer: true },
  ];
  for (const layer of layers) {
    history.push({ created_by: `${layer.instruction} # buildkit` });
    history.push({ created_by: 'ENV STEP=done', empty_layer: true });
  }
  history.push({ created_by: 'CMD ["/app"]', empty_layer: true });
  return Buffer.from(
    JSON.stringify({
      ...platform,
      config: { Cmd: ['/app'] },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
      history,
    }),
  );
}

function expectedMeasurement(
  imageId: string,
  layers: readonly Layer[],
  platform: string,
  compressed?: readonly number[],
): ImageMeasurement {
  const measured: LayerMeasurement[] = layers.map((layer, index) => ({
    diffId: layer.diffId,
    size: layer.size,
    ...(compressed ? { compressed: compressed[index] ?? -1 } : {}),
    instruction: layer.instruction,
    base: false,
  }));
  return {
    imageId,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    ...(compressed
      ? {
          compressed: compressed.reduce((sum, bytes) => sum + bytes, 0),
        }
      : {}),
    platform,
    layers: measured,
  };
}

// ---------------------------------------------------------------------------------------------
// Docker < 25 `docker save`

interface LegacyOptions {
  /** How a layer identical to an earlier one is stored; docker writes a symlink. */
  readonly duplicateAs?: 'symlink' | 'hardlink';
  /** Flips one content byte of this layer's tar after its diff_id was taken. */
  readonly corruptLayer?: number;
  readonly platform?: PlatformSpec;
}

async function dockerLegacyArchive(
  layers: readonly Layer[],
  options: LegacyOptions = {},
): Promise<{ archive: Buffer; imageId: string }> {
  const root = await freshDirectory('legacy');
  const ids: string[] = [];
  const written = new Map<string, string>();
  let parent = '';
  for (const [index, layer] of layers.entries()) {
    const id = sha256Hex(`${parent}:${layer.diffId}:${index}`);
    ids.push(id);
    await mkdir(path.join(root, id));
    await writeFile(path.join(root, id, 'VERSION'), '1.0');
    await writeFile(
      path.join(root, id, 'json'),
      JSON.stringify({ id, ...(parent ? { parent } : {}), created: '1970-01-01T00:00:00Z' }),
    );
    const earlier = written.get(layer.diffId);
    const layerPath = path.join(root, id, 'layer.tar');
    if (earlier && options.duplicateAs === 'symlink') {
      await symlink(`../${earlier}/layer.tar`, layerPath);
    } else if (earlier && options.duplicateAs === 'hardlink') {
      await link(path.join(root, earlier, 'layer.tar'), layerPath);
    } else {
      const tar = Buffer.from(layer.tar);
      if (options.corruptLayer === index) {
        // Inside file content: the tar still reads, the hash differs.
        tar[layer.contentOffset] = (tar[layer.contentOffset] ?? 0) ^ 0xff;
      }
      await writeFile(layerPath, tar);
      written.set(layer.diffId, id);
    }
    parent = id;
  }
  const config = imageConfig(layers, options.platform);
  const configHex = sha256Hex(config);
  await writeFile(path.join(root, `${configHex}.json`), config);
  await writeFile(
    path.join(root, 'manifest.json'),
    JSON.stringify([
      {
        Config: `${configHex}.json`,
        RepoTags: ['fixture:latest'],
        Layers: ids.map((id) => `${id}/layer.tar`),
      },
    ]),
  );
  await writeFile(
    path.join(root, 'repositories'),
    JSON.stringify({ fixture: { latest: ids.at(-1) } }),
  );
  // docker save's order: layer directories, the config, then manifest.json and repositories.
  const archive = runTar(
    ['--format=gnu', '-cf', '-', ...ids, `${configHex}.json`, 'manifest.json', 'repositories'],
    root,
  );
  return { archive, imageId: `sha256:${configHex}` };
}

// ---------------------------------------------------------------------------------------------
// OCI layouts

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: PlatformSpec;
  readonly annotations?: Readonly<Record<string, string>>;
}

async function writeBlob(root: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const hex = sha256Hex(bytes);
  await mkdir(path.join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(root, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

async function writeJsonBlob(root: string, mediaType: string, value: unknown): Promise<Descriptor> {
  return writeBlob(root, mediaType, Buffer.from(JSON.stringify(value)));
}

interface WrittenImage {
  readonly manifest: Descriptor;
  readonly configDigest: string;
  readonly layerBlobs: readonly Descriptor[];
}

async function writeOciImage(
  root: string,
  layers: readonly Layer[],
  compression: 'none' | 'gzip',
  platform: PlatformSpec = AMD64,
): Promise<WrittenImage> {
  const layerBlobs: Descriptor[] = [];
  for (const layer of layers) {
    layerBlobs.push(
      compression === 'gzip'
        ? await writeBlob(
            root,
            'application/vnd.oci.image.layer.v1.tar+gzip',
            execFileSync('gzip', ['-n', '-c'], { input: layer.tar, maxBuffer: 256 * 1024 * 1024 }),
          )
        : await writeBlob(root, 'application/vnd.oci.image.layer.v1.tar', layer.tar),
    );
  }
  const config = await writeBlob(
    root,
    'application/vnd.oci.image.config.v1+json',
    imageConfig(layers, platform),
  );
  const manifest = await writeJsonBlob(root, 'application/vnd.oci.image.manifest.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: layerBlobs,
  });
  return { manifest, configDigest: config.digest, layerBlobs };
}

/** A BuildKit provenance attestation: its config has no rootfs, so measuring it would fail. */
async function writeAttestation(root: string, subject: string): Promise<Descriptor> {
  const statement = await writeBlob(
    root,
    'application/vnd.in-toto+json',
    Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [] })),
  );
  const config = await writeJsonBlob(root, 'application/vnd.oci.image.config.v1+json', {
    architecture: 'unknown',
    os: 'unknown',
    config: {},
  });
  const manifest = await writeJsonBlob(root, 'application/vnd.oci.image.manifest.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: [{ ...statement, annotations: { 'in-toto.io/predicate-type': 'slsa' } }],
  });
  return {
    ...manifest,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: {
      'vnd.docker.reference.digest': subject,
      'vnd.docker.reference.type': 'attestation-manifest',
    },
  };
}

async function writeIndexFiles(root: string, manifests: readonly Descriptor[]): Promise<void> {
  await writeFile(path.join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(root, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests,
    }),
  );
}

/** A nested image index blob, as BuildKit writes for images with attestations. */
async function writeImageIndex(
  root: string,
  manifests: readonly Descriptor[],
): Promise<Descriptor> {
  return writeJsonBlob(root, 'application/vnd.oci.image.index.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests,
  });
}

function packDirectory(root: string): Buffer {
  return runTar(['--format=gnu', '-cf', '-', '-C', root, '.']);
}

/** Measures a layout both ways: as a `docker save` stream and as a directory. */
async function measureBothWays(
  root: string,
  options: { platform?: string } = {},
): Promise<ImageMeasurement> {
  const fromArchive = await measureImageArchive(chunked(packDirectory(root), 65536), options);
  const fromDirectory = await measureOciLayoutDirectory(root, options);
  expect(fromDirectory).toStrictEqual(fromArchive);
  return fromArchive;
}

// ---------------------------------------------------------------------------------------------

let base: Layer;
let app: Layer;
let assets: Layer;
let armBase: Layer;

beforeAll(async () => {
  // Sizes straddle tar's 512-byte blocks and differ per layer, so a mix-up shows.
  base = await makeLayer('base', { 'bin/tool': 40_000, 'etc/conf': 511, 'etc/empty': 0 });
  app = await makeLayer('app', { 'app/main.js': 12_345, 'app/lib/a.js': 513, 'app/lib/b.js': 1 });
  assets = await makeLayer('assets', { 'srv/logo.png': 25_000 });
  armBase = await makeLayer('armbase', { 'bin/tool': 61_000, 'etc/conf': 700 });
});

describe('Docker < 25 `docker save` archives', () => {
  test.each([7, 512, 65536])('fed in chunks of %d bytes, sizes are exact', async (chunkSize) => {
    const { archive, imageId } = await dockerLegacyArchive([base, app, assets]);
    const measured = await measureImageArchive(chunked(archive, chunkSize));
    expect(measured).toStrictEqual(
      expectedMeasurement(imageId, [base, app, assets], 'linux/amd64'),
    );
    expect(measured.size).toBe(base.size + app.size + assets.size);
  });

  test.each(['symlink', 'hardlink'] as const)(
    'a layer stored once and linked (%s) is measured at each place it is used',
    async (duplicateAs) => {
      const { archive, imageId } = await dockerLegacyArchive([base, app, base], { duplicateAs });
      // The archive really holds the tar once, plus a link to it.
      const listing = execFileSync('tar', ['-tvf', '-'], { input: archive, encoding: 'utf8' });
      const linked = listing
        .split('\n')
        .filter((line) => line.endsWith('layer.tar') || line.includes('layer.tar ->'))
        .filter((line) => line.startsWith(duplicateAs === 'symlink' ? 'l' : 'h'));
      expect(linked).toHaveLength(1);
      const measured = await measureImageArchive(chunked(archive, 65536));
      expect(measured).toStrictEqual(
        expectedMeasurement(imageId, [base, app, base], 'linux/amd64'),
      );
    },
  );

  test('asking for another platform than the config names rejects', async () => {
    const { archive } = await dockerLegacyArchive([base]);
    const failure = measureImageArchive(chunked(archive, 65536), { platform: 'linux/arm64' });
    await expect(failure).rejects.toThrow(ImageFormatError);
    await expect(failure).rejects.toThrow(/linux\/amd64.*linux\/arm64/);
  });

  test('asking for the platform the config names (without its variant) measures it', async () => {
    const { archive, imageId } = await dockerLegacyArchive([armBase], { platform: ARM64 });
    await expect(
      measureImageArchive(chunked(archive, 65536), { platform: 'linux/arm64' }),
    ).resolves.toStrictEqual(expectedMeasurement(imageId, [armBase], 'linux/arm64/v8'));
  });
});

describe('OCI layouts', () => {
  test('Docker ≥ 25 (blobs, index.json, oci-layout and manifest.json), uncompressed', async () => {
    const root = await freshDirectory('docker25');
    const image = await writeOciImage(root, [base, app], 'none');
    await writeIndexFiles(root, [
      {
        ...image.manifest,
        annotations: { 'io.containerd.image.name': 'docker.io/library/fixture:latest' },
      },
    ]);
    await writeFile(
      path.join(root, 'manifest.json'),
      JSON.stringify([
        {
          Config: `blobs/sha256/${image.configDigest.slice('sha256:'.length)}`,
          RepoTags: ['fixture:latest'],
          Layers: image.layerBlobs.map(
            (blob) => `blobs/sha256/${blob.digest.slice('sha256:'.length)}`,
          ),
        },
      ]),
    );
    const archive = runTar(
      ['--format=gnu', '-cf', '-', 'blobs', 'index.json', 'manifest.json', 'oci-layout'],
      root,
    );
    for (const chunkSize of [7, 65536]) {
      expect(await measureImageArchive(chunked(archive, chunkSize))).toStrictEqual(
        expectedMeasurement(image.configDigest, [base, app], 'linux/amd64'),
      );
    }
  });

  test('containerd style: gzip layers and no manifest.json; compressed is the blob length', async () => {
    const root = await freshDirectory('containerd');
    const image = await writeOciImage(root, [base, app, assets], 'gzip');
    await writeIndexFiles(root, [image.manifest]);
    const gzipLengths = image.layerBlobs.map((blob) => blob.size);
    // The sizes are really the gzip files: each is smaller than its tar and has gzip's magic.
    for (const [index, blob] of image.layerBlobs.entries()) {
      const bytes = await readFile(
        path.join(root, 'blobs', 'sha256', blob.digest.slice('sha256:'.length)),
      );
      expect(bytes.length).toBe(gzipLengths[index]);
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    }
    const measured = await measureBothWays(root);
    expect(measured).toStrictEqual(
      expectedMeasurement(image.configDigest, [base, app, assets], 'linux/amd64', gzipLengths),
    );
    expect(measured.compressed).toBe(gzipLengths.reduce((sum, bytes) => sum + bytes, 0));
  });

  test('a mix of gzip and uncompressed layers has no image-wide compressed size', async () => {
    const root = await freshDirectory('mixed');
    const gzipped = await writeOciImage(root, [base], 'gzip');
    const plain = await writeOciImage(root, [base, app], 'none');
    const manifest = await writeJsonBlob(root, 'application/vnd.oci.image.manifest.v1+json', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: plain.configDigest },
      layers: [gzipped.layerBlobs[0], plain.layerBlobs[1]],
    });
    await writeIndexFiles(root, [manifest]);
    const measured = await measureBothWays(root);
    expect(measured.compressed).toBeUndefined();
    expect(measured.layers.map((layer) => layer.compressed)).toEqual([
      gzipped.layerBlobs[0]?.size,
      undefined,
    ]);
    expect(measured.size).toBe(base.size + app.size);
  });

  test('an attestation manifest listed first is skipped', async () => {
    const root = await freshDirectory('attestation');
    const image = await writeOciImage(root, [base, assets], 'gzip');
    const attestation = await writeAttestation(root, image.manifest.digest);
    const nested = await writeImageIndex(root, [
      attestation,
      { ...image.manifest, platform: AMD64 },
    ]);
    await writeIndexFiles(root, [nested]);
    const expected = expectedMeasurement(
      image.configDigest,
      [base, assets],
      'linux/amd64',
      image.layerBlobs.map((blob) => blob.size),
    );
    expect(await measureBothWays(root)).toStrictEqual(expected);
    expect(await measureBothWays(root, { platform: 'linux/amd64' })).toStrictEqual(expected);
  });

  test.each([
    [
      'only the annotation',
      (descriptor: Descriptor): Descriptor => ({ ...descriptor, platform: AMD64 }),
    ],
    [
      'only the unknown/unknown platform',
      (descriptor: Descriptor): Descriptor => ({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        platform: { os: 'unknown', architecture: 'unknown' },
      }),
    ],
  ])('an attestation marked by %s is skipped too', async (_what, mark) => {
    const root = await freshDirectory('attestation-marks');
    const image = await writeOciImage(root, [app], 'none');
    const attestation = mark(await writeAttestation(root, image.manifest.digest));
    await writeIndexFiles(root, [attestation, image.manifest]);
    expect(await measureBothWays(root)).toStrictEqual(
      expectedMeasurement(image.configDigest, [app], 'linux/amd64'),
    );
  });

  describe('a multi-platform index (amd64 + arm64)', () => {
    let root = '';
    let amd64: WrittenImage;
    let arm64: WrittenImage;

    beforeAll(async () => {
      root = await freshDirectory('multi-platform');
      amd64 = await writeOciImage(root, [base, app], 'gzip', AMD64);
      arm64 = await writeOciImage(root, [armBase, app], 'gzip', ARM64);
      const nested = await writeImageIndex(root, [
        { ...amd64.manifest, platform: AMD64 },
        { ...arm64.manifest, platform: ARM64 },
        await writeAttestation(root, amd64.manifest.digest),
        await writeAttestation(root, arm64.manifest.digest),
      ]);
      await writeIndexFiles(root, [nested]);
      // The two variants differ in size, so picking the wrong one shows.
      expect(base.size).not.toBe(armBase.size);
    });

    test('{ platform: linux/arm64 } measures the arm64 image', async () => {
      expect(await measureBothWays(root, { platform: 'linux/arm64' })).toStrictEqual(
        expectedMeasurement(
          arm64.configDigest,
          [armBase, app],
          'linux/arm64/v8',
          arm64.layerBlobs.map((blob) => blob.size),
        ),
      );
    });

    test('{ platform: linux/arm64/v8 } measures the arm64 image', async () => {
      const measured = await measureBothWays(root, { platform: 'linux/arm64/v8' });
      expect(measured.imageId).toBe(arm64.configDigest);
      expect(measured.size).toBe(armBase.size + app.size);
    });

    test('{ platform: linux/amd64 } measures the amd64 image', async () => {
      expect(await measureBothWays(root, { platform: 'linux/amd64' })).toStrictEqual(
        expectedMeasurement(
          amd64.configDigest,
          [base, app],
          'linux/amd64',
          amd64.layerBlobs.map((blob) => blob.size),
        ),
      );
    });

    test('{ platform: linux/s390x } rejects, naming the platforms there are', async () => {
      for (const measure of [
        () => measureImageArchive(chunked(packDirectory(root), 65536), { platform: 'linux/s390x' }),
        () => measureOciLayoutDirectory(root, { platform: 'linux/s390x' }),
      ]) {
        const failure = measure();
        await expect(failure).rejects.toThrow(ImageFormatError);
        await expect(failure).rejects.toThrow('linux/s390x');
        await expect(failure).rejects.toThrow('linux/amd64');
        await expect(failure).rejects.toThrow('linux/arm64/v8');
        await expect(failure).rejects.not.toThrow('unknown');
      }
    });

    test('{ platform: linux/arm64/v7 } does not match arm64/v8', async () => {
      await expect(measureOciLayoutDirectory(root, { platform: 'linux/arm64/v7' })).rejects.toThrow(
        ImageFormatError,
      );
    });
  });
});

describe('a partial multi-platform save (containerd store, one platform pulled)', () => {
  // `docker save` from the containerd store keeps the original index, to preserve its digest,
  // but only carries the manifests and layers of the platforms pulled (moby/moby#49473,
  // kubernetes-sigs/kind#3795). Official images often list linux/386 or others first.
  let root = '';
  let amd64: WrittenImage;

  beforeAll(async () => {
    root = await freshDirectory('partial');
    amd64 = await writeOciImage(root, [base, app], 'gzip', AMD64);
    const absent = (platform: PlatformSpec): Descriptor => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${sha256Hex(`absent ${JSON.stringify(platform)}`)}`,
      size: 1234,
      platform,
    });
    const nested = await writeImageIndex(root, [
      absent({ os: 'linux', architecture: '386' }),
      { ...amd64.manifest, platform: AMD64 },
      absent(ARM64),
    ]);
    await writeIndexFiles(root, [nested]);
  });

  test('asking for the platform it carries measures it', async () => {
    expect(await measureBothWays(root, { platform: 'linux/amd64' })).toStrictEqual(
      expectedMeasurement(
        amd64.configDigest,
        [base, app],
        'linux/amd64',
        amd64.layerBlobs.map((blob) => blob.size),
      ),
    );
  });

  // With no platform asked for (prebuilt `image:` services when the `platform` input is unset),
  // the first manifest the archive actually holds is the image, not the index's first entry.
  test('without a platform, the one platform the archive carries is measured', async () => {
    const measured = await measureOciLayoutDirectory(root);
    expect(measured.imageId).toBe(amd64.configDigest);
    expect(measured.size).toBe(base.size + app.size);
  });
});

describe('broken archives', () => {
  test('a layer whose sha256 is not the diff_id in the config rejects as corrupt', async () => {
    const { archive } = await dockerLegacyArchive([base, app], { corruptLayer: 1 });
    const failure = measureImageArchive(chunked(archive, 65536));
    await expect(failure).rejects.toThrow(ImageFormatError);
    await expect(failure).rejects.toThrow(/corrupt/);
    await expect(failure).rejects.toThrow(app.diffId);
  });

  test('a corrupt layer in an OCI layout directory rejects as corrupt', async () => {
    const root = await freshDirectory('corrupt-oci');
    const image = await writeOciImage(root, [base], 'none');
    await writeIndexFiles(root, [image.manifest]);
    const blobFile = path.join(
      root,
      'blobs',
      'sha256',
      image.layerBlobs[0]?.digest.slice('sha256:'.length) ?? '',
    );
    const bytes = await readFile(blobFile);
    bytes[base.contentOffset] = (bytes[base.contentOffset] ?? 0) ^ 0xff;
    await writeFile(blobFile, bytes);
    await expect(measureOciLayoutDirectory(root)).rejects.toThrow(/corrupt/);
    await expect(measureImageArchive(chunked(packDirectory(root), 65536))).rejects.toThrow(
      /corrupt/,
    );
  });

  test('an archive with neither manifest.json nor index.json rejects', async () => {
    const root = await freshDirectory('neither');
    const image = await writeOciImage(root, [base], 'none');
    expect(image.layerBlobs).toHaveLength(1);
    await writeFile(path.join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const failure = measureImageArchive(chunked(packDirectory(root), 65536));
    await expect(failure).rejects.toThrow(ImageFormatError);
    await expect(failure).rejects.toThrow(/manifest\.json.*index\.json/);
    await expect(measureOciLayoutDirectory(root)).rejects.toThrow(ImageFormatError);
  });

  test('an empty stream rejects', async () => {
    await expect(measureImageArchive(chunked(Buffer.alloc(0), 1))).rejects.toThrow(
      ImageFormatError,
    );
  });

  test('a layer missing from the archive rejects, naming it', async () => {
    const root = await freshDirectory('missing-layer');
    const image = await writeOciImage(root, [base, app], 'none');
    await writeIndexFiles(root, [image.manifest]);
    const missing = image.layerBlobs[1]?.digest.slice('sha256:'.length) ?? '';
    await rm(path.join(root, 'blobs', 'sha256', missing));
    await expect(measureOciLayoutDirectory(root)).rejects.toThrow(missing);
    await expect(measureImageArchive(chunked(packDirectory(root), 65536))).rejects.toThrow(
      /layer 2/,
    );
  });
});

describe('measureOciLayoutDirectory', () => {
  test('a relative directory path is resolved against the working directory', async () => {
    const root = await freshDirectory('relative');
    const image = await writeOciImage(root, [base, assets], 'gzip');
    await writeIndexFiles(root, [image.manifest]);
    const relative = path.relative(process.cwd(), root);
    expect(path.isAbsolute(relative)).toBe(false);
    expect(await measureOciLayoutDirectory(relative)).toStrictEqual(
      expectedMeasurement(
        image.configDigest,
        [base, assets],
        'linux/amd64',
        image.layerBlobs.map((blob) => blob.size),
      ),
    );
  });
});

describe('layers the baseline knows, in an OCI layout directory', () => {
  test('without the analysis they are not read: the size is the known one, the blob the file', async () => {
    const root = await freshDirectory('known-layers');
    const image = await writeOciImage(root, [base, assets], 'gzip');
    await writeIndexFiles(root, [image.manifest]);
    const full = await measureOciLayoutDirectory(root);
    const known = new Map([[base.diffId, base.size]]);
    // The same numbers as reading every layer.
    expect(await measureOciLayoutDirectory(root, { knownLayerSizes: known })).toStrictEqual(full);
    // A planted size shows the layer was not read (never do this outside a test).
    const planted = await measureOciLayoutDirectory(root, {
      knownLayerSizes: new Map([[base.diffId, 7]]),
    });
    expect(planted.layers.map((layer) => layer.size)).toEqual([7, assets.size]);
    expect(planted.layers.map((layer) => layer.compressed)).toEqual(
      image.layerBlobs.map((blob) => blob.size),
    );
    // The analysis needs every file: then every layer is read.
    const analysed = await measureOciLayoutDirectory(root, {
      knownLayerSizes: new Map([[base.diffId, 7]]),
      analyse: true,
    });
    expect(analysed.layers[0]?.size).toBe(base.size);
  });

  test('an uncompressed layer is read unless its compressed size is known too', async () => {
    const root = await freshDirectory('known-uncompressed');
    const image = await writeOciImage(root, [base, assets], 'none');
    await writeIndexFiles(root, [image.manifest]);
    const planted = new Map([[base.diffId, 7]]);
    const unknown = await measureOciLayoutDirectory(root, { knownLayerSizes: planted });
    expect(unknown.layers[0]?.size).toBe(base.size);
    const skipped = await measureOciLayoutDirectory(root, {
      knownLayerSizes: planted,
      knownCompressed: new Map([[base.diffId, 1_000]]),
    });
    expect(skipped.layers[0]).toMatchObject({ size: 7, compressed: 1_000 });
  });
});
