import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tarStream from 'tar-stream';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ServiceResult } from '../../src/compare/types.js';
import { parseInputs } from '../../src/inputs.js';
import { MemoryLog } from '../../src/log.js';
import { runGate, type GateRun } from '../../src/pipeline.js';
import { DEBIAN_BASE, engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20, engine26OrSkip, type TestEngine } from '../support/engines.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const all = docker && engine26;
const describeOnBoth = all ? describe : describe.skip;

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
      .join('')}`,
  );
  return root;
}

async function measureOn(engine: TestEngine, template: string): Promise<GateRun> {
  // A copy per engine: each writes its own baseline.
  const root = await tempDirectory('engines-copy');
  await cp(template, root, { recursive: true });
  const values: Record<string, string> = {
    'working-directory': root,
    'report-file': path.join(root, 'report.json'),
    mode: 'update',
    parallel: '4',
  };
  return runGate(
    parseInputs((name) => values[name] ?? '', engine.env, root),
    {
      docker: engine.docker,
      exec: engine.exec,
      log: new MemoryLog(),
      env: engine.env,
    },
  );
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

function byName(run: GateRun): Map<string, ServiceResult> {
  return new Map(run.verdict.services.map((service) => [service.name, service]));
}

describeOnBoth(
  'the same images measure the same on Docker 20.10 (classic) and 26 (containerd)',
  () => {
    const engines = all ? [engine20(docker), engine26.buildx, engine26.engineOnly] : [];
    const runs = new Map<string, GateRun>();
    /** Per engine and service, Σ manifest layer sizes of the image `:latest` named right after. */
    const pushedBytes = new Map<string, number>();

    beforeAll(async () => {
      const template = await createRepository();
      // One engine after the other: both Docker 26 paths tag the same `:latest` names.
      for (const engine of engines) {
        const run = await measureOn(engine, template);
        runs.set(engine.label, run);
        if (engine.store !== 'containerd') continue;
        for (const service of run.verdict.services) {
          pushedBytes.set(
            `${engine.label} ${service.name}`,
            await manifestLayerBytes(engine, `image-size-gate/${service.name}:latest`),
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
        ).toEqual(
          Object.keys(DOCKERFILES)
            .sort()
            .map((name) => [name, 'new']),
        );
        const scratch = services.get('same-scratch')?.measurement;
        expect(scratch?.size, label).toBe(300_000 + 45_678);
        const multiStage = services.get('same-multi-stage')?.measurement;
        expect(multiStage?.size, label).toBe(NUMBERS_BYTES);
        const run1 = services.get('same-debian-run')?.measurement;
        expect(run1?.layers.at(-1)?.size, label).toBe(NUMBERS_BYTES);
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
      for (const engine of [engine26?.buildx, engine26?.engineOnly]) {
        if (!engine) continue;
        const run = runs.get(engine.label);
        for (const service of run?.verdict.services ?? []) {
          const label = `${engine.label} ${service.name}`;
          const measurement = service.measurement;
          expect(measurement?.compressedEstimated ?? false, label).toBe(false);
          expect(measurement?.compressed, label).toBe(pushedBytes.get(label));
        }
      }
      // The classic store keeps no compressed blobs: there it is an estimate, and says so.
      const classic = runs.get(engines[0]?.label ?? '');
      expect(
        classic?.verdict.services.every((service) => service.measurement?.compressedEstimated),
      ).toBe(true);
    });
  },
);
