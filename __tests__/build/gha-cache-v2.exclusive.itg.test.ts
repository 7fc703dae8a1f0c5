import { MemoryLog } from '../support/memory-log.js';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { runGate, type GateRun } from '../../src/pipeline.js';
import { DEBIAN_BASE, engineOrSkip, tempDirectory } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';
import { startFakeActionsCache, unsignedJwt } from '../support/fake-actions-cache.js';
import {
  startFakeActionsCacheV2,
  type FakeActionsCacheV2,
} from '../support/fake-actions-cache-v2.js';

/**
 * The GitHub Actions cache as github.com serves it today (protocol v2: Twirp calls plus signed
 * Azure Blob URLs), through buildx 0.29 and the BuildKit inside Docker 28, on both image stores.
 * Only the cache service is fake; the engines, buildx and every image are real.
 */
const engines = await engines28OrSkip();
const containerdEngine = engines.find((engine) => engine.name === '28c');
const classicEngine = engines.find((engine) => engine.name === '28');
const engine26 = await engine26OrSkip();
const dockerA = await engineOrSkip();

const SERVICES = ['cached-a', 'cached-b'] as const;

interface Project {
  readonly root: string;
}

/** Two services whose RUN step nobody else builds, so nothing of them is cached anywhere yet. */
async function makeProject(label: string): Promise<Project> {
  const root = await tempDirectory(label);
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
  return { root };
}

async function gate(
  engine: TestEngine,
  project: Project,
  cacheVariables: Readonly<Record<string, string>>,
  mode: 'update' | 'check',
): Promise<{ run: GateRun; log: MemoryLog }> {
  const env = { ...engine.env, ...cacheVariables };
  const values: Record<string, string> = {
    'working-directory': project.root,
    'report-file': path.join(project.root, 'report.json'),
    mode,
    parallel: '2',
  };
  const log = new MemoryLog();
  const run = await runGate(
    parseInputs((name) => values[name] ?? '', env, project.root),
    { docker: engine.docker, exec: engine.exec, log, env },
  );
  return { run, log };
}

/** What the runner sets on github.com today; buildx reads these, nothing goes into argv. */
function v2Variables(cache: FakeActionsCacheV2): Record<string, string> {
  return {
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: cache.resultsUrl,
    ACTIONS_RUNTIME_TOKEN: cache.token,
  };
}

/** A JWT shaped like the runner's, for another repository: the service does not know it. */
function anotherRepositorysToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    ac: JSON.stringify([{ Scope: 'refs/heads/elsewhere', Permission: 3 }]),
    nbf: now - 60,
    exp: now + 3600,
  });
}

/**
 * Refusals other than a second CreateCacheEntry for a key that exists: two services built side
 * by side upload the same base layer, and the real service answers the later one that way too.
 */
function refusedOtherThanDuplicates(cache: FakeActionsCacheV2) {
  return cache
    .refused()
    .filter(
      (refusal) =>
        !(refusal.code === 'already_exists' && refusal.path.endsWith('/CreateCacheEntry')),
    );
}

