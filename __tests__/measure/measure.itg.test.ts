import { readTar } from '../support/tar.js';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildWithEngine } from '../../src/build/engine.js';
import { measureEngineImage } from '../../src/measure/engine.js';
import { measureImageArchive, measureOciLayoutDirectory } from '../../src/measure/image-content.js';
import {
  DEBIAN_BASE,
  engineOrSkip,
  countWithTarStream,
  engineReportedSize,
  tempDirectory,
  writeFixture,
  type FixtureFile,
} from '../support/engine.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;

async function buildFixture(
  engine: Docker,
  name: string,
  dockerfile: string,
  files: Readonly<Record<string, FixtureFile>>,
): Promise<{ imageId: string; contentBytes: number }> {
  const context = await tempDirectory(name);
  const contentBytes = await writeFixture(context, files);
  await writeFile(path.join(context, 'Dockerfile'), dockerfile);
  const { reference } = await buildWithEngine(engine, {
    serviceName: name,
    build: { context, dockerfile: path.join(context, 'Dockerfile'), target: undefined, args: {} },
    globalBuildArgs: {},
    platform: undefined,
    tag: `image-size-gate-test/${name}:latest`,
    runTag: `image-size-gate-test/${name}:latest`,
  });
  // On the classic store the image ID is the config digest, which the measurement reports.
  const imageId = (await engine.getImage(reference).inspect()).Id;
  return { imageId, contentBytes };
}

describeWithEngine('measuring images built by the real engine', () => {
  const engine = docker as Docker;
  // Sizes straddle tar's 512-byte blocks, so counting block padding would show.
  const layerOne = { 'app/one.bin': 1, 'app/two.bin': 511, 'app/three.bin': 513 };
  // The symlink checks that a link counts no bytes, as in the engine's own BuildKit builds.
  const layerTwo = {
    'data/big.bin': 300_001,
    'data/nested/deep/small.txt': 'hello\n',
    'data/link': { symlinkTo: 'nested/deep/small.txt' },
  };
  const toolchainBytes = 5_000_000;
  const resultBytes = 4_321;
  let scratch: { imageId: string; contentBytes: number };
  let twoStage: { imageId: string; contentBytes: number };

  beforeAll(async () => {
    [scratch, twoStage] = await Promise.all([
      buildFixture(
        engine,
        'scratch-known-sizes',
        'FROM scratch\nCOPY app/ /app/\nCOPY data/ /data/\nENV EMPTY=layer\n',
        { ...layerOne, ...layerTwo },
      ),
      buildFixture(
        engine,
        'two-stage',
        [
          'FROM scratch AS builder',
          'COPY big/ /big/',
          'COPY small/ /small/',
          'FROM scratch',
          'COPY --from=builder /small/result.bin /result.bin',
          '',
        ].join('\n'),
        { 'big/toolchain.bin': toolchainBytes, 'small/result.bin': resultBytes },
      ),
    ]);
  });

  test('a FROM scratch image measures the sum of its file sizes, and equals the engine .Size', async () => {
    const measurement = await measureEngineImage(engine, scratch.imageId);
    const layerOneBytes = Object.values(layerOne).reduce((sum, size) => sum + size, 0);
    expect(measurement.size).toBe(scratch.contentBytes);
    expect(measurement.size).toBe(await engineReportedSize(engine, scratch.imageId));
    expect(measurement.imageId).toBe(scratch.imageId);
    expect(measurement.platform).toMatch(/^linux\//);
    expect(measurement.layers.map((layer) => layer.size)).toEqual([
      layerOneBytes,
      scratch.contentBytes - layerOneBytes,
    ]);
    expect(measurement.layers.map((layer) => layer.instruction)).toEqual([
      'COPY app/ /app/',
      'COPY data/ /data/',
    ]);
  });

  test('the diffIDs we compute are the ones the engine recorded', async () => {
    const measurement = await measureEngineImage(engine, scratch.imageId);
    const inspect = await engine.getImage(scratch.imageId).inspect();
    expect(measurement.layers.map((layer) => layer.diffId)).toEqual(inspect.RootFS.Layers);
  });

  test('a builder stage that the final stage does not copy from does not count', async () => {
    const measurement = await measureEngineImage(engine, twoStage.imageId);
    expect(measurement.size).toBe(resultBytes);
    expect(measurement.size).toBe(await engineReportedSize(engine, twoStage.imageId));
    expect(measurement.layers).toHaveLength(1);
  });

  test('an OCI layout directory with gzip layers (buildx type=oci output): same sizes, exact blob bytes', async () => {
    const fromEngine = await measureEngineImage(engine, scratch.imageId);
    const layout = await writeOciLayout(engine, scratch.imageId);
    const fromLayout = await measureOciLayoutDirectory(
      path.relative(process.cwd(), layout.directory),
    );
    expect(fromEngine.compressed).toBeUndefined();
    expect(fromLayout).toEqual({
      ...fromEngine,
      compressed: layout.layerBlobSizes.reduce((sum, size) => sum + size, 0),
      layers: fromEngine.layers.map((layer, index) => ({
        ...layer,
        compressed: layout.layerBlobSizes[index],
      })),
    });
  });

  test('the same OCI layout as one tar stream (Docker 25+ and containerd-store exports)', async () => {
    const layout = await writeOciLayout(engine, scratch.imageId);
    const archive = tar.pack(layout.directory) as unknown as AsyncIterable<Buffer>;
    expect(await measureImageArchive(archive)).toEqual(
      await measureOciLayoutDirectory(layout.directory),
    );
  });

  test('asking for a platform the image does not have is an error, not a silent pick', async () => {
    const layout = await writeOciLayout(engine, scratch.imageId);
    await expect(
      measureOciLayoutDirectory(layout.directory, { platform: 'linux/s390x' }),
    ).rejects.toThrow(/no linux\/s390x variant \(it has linux\/amd64\)/);
    await expect(
      measureEngineImage(engine, scratch.imageId, { platform: 'linux/s390x' }),
    ).rejects.toThrow(/is linux\/\w+, not linux\/s390x/);
  });

  test('a Debian root filesystem: our size is its regular-file bytes, counted independently', async (context) => {
    const present = await engine
      .getImage(DEBIAN_BASE)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!present) {
      if (process.env['CI']) {
        throw new Error(`${DEBIAN_BASE} is missing: scripts/ensure-test-base.sh imports it`);
      }
      context.skip();
    }
    const measurement = await measureEngineImage(engine, DEBIAN_BASE);
    const oracle = await countWithTarStream(engine, DEBIAN_BASE);
    expect(oracle.fileBytes).toBeGreaterThan(50_000_000);
    expect(measurement.size).toBe(oracle.fileBytes);
    // `docker import` stores a layer's size from the unpacked directory, which counts symlink
    // targets; BuildKit-built layers do not. The gap is exactly those bytes.
    expect(await engineReportedSize(engine, DEBIAN_BASE)).toBe(
      oracle.fileBytes + oracle.symlinkBytes,
    );
  });
});

