import { MemoryLog } from '../support/memory-log.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildWithEngine } from '../../src/build/engine.js';
import { execCommand } from '../../src/exec.js';
import type { ServiceResult, Verdict } from '../../src/compare/types.js';
import { parseInputs } from '../../src/inputs.js';
import { measureEngineImage } from '../../src/measure/engine.js';
import { GzipSizeEstimator } from '../../src/measure/gzip-size.js';
import { measureOciLayoutDirectory } from '../../src/measure/image-content.js';
import { runGate } from '../../src/pipeline.js';
import {
  DEBIAN_BASE,
  engineOrSkip,
  pseudoRandomBytes,
  tempDirectory,
  writeFixture,
} from '../support/engine.js';

const docker = await engineOrSkip();
const REGISTRY = '127.0.0.1:5000';

/**
 * These tests need the shared Debian base image (and a local registry), which `npm test`
 * provides as root. Elsewhere they skip loudly; in CI a missing prerequisite fails them.
 */
const debianPresent = docker
  ? await docker
      .getImage(DEBIAN_BASE)
      .inspect()
      .then(() => true)
      .catch(() => false)
  : false;
const registryPresent = await fetch(`http://${REGISTRY}/v2/`)
  .then((response) => response.ok)
  .catch(() => false);
const ci = Boolean(process.env['CI']);
if (docker && !ci && !(debianPresent && registryPresent)) {
  console.warn(
    `\n*** ${DEBIAN_BASE} or the registry on ${REGISTRY} is missing: some analysis tests are SKIPPED. Run \`npm test\` as root to provide them. ***\n`,
  );
}
const describeWithBase = docker && (debianPresent || ci) ? describe : describe.skip;
const describeWithRegistry =
  docker && ((debianPresent && registryPresent) || ci) ? describe : describe.skip;

async function requireDebianBase(engine: Docker): Promise<void> {
  const present = await engine
    .getImage(DEBIAN_BASE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!present) throw new Error(`${DEBIAN_BASE} is missing: run scripts/ensure-test-base.sh`);
}

/** A repository whose services are given as Dockerfiles (and files) under services/<name>. */
async function repository(
  services: Record<string, { dockerfile: string; files?: Record<string, number> }>,
  config = '',
): Promise<string> {
  const root = await tempDirectory('analysis-repo');
  const entries: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const directory = path.join(root, 'services', name);
    await mkdir(directory, { recursive: true });
    await writeFixture(directory, service.files ?? {});
    await writeFile(path.join(directory, 'Dockerfile'), service.dockerfile);
    entries.push(`  ${name}:\n    context: services/${name}`);
  }
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    `${config}services:\n${entries.join('\n')}\n`,
  );
  return root;
}

async function gate(
  engine: Docker,
  root: string,
  inputs: Record<string, string> = {},
): Promise<Verdict> {
  const values: Record<string, string> = {
    'working-directory': root,
    'report-file': path.join(root, 'report.json'),
    parallel: '2',
    ...inputs,
  };
  const run = await runGate(
    parseInputs((name) => values[name] ?? '', {}, root),
    {
      docker: engine,
      exec: execCommand,
      log: new MemoryLog(),
      env: {},
    },
  );
  return run.verdict;
}

