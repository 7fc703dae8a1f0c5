import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { GateRun } from '../../src/pipeline.js';
import { renderComment } from '../../src/report/comment.js';
import { escapeMarkdown } from '../../src/report/markdown.js';
import { engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';
import { runGateOn } from '../support/gate.js';
import { MemoryLog } from '../support/memory-log.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();
/** Every build path: the engine builds one platform at a time, buildx both in one OCI layout. */
const engines: TestEngine[] = [
  ...(docker ? [engine20(docker)] : []),
  ...(engine26 ? [engine26.buildx, engine26.engineOnly] : []),
  ...engines28.flatMap((engine) => [engine.buildx, engine.engineOnly]),
];

/** A different size per architecture: COPY needs no emulation, so arm64 builds anywhere. */
const FILE_BYTES = { amd64: 123_456, arm64: 234_567 } as const;
const SINGLE_BYTES = 50_000;
const BASELINE = '.github/image-size-baseline.json';

interface Repository {
  readonly root: string;
  readonly sizes: Readonly<Record<string, number>>;
}

async function createRepository(): Promise<Repository> {
  const root = await tempDirectory('platforms');
  const multi = path.join(root, 'multi');
  const sizes: Record<string, number> = {};
  for (const [architecture, bytes] of Object.entries(FILE_BYTES)) {
    sizes[`multi@linux/${architecture}`] = await writeFixture(multi, {
      [`files/${architecture}.bin`]: bytes,
    });
  }
  await writeFile(
    path.join(multi, 'Dockerfile'),
    'FROM scratch\nARG TARGETARCH\nCOPY files/${TARGETARCH}.bin /app.bin\n',
  );
  sizes['single'] = await writeFixture(path.join(root, 'single'), {
    'files/one.bin': SINGLE_BYTES,
  });
  await writeFile(path.join(root, 'single', 'Dockerfile'), 'FROM scratch\nCOPY files/ /files/\n');
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    [
      'defaults:',
      '  ignore-below: 1kB',
      'services:',
      '  multi:',
      '    context: multi',
      '    platforms: [linux/amd64, linux/arm64]',
      '  single:',
      '    context: single',
      '    platform: linux/amd64',
      '',
    ].join('\n'),
  );
  return { root, sizes };
}

function row(run: GateRun, name: string) {
  return run.verdict.services.find((service) => service.name === name);
}