/**
 * Rewrites an engine export as an OCI image layout with gzip-compressed layers and an
 * attestation manifest beside the image, as buildx writes with `--output type=oci,tar=false`.
 */
async function writeOciLayout(
  engine: Docker,
  imageId: string,
): Promise<{ directory: string; layerBlobSizes: number[] }> {
  const directory = await tempDirectory('oci-layout');
  const blobs = path.join(directory, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const files = new Map<string, Buffer>();
  const stream = (await engine.getImage(imageId).get()) as AsyncIterable<Buffer>;
  await readTar(stream, (header) => {
    if (header.type !== 'file') return undefined;
    const chunks: Buffer[] = [];
    return {
      write: (chunk) => void chunks.push(Buffer.from(chunk)),
      end: () => void files.set(header.name, Buffer.concat(chunks)),
    };
  });
  const exported = JSON.parse(String(files.get('manifest.json'))) as Array<{
    Config: string;
    Layers: string[];
  }>;
  const entry = exported[0];
  if (!entry) throw new Error('no manifest in the export');
  const writeBlob = async (content: Buffer): Promise<{ digest: string; size: number }> => {
    const hex = createHash('sha256').update(content).digest('hex');
    await writeFile(path.join(blobs, hex), content);
    return { digest: `sha256:${hex}`, size: content.length };
  };
  const config = await writeBlob(files.get(entry.Config) ?? Buffer.alloc(0));
  const layers = [];
  for (const layerPath of entry.Layers) {
    layers.push(await writeBlob(gzipSync(files.get(layerPath) ?? Buffer.alloc(0))));
  }
  const manifest = await writeBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((layer) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          ...layer,
        })),
      }),
    ),
  );
  const attestation = await writeBlob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] })),
  );
  await writeFile(
    path.join(directory, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );
  await writeFile(path.join(directory, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { directory, layerBlobSizes: layers.map((layer) => layer.size) };
}