function service(verdict: Verdict, name: string): ServiceResult {
  const found = verdict.services.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no service ${name} in the verdict`);
  return found;
}

function hintIds(result: ServiceResult): string[] {
  return result.measurement?.analysis?.hints.map((hint) => hint.id) ?? [];
}

describeWithBase('why it grew, on real images', () => {
  const engine = docker as Docker;
  beforeAll(async () => {
    await requireDebianBase(engine);
  });

  test('a 30 MB file added and deleted in a later layer is 30 MB of waste, named', async () => {
    const bigBytes = 30_000_000;
    const root = await repository({
      wasteful: {
        dockerfile: `FROM ${DEBIAN_BASE}\nCOPY big.bin /opt/data/big.bin\nRUN rm /opt/data/big.bin\n`,
        files: { 'big.bin': bigBytes },
      },
    });
    const verdict = await gate(engine, root);
    const wasteful = service(verdict, 'wasteful');
    const analysis = wasteful.measurement?.analysis;
    // Regular-file bytes: the tar's headers and padding are not waste, so it is exact.
    expect(analysis?.wastedBytes).toBe(bigBytes);
    expect(analysis?.wasted[0]).toMatchObject({
      path: 'opt/data/big.bin',
      bytes: bigBytes,
      how: 'deleted',
    });
    const size = wasteful.measurement?.size ?? 0;
    expect(analysis?.efficiency).toBeCloseTo(1 - bigBytes / size, 10);
    const hint = analysis?.hints.find((candidate) => candidate.id === 'deleted-later');
    expect(hint?.bytes).toBe(bigBytes);
    expect(hint?.examples[0]?.path).toBe('opt/data/big.bin');
  });

  test(
    'gcc and the apt lists in the final image are hinted with their bytes; a multi-stage build is not',
    { timeout: 600_000 },
    async () => {
      const install =
        'RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev';
      const root = await repository({
        toolchain: {
          dockerfile: [
            `FROM ${DEBIAN_BASE}`,
            install,
            'COPY hello.c /src/hello.c',
            'RUN gcc -O2 -o /usr/local/bin/hello /src/hello.c',
            'RUN mkdir -p /root/.cache/pip/http && head -c 3000000 /dev/urandom > /root/.cache/pip/http/wheel',
            '',
          ].join('\n'),
        },
        'multi-stage': {
          dockerfile: [
            `FROM ${DEBIAN_BASE} AS build`,
            install,
            'COPY hello.c /src/hello.c',
            'RUN mkdir -p /out && gcc -O2 -s -o /out/hello /src/hello.c',
            `FROM ${DEBIAN_BASE}`,
            'COPY --from=build /out/hello /usr/local/bin/hello',
            '',
          ].join('\n'),
        },
      });
      const source = 'int main(void) { return 0; }\n';
      await writeFile(path.join(root, 'services', 'toolchain', 'hello.c'), source);
      await writeFile(path.join(root, 'services', 'multi-stage', 'hello.c'), source);

      const verdict = await gate(engine, root);
      const toolchain = service(verdict, 'toolchain');
      const multiStage = service(verdict, 'multi-stage');
      expect(toolchain.status).toBe('new');
      expect(multiStage.status).toBe('new');

      const hints = toolchain.measurement?.analysis?.hints ?? [];
      const gcc = hints.find((hint) => hint.id === 'build-toolchain');
      expect(gcc?.bytes).toBeGreaterThan(10_000_000);
      expect(gcc?.examples.some((example) => /gcc|cc1/.test(example.path))).toBe(true);
      expect(gcc?.layers).toContain(1);
      const caches = hints.filter((hint) => hint.id === 'package-manager-cache');
      expect(caches.some((hint) => /apt/i.test(`${hint.title} ${hint.fix}`))).toBe(true);
      const pip = caches.find((hint) => /pip/i.test(hint.fix));
      expect(pip?.bytes).toBe(3_000_000);

      expect(hintIds(multiStage)).not.toContain('build-toolchain');
      expect(hintIds(multiStage)).not.toContain('package-manager-cache');
      // The toolchain layers are the difference between the two images.
      expect(toolchain.current ?? 0).toBeGreaterThan((multiStage.current ?? 0) + (gcc?.bytes ?? 0));
    },
  );

  test('the same service on another base image reports the change as a base change', async () => {
    // A second base: the Debian root filesystem plus one layer of 4 MB.
    const otherBaseContext = await tempDirectory('other-base');
    await writeFile(path.join(otherBaseContext, 'extra.bin'), pseudoRandomBytes(4_000_000, 'b'));
    await writeFile(
      path.join(otherBaseContext, 'Dockerfile'),
      `FROM ${DEBIAN_BASE}\nCOPY extra.bin /usr/share/extra.bin\n`,
    );
    const otherBase = 'image-size-gate-test/debian-plus:latest';
    await buildWithEngine(engine, {
      serviceName: 'other-base',
      build: {
        context: otherBaseContext,
        dockerfile: path.join(otherBaseContext, 'Dockerfile'),
        target: undefined,
        args: {},
      },
      globalBuildArgs: {},
      platform: undefined,
      tag: otherBase,
      runTag: otherBase,
    });

    const root = await repository({
      app: {
        dockerfile: `ARG BASE=${DEBIAN_BASE}\nFROM \${BASE}\nCOPY app.bin /app/app.bin\n`,
        files: { 'app.bin': 2_000_000 },
      },
    });
    await gate(engine, root, { mode: 'update' });
    const verdict = await gate(engine, root, { 'build-args': `BASE=${otherBase}` });

    const app = service(verdict, 'app');
    expect(app.change).toBe(4_000_000);
    expect(app.baseChange).toBe(4_000_000);
    expect(app.ownChange).toBe(0);
    expect(app.measurement?.baseImage).toBe(otherBase);
    expect(app.reasons.join('\n')).toMatch(
      /comes from the base image \(image-size-gate-test\/debian-plus:latest\)/,
    );
    expect(app.ownSize).toBe(2_000_000);
  });
});

describeWithRegistry('compressed sizes against a real registry', () => {
  const engine = docker as Docker;

  test('our gzip estimate is within 2% of what a push stores; the pushed blobs measure exactly', async () => {
    await requireDebianBase(engine);
    if (!registryPresent) {
      throw new Error(`no registry on ${REGISTRY}: run scripts/ensure-test-registry.sh`);
    }

    const repository = `${REGISTRY}/isg/debian`;
    await engine.getImage(DEBIAN_BASE).tag({ repo: repository, tag: 'test' });
    // The engine wants an X-Registry-Auth header even for a registry without auth.
    const push = await engine
      .getImage(`${repository}:test`)
      .push({}, undefined, { username: '', password: '', serveraddress: REGISTRY });
    await new Promise<void>((resolve, reject) => {
      engine.modem.followProgress(push, (error: Error | null, events: unknown[]) => {
        const failed = events.find(
          (event) => typeof event === 'object' && event !== null && 'error' in event,
        );
        if (error || failed) reject(error ?? new Error(JSON.stringify(failed)));
        else resolve();
      });
    });

    const manifestResponse = await fetch(`http://${REGISTRY}/v2/isg/debian/manifests/test`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    const manifest = (await manifestResponse.json()) as {
      config: { digest: string; size: number };
      layers: Array<{ digest: string; size: number; mediaType: string }>;
    };
    const pushedBytes = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);

    const estimated = await measureEngineImage(engine, DEBIAN_BASE, {
      createSizer: () => new GzipSizeEstimator(),
    });
    expect(estimated.compressedEstimated).toBe(true);
    const relative = Math.abs((estimated.compressed ?? 0) - pushedBytes) / pushedBytes;
    expect(relative).toBeLessThan(0.02);

    // The registry's own blobs, laid out as an OCI image: exact, to the byte.
    const layout = await tempDirectory('pulled-layout');
    const blobs = path.join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const download = async (digest: string): Promise<void> => {
      const response = await fetch(`http://${REGISTRY}/v2/isg/debian/blobs/${digest}`);
      await writeFile(
        path.join(blobs, digest.replace('sha256:', '')),
        Buffer.from(await response.arrayBuffer()),
      );
    };
    await download(manifest.config.digest);
    for (const layer of manifest.layers) await download(layer.digest);
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const { createHash } = await import('node:crypto');
    const manifestDigest = createHash('sha256').update(manifestBytes).digest('hex');
    await writeFile(path.join(blobs, manifestDigest), manifestBytes);
    await writeFile(
      path.join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            digest: `sha256:${manifestDigest}`,
            size: manifestBytes.length,
          },
        ],
      }),
    );
    const exact = await measureOciLayoutDirectory(layout);
    expect(exact.compressed).toBe(pushedBytes);
    expect(exact.compressedEstimated).toBeUndefined();
    expect(exact.size).toBe(estimated.size);
  });
});