describe.each(engines)('every platform of a service on $label', (engine) => {
  let repository: Repository;
  let update: GateRun;
  const log = new MemoryLog();

  beforeAll(async () => {
    repository = await createRepository();
    update = await runGateOn(engine, repository.root, { mode: 'update' }, log);
  });

  test('the arm64 and amd64 images are measured apart, each with its own file', () => {
    expect(update.verdict.services.map((service) => service.name)).toEqual([
      'multi@linux/amd64',
      'multi@linux/arm64',
      'single',
    ]);
    for (const [name, size] of Object.entries(repository.sizes)) {
      expect(row(update, name)?.current, name).toBe(size);
    }
    expect(row(update, 'multi@linux/arm64')?.measurement?.platform).toMatch(/^linux\/arm64/);
    expect(row(update, 'multi@linux/amd64')?.measurement?.platform).toBe('linux/amd64');
    const together = '⏳ multi (linux/amd64, linux/arm64): building with docker buildx';
    if (engine.buildx && engine.store === 'containerd') {
      // buildx builds both platforms in one build into one OCI layout.
      expect(log.infos).toContain(together);
    } else {
      // The docker driver on the classic store loads one platform at a time.
      expect(log.infos).not.toContain(together);
    }
  });

  test('the baseline keeps an entry per platform, and a check compares like with like', async () => {
    const written = JSON.parse(await readFile(path.join(repository.root, BASELINE), 'utf8')) as {
      services: Record<string, { size: number; platform: string }>;
    };
    expect(Object.keys(written.services)).toEqual([
      'multi@linux/amd64',
      'multi@linux/arm64',
      'single',
    ]);
    expect(written.services['multi@linux/arm64']?.size).toBe(repository.sizes['multi@linux/arm64']);
    const check = await runGateOn(engine, repository.root, {});
    expect(check.verdict.passed).toBe(true);
    expect(check.verdict.services.map((service) => [service.name, service.change])).toEqual([
      ['multi@linux/amd64', 0],
      ['multi@linux/arm64', 0],
      ['single', 0],
    ]);
    const comment = renderComment(check.verdict, { key: '', refreshHint: '', analyze: 'auto' });
    // A row per service and platform (`@` is followed by a zero-width space: never a mention).
    expect(comment).toContain(`| ${escapeMarkdown('multi@linux/amd64')} |`);
    expect(comment).toContain(`| ${escapeMarkdown('multi@linux/arm64')} |`);
  });

  test('a baseline written for one platform still reads: its entry is compared with that platform only', async () => {
    const amd64 = repository.sizes['multi@linux/amd64'] ?? 0;
    const older = amd64 - 5_000;
    await writeFile(
      path.join(repository.root, BASELINE),
      JSON.stringify({
        version: 1,
        services: {
          multi: { size: older, platform: 'linux/amd64', layers: [] },
          single: { size: SINGLE_BYTES, platform: 'linux/arm64', layers: [] },
        },
      }),
    );
    const check = await runGateOn(engine, repository.root, {});
    expect(row(check, 'multi@linux/amd64')).toMatchObject({
      status: 'pass',
      baseline: older,
      change: amd64 - older,
    });
    expect(row(check, 'multi@linux/arm64')).toMatchObject({ status: 'new', baseline: undefined });
    // The single-platform service's entry is arm64, the image amd64: never compared.
    expect(row(check, 'single')?.status).toBe('new');
    expect(row(check, 'single')?.reasons).toContain(
      'the baseline entry "single" is for linux/arm64 and this image is linux/amd64: sizes of different platforms are not compared; update the baseline',
    );
    expect(check.verdict.services.map((service) => service.name)).not.toContain('multi');
  });
});

/**
 * docker/awesome-compose's wasmedge projects build `platform: wasi/wasm` next to Linux services.
 * The classic image store takes images of the engine's OS only, so there that one service is an
 * error naming its platform; buildx's OCI layout and the containerd store build it.
 */
describe.each(engines)('a wasi/wasm service beside a Linux one on $label', (engine) => {
  test('the Linux service is measured; the wasi one is measured too, or its error names its platform', async () => {
    const root = await tempDirectory('wasi');
    const sizes = {
      app: await writeFixture(path.join(root, 'app'), { 'files/app.bin': 40_000 }),
      runner: await writeFixture(path.join(root, 'runner'), { 'files/module.wasm': 30_000 }),
    };
    for (const name of ['app', 'runner']) {
      await writeFile(path.join(root, name, 'Dockerfile'), 'FROM scratch\nCOPY files/ /\n');
    }
    await writeFile(
      path.join(root, 'compose.yaml'),
      [
        'services:',
        '  app:',
        '    build: ./app',
        '  runner:',
        '    build: ./runner',
        '    platform: wasi/wasm',
        '    runtime: io.containerd.wasmedge.v1',
        '',
      ].join('\n'),
    );
    const log = new MemoryLog();
    const run = await runGateOn(engine, root, {}, log);
    expect(row(run, 'app')).toMatchObject({ status: 'new', current: sizes.app });
    if (engine.store === 'classic') {
      const reason =
        'cannot be built here: its platform wasi/wasm (compose.yaml: services.runner.platform) is a wasi platform, and this engine (linux/amd64, classic image store) holds linux images only; buildx exporting an OCI layout (docker/setup-buildx-action) or the containerd image store can build it';
      expect(row(run, 'runner')).toMatchObject({ status: 'error', reasons: [reason] });
      expect(run.verdict.passed).toBe(false);
      expect(run.verdict.failures).toEqual([`runner: ${reason}`]);
      expect(log.warnings).toContain(`runner: ${reason}`);
    } else {
      expect(row(run, 'runner')).toMatchObject({ status: 'new', current: sizes.runner });
      expect(row(run, 'runner')?.measurement?.platform).toBe('wasi/wasm');
      expect(run.verdict.passed).toBe(true);
    }
  });
});
