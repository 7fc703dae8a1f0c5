import { MemoryLog } from '../support/memory-log.js';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { runGate, type GateRun } from '../../src/pipeline.js';
import { DEBIAN_BASE, tempDirectory } from '../support/engine.js';
import { engine26OrSkip, type TestEngine } from '../support/engines.js';
import { startFakeActionsCache, type FakeActionsCache } from '../support/fake-actions-cache.js';

const engine26 = await engine26OrSkip();
const describeOn26 = engine26 ? describe : describe.skip;

const SERVICES = ['cached-a', 'cached-b'] as const;

async function gate(
  engine: TestEngine,
  root: string,
  cache: FakeActionsCache,
  mode: 'update' | 'check',
): Promise<{ run: GateRun; log: MemoryLog }> {
  // The runner's v1 variables, as GitHub Enterprise Server sets them; no url= or token= in argv.
  const env = {
    ...engine.env,
    ACTIONS_CACHE_URL: cache.url,
    ACTIONS_RUNTIME_TOKEN: cache.token,
  };
  const values: Record<string, string> = {
    'working-directory': root,
    'report-file': path.join(root, 'report.json'),
    mode,
    parallel: '2',
  };
  const log = new MemoryLog();
  const run = await runGate(
    parseInputs((name) => values[name] ?? '', env, root),
    {
      docker: engine.docker,
      exec: engine.exec,
      log,
      env,
    },
  );
  return { run, log };
}

describeOn26('the gha cache through a real BuildKit (fake Actions cache service, v1 API)', () => {
  const engine = engine26?.buildx as TestEngine;
  let cache: FakeActionsCache;
  let root: string;
  let first: { run: GateRun; log: MemoryLog };

  beforeAll(async () => {
    cache = await startFakeActionsCache();
    root = await tempDirectory('gha-cache');
    // A nonce nobody else builds, so nothing of it is in the engine's build cache yet.
    const nonce = randomBytes(8).toString('hex');
    for (const name of SERVICES) {
      const directory = path.join(root, 'services', name);
      await mkdir(directory, { recursive: true });
      await writeFile(
        path.join(directory, 'Dockerfile'),
        `FROM ${DEBIAN_BASE}\nRUN echo ${nonce}-${name} > /nonce && seq 1 40000 > /numbers.txt\n`,
      );
    }
    await mkdir(path.join(root, '.github'));
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      `services:\n${SERVICES.map((name) => `  ${name}:\n    context: services/${name}\n`).join('')}`,
    );
    first = await gate(engine, root, cache, 'update');
  }, 300_000);

  afterAll(async () => {
    await cache?.close();
  });

  test('each service writes its own scope, authorised by the runner token', () => {
    expect(first.run.verdict.passed).toBe(true);
    for (const service of first.run.verdict.services) {
      expect(service.build?.cache).toEqual({ on: true, note: 'gha (service v1), read and write' });
    }
    const keys = cache.committedKeys();
    for (const name of SERVICES) {
      expect(keys.some((key) => key.startsWith(`index-image-size-gate-${name}-`))).toBe(true);
    }
    expect(keys.some((key) => key.startsWith('buildkit-blob-1-sha256:'))).toBe(true);
    expect(cache.unauthorized()).toBe(0);
    // BuildKit's version is unknown on this build (v0.0.0+unknown): said, not held against it.
    expect(first.log.infos.join('\n')).toContain('"v0.0.0+unknown" is unknown');
    expect(first.log.warnings.join('\n')).not.toContain('cache is off');
  });

  test('after buildx prune and removing the images, the RUN steps come back from the cache', async () => {
    const prune = await engine.exec('docker', ['buildx', 'prune', '-af']);
    expect(prune.exitCode).toBe(0);
    for (const name of SERVICES) {
      // Measured from an OCI layout, nothing was loaded; remove whatever an older run left.
      await engine.docker
        .getImage(`image-size-gate/${name}:latest`)
        .remove({ force: true })
        .catch(() => undefined);
    }
    const downloadsBefore = cache.downloadedKeys().length;

    const second = await gate(engine, root, cache, 'check');

    expect(second.run.verdict.passed).toBe(true);
    expect(second.run.verdict.total.change).toBe(0);
    for (const service of second.run.verdict.services) {
      // From buildx's own rawjson output: the RUN step is marked cached.
      expect(service.build?.steps).toEqual({ total: 1, cached: 1 });
    }
    const downloads = cache.downloadedKeys().slice(downloadsBefore);
    expect(downloads.some((key) => key.startsWith('buildkit-blob-1-sha256:'))).toBe(true);
    for (const name of SERVICES) {
      expect(downloads.some((key) => key.startsWith(`index-image-size-gate-${name}-`))).toBe(true);
    }
  });
});
