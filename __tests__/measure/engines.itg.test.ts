import { runGateOn } from '../support/gate.js';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tarStream from 'tar-stream';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ServiceResult } from '../../src/compare/types.js';
import type { GateRun } from '../../src/pipeline.js';
import {
  countWithTarStream,
  DEBIAN_BASE,
  engineOrSkip,
  tempDirectory,
  writeFixture,
} from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();
const all = docker && engine26 && engines28.length === 2;
const describeOnAll = all ? describe : describe.skip;

/**
 * The same Dockerfiles and the same base image on every build path: FROM scratch, a Debian base
 * with RUN, a deletion (whiteouts) and a multi-stage build. Expected sizes come from the files.
 */
const SCRATCH_BYTES = { 'files/a.bin': 300_000, 'files/b.bin': 45_678 };
const NUMBERS = 'seq 1 60000'; // 1..60000, one per line
const NUMBERS_BYTES = numbersBytes(60_000);

const DOCKERFILES: Readonly<Record<string, string>> = {
  'same-scratch': 'FROM scratch\nCOPY files/ /files/\n',
  'same-debian-run': `FROM ${DEBIAN_BASE}\nRUN ${NUMBERS} > /numbers.txt\n`,
  'same-deletion': `FROM ${DEBIAN_BASE}\nRUN ${NUMBERS} > /numbers.txt\nRUN rm -rf /usr/share/doc /numbers.txt\n`,
  'same-multi-stage': `FROM ${DEBIAN_BASE} AS build\nRUN ${NUMBERS} > /out.txt\nFROM scratch\nCOPY --from=build /out.txt /out.txt\n`,
};

/** A prebuilt `image:` service: the shared Debian base, imported into both engines. */
const PREBUILT = 'same-prebuilt';

interface EnginePath {
  readonly label: string;
  readonly engine: TestEngine;
  readonly inputs: Readonly<Record<string, string>>;
}

function numbersBytes(last: number): number {
  let bytes = 0;
  for (let value = 1; value <= last; value += 1) bytes += String(value).length + 1;
  return bytes;
}

async function createRepository(): Promise<string> {
  const root = await tempDirectory('engines-repo');
  for (const [name, dockerfile] of Object.entries(DOCKERFILES)) {
    const directory = path.join(root, 'services', name);
    await mkdir(directory, { recursive: true });
    if (name === 'same-scratch') await writeFixture(directory, SCRATCH_BYTES);
    await writeFile(path.join(directory, 'Dockerfile'), dockerfile);
  }
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    `services:\n${Object.keys(DOCKERFILES)
      .map((name) => `  ${name}:\n    context: services/${name}\n`)
      .join('')}  ${PREBUILT}:\n    image: ${DEBIAN_BASE}\n`,
  );
  return root;
}

async function measureOn(
  engine: TestEngine,
  template: string,
  inputs: Readonly<Record<string, string>>,
): Promise<GateRun> {
  // A copy per engine: each writes its own baseline.
  const root = await tempDirectory('engines-copy');
  await cp(template, root, { recursive: true });
  return runGateOn(engine, root, { mode: 'update', parallel: '4', ...inputs });
}

/** Σ of the layer descriptors' sizes in the saved image's manifest: what a push would send. */
async function manifestLayerBytes(engine: TestEngine, reference: string): Promise<number> {
  const extract = tarStream.extract();
  (await engine.docker.getImage(reference).get()).pipe(extract);
  const files = new Map<string, Buffer>();
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    // Only small JSON is kept: layers are counted by their descriptor, never read here.
    if (entry.header.size !== undefined && entry.header.size < 64 * 1024) {
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(chunks));
    } else entry.resume();
  }
  const read = (name: string): unknown => JSON.parse(files.get(name)?.toString('utf8') ?? 'null');
  const index = read('index.json') as { manifests: { digest: string }[] };
  const manifestDigest = index.manifests[0]?.digest ?? '';
  const manifest = read(`blobs/sha256/${manifestDigest.replace('sha256:', '')}`) as {
    layers: { size: number }[];
  };
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

const LATEST_TAGS = Object.keys(DOCKERFILES).map((name) => `image-size-gate/${name}:latest`);