async function pruneBuildCacheAndImages(engine: TestEngine): Promise<void> {
  const prune = await engine.exec('docker', ['buildx', 'prune', '-af']);
  expect(prune.exitCode).toBe(0);
  for (const name of SERVICES) {
    await engine.docker
      .getImage(`image-size-gate/${name}:latest`)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

const describeOn28c = containerdEngine ? describe : describe.skip;
const describeOn28 = classicEngine ? describe : describe.skip;
const describeOn26 = engine26 ? describe : describe.skip;

/** The cache warnings of a run: each combination the runner can present gets exactly one. */
const cacheWarningsOf = (log: MemoryLog): string[] =>
  log.warnings.filter((warning) => /cache/i.test(warning));

describeOn28c(
  'the gha cache v2 through buildx 0.29 on Docker 28, containerd store (fake Actions cache service v2)',
  () => {
    const engine = containerdEngine?.buildx as TestEngine;
    let cache: FakeActionsCacheV2;
    let project: Project;
    let first: { run: GateRun; log: MemoryLog };

    beforeAll(async () => {
      cache = await startFakeActionsCacheV2();
      project = await makeProject('gha-cache-v2');
      first = await gate(engine, project, v2Variables(cache), 'update');
    }, 300_000);

    afterAll(async () => {
      await cache?.close();
    });

    test('each service writes its own scope through the v2 service, and no call is refused', () => {
      expect(first.run.verdict.passed).toBe(true);
      for (const service of first.run.verdict.services) {
        expect(service.build?.cache).toEqual({
          on: true,
          note: 'gha (service v2), read and write',
        });
        // Nothing was cached before: the RUN step was built.
        expect(service.build?.steps).toEqual({ total: 1, cached: 0 });
      }
      const keys = cache.committedKeys();
      for (const name of SERVICES) {
        expect(keys.some((key) => key.startsWith(`index-image-size-gate-${name}-`))).toBe(true);
      }
      expect(keys.some((key) => key.startsWith('buildkit-blob-1-sha256:'))).toBe(true);
      expect(refusedOtherThanDuplicates(cache)).toEqual([]);
      expect(first.log.warnings).toEqual([]);
    });

    test('after buildx prune, the second run restores the RUN steps from the v2 cache', async () => {
      await pruneBuildCacheAndImages(engine);
      const downloadsBefore = cache.downloadedKeys().length;

      const second = await gate(engine, project, v2Variables(cache), 'check');

      expect(second.run.verdict.passed).toBe(true);
      expect(second.run.verdict.total.change).toBe(0);
      for (const service of second.run.verdict.services) {
        expect(service.build?.steps).toEqual({ total: 1, cached: 1 });
      }
      const downloads = cache.downloadedKeys().slice(downloadsBefore);
      expect(downloads.some((key) => key.startsWith('buildkit-blob-1-sha256:'))).toBe(true);
      for (const name of SERVICES) {
        expect(downloads.some((key) => key.startsWith(`index-image-size-gate-${name}-`))).toBe(
          true,
        );
      }
      expect(refusedOtherThanDuplicates(cache)).toEqual([]);
    });

    test('a runner token that is no JWT costs the cache, never the build: one warning, each service built without it', async () => {
      const other = await makeProject('gha-cache-v2-malformed-token');
      const { run, log } = await gate(
        engine,
        other,
        { ...v2Variables(cache), ACTIONS_RUNTIME_TOKEN: 'not-a-token' },
        'update',
      );
      expect(run.verdict.passed).toBe(true);
      for (const service of run.verdict.services) {
        expect(service.error).toBeUndefined();
        expect(service.status).toBe('new');
        expect(service.current).toBeGreaterThan(0);
        expect(service.build?.cache).toEqual({
          on: false,
          note: 'off: BuildKit could not set up the gha cache (see the warning)',
        });
      }
      const cacheWarnings = log.warnings.filter((warning) => warning.includes('cache'));
      expect(cacheWarnings).toHaveLength(1);
      expect(cacheWarnings[0]).toContain('token is malformed');
      expect(cacheWarnings[0]).toContain('ACTIONS_RUNTIME_TOKEN');
    });

    test('a service that fails to build after the cache could not be set up says why its cache was off', async () => {
      const other = await makeProject('gha-cache-v2-malformed-token-broken');
      const broken = path.join(other.root, 'services', 'broken');
      await mkdir(broken, { recursive: true });
      await writeFile(path.join(broken, 'Dockerfile'), `FROM ${DEBIAN_BASE}\nRUN exit 3\n`);
      await writeFile(
        path.join(other.root, '.github', 'image-size.yml'),
        `services:\n${[...SERVICES, 'broken'].map((name) => `  ${name}:\n    context: services/${name}\n`).join('')}`,
      );
      const { run } = await gate(
        engine,
        other,
        { ...v2Variables(cache), ACTIONS_RUNTIME_TOKEN: 'not-a-token' },
        'update',
      );
      const failed = run.verdict.services.find((service) => service.name === 'broken');
      expect(failed?.status).toBe('error');
      expect(failed?.error).toContain('exit code: 3');
      expect(failed?.build?.cache).toEqual({
        on: false,
        note: 'off: BuildKit could not set up the gha cache (see the warning)',
      });
      for (const service of run.verdict.services.filter((service) => service.name !== 'broken')) {
        expect(service.error).toBeUndefined();
        expect(service.current).toBeGreaterThan(0);
      }
    });

    test('a well-formed token the service refuses costs the cache, never the build', async () => {
      const other = await makeProject('gha-cache-v2-refused-token');
      const refusedBefore = cache.unauthorized();
      const { run, log } = await gate(
        engine,
        other,
        { ...v2Variables(cache), ACTIONS_RUNTIME_TOKEN: anotherRepositorysToken() },
        'update',
      );
      expect(run.verdict.passed).toBe(true);
      for (const service of run.verdict.services) {
        expect(service.error).toBeUndefined();
        expect(service.status).toBe('new');
        expect(service.current).toBeGreaterThan(0);
        // BuildKit builds on without the refused restore and save (ignore-error=true); the
        // column says so.
        expect(service.build?.cache).toEqual({
          on: false,
          note: 'off: restoring failed: unauthenticated; saving failed: unauthenticated',
        });
      }
      expect(cache.unauthorized()).toBeGreaterThan(refusedBefore);
      const warnings = cacheWarningsOf(log);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('could neither be read nor saved for cached-');
      expect(warnings[0]).toContain('(unauthenticated)');
      expect(warnings[0]).toContain('ACTIONS_RUNTIME_TOKEN');
    });

    test('read-only cache (ACTIONS_CACHE_MODE=read) with a token that is no JWT: BuildKit builds on, the gate says the cache was not read', async () => {
      const other = await makeProject('gha-cache-v2-read-malformed-token');
      const { run, log } = await gate(
        engine,
        other,
        { ...v2Variables(cache), ACTIONS_RUNTIME_TOKEN: 'not-a-token', ACTIONS_CACHE_MODE: 'read' },
        'update',
      );
      expect(run.verdict.passed).toBe(true);
      for (const service of run.verdict.services) {
        expect(service.error).toBeUndefined();
        expect(service.current).toBeGreaterThan(0);
        expect(service.build?.cache?.on).toBe(false);
        expect(service.build?.cache?.note).toMatch(
          /^off: restoring failed: failed to configure gha cache importer: token is malformed/,
        );
      }
      const warnings = cacheWarningsOf(log);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('could not be read for cached-');
      expect(warnings[0]).toContain('token is malformed');
    });
  },
);

describeOn28c(
  'the gha cache v1 (GitHub Enterprise Server) through buildx 0.29 on Docker 28, containerd store (fake Actions cache service v1)',
  () => {
    test('a current buildx still speaks v1 when the runner names only ACTIONS_CACHE_URL', async () => {
      const engine = containerdEngine?.buildx as TestEngine;
      const cache = await startFakeActionsCache();
      try {
        const project = await makeProject('gha-cache-v1-new-buildx');
        const first = await gate(
          engine,
          project,
          { ACTIONS_CACHE_URL: cache.url, ACTIONS_RUNTIME_TOKEN: cache.token },
          'update',
        );
        expect(first.run.verdict.passed).toBe(true);
        expect(first.log.warnings).toEqual([]);
        for (const service of first.run.verdict.services) {
          expect(service.build?.cache).toEqual({
            on: true,
            note: 'gha (service v1), read and write',
          });
        }
        for (const name of SERVICES) {
          expect(
            cache.committedKeys().some((key) => key.startsWith(`index-image-size-gate-${name}-`)),
          ).toBe(true);
        }
        expect(cache.unauthorized()).toBe(0);
      } finally {
        await cache.close();
      }
    });
  },
);

describeOn28(
  'the gha cache v2 with the docker driver on Docker 28, classic store (fake Actions cache service v2)',
  () => {
    test('the gate says once that this builder cannot export cache, with the fix, and builds anyway', async () => {
      const engine = classicEngine?.buildx as TestEngine;
      const cache = await startFakeActionsCacheV2();
      try {
        const project = await makeProject('gha-cache-v2-classic');
        const { run, log } = await gate(engine, project, v2Variables(cache), 'update');

        expect(run.verdict.passed).toBe(true);
        const cacheWarnings = log.warnings.filter((warning) => /cache/i.test(warning));
        expect(cacheWarnings).toHaveLength(1);
        expect(cacheWarnings[0]).toContain('`docker` driver');
        expect(cacheWarnings[0]).toContain('docker/setup-buildx-action');
        expect(cacheWarnings[0]).toContain('containerd image store');
        for (const service of run.verdict.services) {
          expect(service.status).toBe('new');
          expect(service.current).toBeGreaterThan(0);
          expect(service.build?.cache?.on).toBe(false);
          expect(service.build?.cache?.note).toContain('docker driver');
          expect(service.build?.cache?.note).toContain('classic');
        }
        // Nothing reached the service: the cache flags were left out, not tried and failed.
        expect(cache.committedKeys()).toEqual([]);
        expect(cache.refused()).toEqual([]);
      } finally {
        await cache.close();
      }
    });
  },
);

describeOn26(
  'the gha cache v2 with buildx 0.13 on Docker 26, containerd store (fake Actions cache service v2)',
  () => {
    test('a buildx that predates v2 gets one warning naming the fix; the build goes on without the cache', async () => {
      const engine = engine26?.buildx as TestEngine;
      const cache = await startFakeActionsCacheV2();
      try {
        const project = await makeProject('gha-cache-v2-old-buildx');
        const { run, log } = await gate(engine, project, v2Variables(cache), 'update');

        expect(run.verdict.passed).toBe(true);
        const warnings = cacheWarningsOf(log);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('buildx 0.13.1 is older than 0.21.0');
        expect(warnings[0]).toContain('Docker Engine 26.1');
        expect(warnings[0]).toContain('docker/setup-buildx-action');
        for (const service of run.verdict.services) {
          expect(service.current).toBeGreaterThan(0);
          expect(service.build?.cache).toEqual({
            on: false,
            note: "off: buildx 0.13.1 predates GitHub's cache service v2",
          });
        }
        expect(cache.committedKeys()).toEqual([]);
        expect(cache.refused()).toEqual([]);
      } finally {
        await cache.close();
      }
    });
  },
);

describeOn28c('no cache variables at all, on Docker 28 with buildx 0.29 (containerd store)', () => {
  test('one warning naming the variables and how a step gets them; the cache column says which', async () => {
    const engine = containerdEngine?.buildx as TestEngine;
    const project = await makeProject('gha-cache-no-variables');
    const { run, log } = await gate(engine, project, {}, 'update');

    expect(run.verdict.passed).toBe(true);
    const warnings = cacheWarningsOf(log);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ACTIONS_RUNTIME_TOKEN');
    expect(warnings[0]).toContain('crazy-max/ghaction-github-runtime');
    for (const service of run.verdict.services) {
      expect(service.current).toBeGreaterThan(0);
      expect(service.build?.cache?.on).toBe(false);
      expect(service.build?.cache?.note).toContain('ACTIONS_RUNTIME_TOKEN');
    }
  });
});

(dockerA ? describe : describe.skip)(
  'the gha cache v2 without buildx, on Docker 20.10 (fake Actions cache service v2)',
  () => {
    test("one warning that names docker/setup-buildx-action; the engine's BuildKit builds without the cache", async () => {
      const engine = engine20(dockerA as NonNullable<typeof dockerA>);
      const cache = await startFakeActionsCacheV2();
      try {
        const project = await makeProject('gha-cache-v2-no-buildx');
        const { run, log } = await gate(engine, project, v2Variables(cache), 'update');

        expect(run.verdict.passed).toBe(true);
        const warnings = cacheWarningsOf(log);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('docker/setup-buildx-action');
        for (const service of run.verdict.services) {
          expect(service.current).toBeGreaterThan(0);
          expect(service.build?.cache).toEqual({
            on: false,
            note: "off: the engine's own BuildKit cannot use it",
          });
        }
        expect(cache.committedKeys()).toEqual([]);
      } finally {
        await cache.close();
      }
    });
  },
);