async function removeLatestTags(engine: TestEngine): Promise<void> {
  for (const tag of LATEST_TAGS) {
    await engine.docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

async function latestTagsPresent(engine: TestEngine): Promise<string[]> {
  const present: string[] = [];
  for (const tag of LATEST_TAGS) {
    const found = await engine.docker
      .getImage(tag)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (found) present.push(tag);
  }
  return present;
}

function byName(run: GateRun): Map<string, ServiceResult> {
  return new Map(run.verdict.services.map((service) => [service.name, service]));
}

describeOnAll(
  'the same images measure the same on Docker 20.10 (classic), 26 (containerd) and 28 (both stores)',
  () => {
    /** Each build path, named; buildx on the containerd store is measured from an OCI layout. */
    const paths: EnginePath[] = all
      ? [
          { label: 'Docker 20.10 engine BuildKit', engine: engine20(docker), inputs: {} },
          ...[engine26, ...engines28].flatMap(({ buildx, engineOnly }): EnginePath[] => [
            // The docker driver on the classic store loads: it cannot export an OCI layout.
            ...(buildx.store === 'containerd'
              ? [{ label: `${buildx.label}, OCI layout`, engine: buildx, inputs: {} }]
              : []),
            { label: `${buildx.label}, loaded`, engine: buildx, inputs: { load: 'true' } },
            { label: engineOnly.label, engine: engineOnly, inputs: {} },
          ]),
        ]
      : [];
    const runs = new Map<string, GateRun>();
    let baseFileBytes = 0;
    /** Per OCI layout path, the `:latest` tags of these services that existed right after it. */
    const loadedAfterLayoutRun = new Map<string, string[]>();
    /** Per engine and service, Σ manifest layer sizes of the image `:latest` named right after. */
    const pushedBytes = new Map<string, number>();

    beforeAll(async () => {
      const template = await createRepository();
      if (docker) baseFileBytes = (await countWithTarStream(docker, DEBIAN_BASE)).fileBytes;
      // One path after the other: the paths of one engine tag the same `:latest` names.
      for (const { label, engine, inputs } of paths) {
        const fromLayout = label.endsWith('OCI layout');
        if (fromLayout) await removeLatestTags(engine);
        const run = await measureOn(engine, template, inputs);
        runs.set(label, run);
        if (fromLayout) loadedAfterLayoutRun.set(label, await latestTagsPresent(engine));
        // Loaded images only: an OCI layout is measured and deleted, never loaded.
        if (engine.store !== 'containerd' || fromLayout) continue;
        for (const service of run.verdict.services) {
          pushedBytes.set(
            `${label} ${service.name}`,
            await manifestLayerBytes(
              engine,
              service.name === PREBUILT ? DEBIAN_BASE : `image-size-gate/${service.name}:latest`,
            ),
          );
        }
      }
    }, 600_000);

    test('sizes equal the bytes the Dockerfiles put there, on every path', () => {
      for (const [label, run] of runs) {
        const services = byName(run);
        expect(
          run.verdict.services.map((service) => [service.name, service.status]),
          label,
        ).toEqual([...Object.keys(DOCKERFILES), PREBUILT].sort().map((name) => [name, 'new']));
        const scratch = services.get('same-scratch')?.measurement;
        expect(scratch?.size, label).toBe(300_000 + 45_678);
        const multiStage = services.get('same-multi-stage')?.measurement;
        expect(multiStage?.size, label).toBe(NUMBERS_BYTES);
        const run1 = services.get('same-debian-run')?.measurement;
        expect(run1?.layers.at(-1)?.size, label).toBe(NUMBERS_BYTES);
        // The base image's regular-file bytes, counted by tar-stream on the classic store.
        expect(services.get(PREBUILT)?.measurement?.size, label).toBe(baseFileBytes);
      }
    });

    test('buildx on the containerd store measures an OCI layout and loads nothing', () => {
      const layoutPaths = paths.filter(({ label }) => label.endsWith('OCI layout'));
      expect(layoutPaths.map(({ label }) => label)).toEqual([
        'Docker 26, containerd store, buildx, OCI layout',
        'Docker 28, containerd store, buildx, OCI layout',
      ]);
      for (const { label } of layoutPaths) {
        expect(runs.get(label)?.verdict.services, label).toHaveLength(5);
        expect(loadedAfterLayoutRun.get(label), label).toEqual([]);
      }
    });

    test('size, layer sizes and instructions are equal to the byte across engines', () => {
      const [reference, ...others] = [...runs.values()];
      const shape = (run: GateRun | undefined) =>
        run?.verdict.services.map((service) => ({
          name: service.name,
          size: service.measurement?.size,
          layers: service.measurement?.layers.map((layer) => [
            layer.size,
            layer.instruction,
            layer.base,
          ]),
        }));
      for (const other of others) expect(shape(other)).toEqual(shape(reference));
      // The deletion layer deletes: the base's docs and the numbers are gone from the total.
      const deletion = byName(reference as GateRun).get('same-deletion')?.measurement;
      const debianRun = byName(reference as GateRun).get('same-debian-run')?.measurement;
      expect(deletion?.layers.at(-1)?.size).toBe(0);
      expect(deletion?.layers.slice(0, -1).map((layer) => layer.size)).toEqual(
        debianRun?.layers.map((layer) => layer.size),
      );
    });

    test('on the containerd store the pull size is exact: the saved blobs, never an estimate', () => {
      const containerdPaths = paths.filter(({ engine }) => engine.store === 'containerd');
      const loaded = containerdPaths.filter(({ label }) => !label.endsWith('OCI layout'));
      expect(loaded).toHaveLength(4);
      for (const { label: path } of loaded) {
        for (const service of runs.get(path)?.verdict.services ?? []) {
          const label = `${path} ${service.name}`;
          const measurement = service.measurement;
          expect(measurement?.compressedEstimated ?? false, label).toBe(false);
          expect(measurement?.compressed, label).toBe(pushedBytes.get(label));
        }
      }
      // The OCI layout holds the same blobs BuildKit loads into the engine.
      const pullSizes = (path: string) =>
        runs
          .get(path)
          ?.verdict.services.map((service) => [
            service.measurement?.compressed,
            service.measurement?.compressedEstimated ?? false,
          ]);
      for (const engine of ['Docker 26', 'Docker 28']) {
        const buildx = `${engine}, containerd store, buildx`;
        expect(pullSizes(`${buildx}, OCI layout`), engine).toEqual(pullSizes(`${buildx}, loaded`));
      }
      // The classic store keeps no compressed blobs: there it is an estimate, and says so.
      const classicPaths = paths.filter(({ engine }) => engine.store === 'classic');
      expect(classicPaths).toHaveLength(3);
      for (const { label } of classicPaths) {
        const classic = runs.get(label);
        expect(
          classic?.verdict.services.every((service) => service.measurement?.compressedEstimated),
          label,
        ).toBe(true);
      }
    });
  },
);
