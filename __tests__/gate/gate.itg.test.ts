import { runGateOn } from '../support/gate.js';
import { MemoryLog } from '../support/memory-log.js';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { GateRun } from '../../src/pipeline.js';
import { renderComment } from '../../src/report/comment.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();
/** Every build path on every engine: a green run on one proves nothing about the others. */
const engines: TestEngine[] = [
  ...(docker ? [engine20(docker)] : []),
  ...(engine26 ? [engine26.buildx, engine26.engineOnly] : []),
  ...engines28.flatMap((engine) => [engine.buildx, engine.engineOnly]),
];

const SCRATCH_COPY = 'FROM scratch\nCOPY files/ /files/\n';

interface Repository {
  readonly root: string;
  readonly sizes: Record<string, number>;
}

/** A repository with a compose file, a config and three services of known sizes. */
async function createRepository(): Promise<Repository> {
  const root = await tempDirectory('gate-repo');
  const sizes: Record<string, number> = {};
  const services = { alpha: [120_000, 80_000], beta: [250_000], gamma: [30_000, 512, 7] };
  for (const [name, files] of Object.entries(services)) {
    const directory = path.join(root, 'services', name);
    sizes[name] = await writeFixture(
      directory,
      Object.fromEntries(files.map((size, index) => [`files/part-${index}.bin`, size])),
    );
    await writeFile(path.join(directory, 'Dockerfile'), SCRATCH_COPY);
  }
  await writeFile(
    path.join(root, 'compose.yaml'),
    [
      'services:',
      '  alpha: { build: services/alpha }',
      '  beta: { build: { context: services/beta } }',
      '  gamma: { build: services/gamma }',
      '  db: { image: postgres:16 }',
      '',
    ].join('\n'),
  );
  await writeConfig(root, { beta: '1MB' });
  return { root, sizes };
}

async function writeConfig(root: string, budgets: Record<string, string>): Promise<void> {
  const lines = [
    'compose: compose.yaml',
    'defaults:',
    '  max-increase: 10%',
    '  ignore-below: 1kB',
    'services:',
    ...Object.entries(budgets).flatMap(([name, budget]) => [`  ${name}:`, `    budget: ${budget}`]),
    '',
  ];
  await mkdir(path.join(root, '.github'), { recursive: true });
  await writeFile(path.join(root, '.github', 'image-size.yml'), lines.join('\n'));
}

/** What the last gate run logged. */
let lastLog = new MemoryLog();

async function gate(
  engine: TestEngine,
  root: string,
  inputs: Record<string, string>,
): Promise<GateRun> {
  lastLog = new MemoryLog();
  return runGateOn(engine, root, { parallel: '3', ...inputs }, lastLog);
}

function statusOf(run: GateRun, name: string): string | undefined {
  return run.verdict.services.find((service) => service.name === name)?.status;
}

describe.each(engines)('the gate end to end on $label', (engine) => {
  let repository: Repository;
  let baselineFile: string;
  let updateRun: GateRun;
  let lastLogsOfUpdate: string[] = [];

  beforeAll(async () => {
    repository = await createRepository();
    baselineFile = path.join(repository.root, '.github', 'image-size-baseline.json');
    updateRun = await gate(engine, repository.root, { mode: 'update' });
    lastLogsOfUpdate = [...lastLog.infos];
  });

  test('update measures every service with a build section and writes the baseline', async () => {
    expect(updateRun.verdict.passed).toBe(true);
    const builtWithBuildx = lastLogsOfUpdate.some((line) =>
      line.startsWith('Building with docker buildx'),
    );
    expect(builtWithBuildx).toBe(engine.buildx);
    for (const service of updateRun.verdict.services) {
      expect(service.build?.method).toBe(engine.buildx ? 'buildx' : 'engine');
      // SCRATCH_COPY has one step: COPY files/ /files/.
      expect(service.build?.steps?.total).toBe(1);
      expect(service.build?.cache.on).toBe(false);
    }
    expect(updateRun.verdict.services.map((service) => [service.name, service.status])).toEqual([
      ['alpha', 'new'],
      ['beta', 'new'],
      ['gamma', 'new'],
    ]);
    const written = JSON.parse(await readFile(baselineFile, 'utf8')) as {
      services: Record<string, { size: number }>;
    };
    for (const [name, size] of Object.entries(repository.sizes)) {
      expect(written.services[name]?.size).toBe(size);
    }
    expect(updateRun.baselineWritten).toBe(baselineFile);
  });

  test('check right after update passes with zero change, every step from the local cache', async () => {
    const run = await gate(engine, repository.root, {});
    for (const service of run.verdict.services) {
      expect(service.build?.steps).toEqual({ total: 1, cached: 1 });
    }
    expect(run.verdict.passed).toBe(true);
    expect(run.verdict.total.change).toBe(0);
    expect(run.verdict.total.current).toBe(
      Object.values(repository.sizes).reduce((sum, size) => sum + size, 0),
    );
    expect(run.verdict.services.every((service) => service.status === 'pass')).toBe(true);
    expect(run.baselineWritten).toBeUndefined();
  });

  test('growth past max-increase, a broken budget, a new service and a failed build, in one run', async () => {
    const { root, sizes } = repository;
    const baselineBefore = await readFile(baselineFile, 'utf8');
    const alphaGrowth = Math.ceil((sizes['alpha'] ?? 0) * 0.2);
    await writeFixture(path.join(root, 'services', 'alpha'), { 'files/grown.bin': alphaGrowth });
    const betaBudget = (sizes['beta'] ?? 0) - 1;
    await writeConfig(root, { beta: `${betaBudget}B` });
    const deltaBytes = await writeFixture(path.join(root, 'services', 'delta'), {
      'files/new.bin': 10_000,
    });
    await writeFile(path.join(root, 'services', 'delta', 'Dockerfile'), SCRATCH_COPY);
    await writeFixture(path.join(root, 'services', 'epsilon'), {
      Dockerfile: 'FROM scratch\nCOPY does-not-exist /nowhere\n',
    });
    const compose = await readFile(path.join(root, 'compose.yaml'), 'utf8');
    await writeFile(
      path.join(root, 'compose.yaml'),
      `${compose}  delta: { build: services/delta }\n  epsilon: { build: services/epsilon }\n`,
    );

    const run = await gate(engine, root, {});

    expect(run.verdict.passed).toBe(false);
    expect(statusOf(run, 'alpha')).toBe('fail');
    expect(statusOf(run, 'beta')).toBe('fail');
    expect(statusOf(run, 'gamma')).toBe('pass');
    expect(statusOf(run, 'delta')).toBe('new');
    expect(statusOf(run, 'epsilon')).toBe('error');
    const alpha = run.verdict.services.find((service) => service.name === 'alpha');
    expect(alpha?.change).toBe(alphaGrowth);
    const delta = run.verdict.services.find((service) => service.name === 'delta');
    expect(delta?.current).toBe(deltaBytes);
    const failures = run.verdict.failures.join('\n');
    expect(failures).toMatch(/^alpha: .*grew by/m);
    expect(failures).toMatch(/^beta: .*over its budget/m);
    expect(failures).toMatch(/^epsilon: build failed: .*does-not-exist.*not found/m);
    expect(failures).not.toMatch(/^gamma/m);
    expect(renderMarkdown(run.verdict)).toContain('epsilon');
    // A check never writes the baseline.
    expect(await readFile(baselineFile, 'utf8')).toBe(baselineBefore);
  });

  test('bad input stops before building and writes no baseline', async () => {
    const root = await tempDirectory('gate-bad-input');
    await writeFixture(root, { 'services/a/files/x.bin': 10 });
    await writeFile(path.join(root, 'services', 'a', 'Dockerfile'), SCRATCH_COPY);
    await mkdir(path.join(root, '.github'));
    const config = path.join(root, '.github', 'image-size.yml');
    await writeFile(config, 'services:\n  a:\n    context: services/a\n    budget: 10 MBs\n');
    const run = gate(engine, root, { mode: 'update' });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toThrow(/image-size\.yml.*services\.a\.budget.*10 MBs/);
    await expect(readFile(path.join(root, '.github', 'image-size-baseline.json'))).rejects.toThrow(
      /ENOENT/,
    );
    await rm(root, { recursive: true, force: true });
  });
});

describeWithEngine('layers matched by instruction on the real engine', () => {
  const engine = engine20(docker as Docker);

  test('a layer inserted in the middle shows as one added row, not every later layer changed', async () => {
    const root = await tempDirectory('gate-inserted-layer');
    const service = path.join(root, 'services', 'app');
    await writeFixture(service, {
      'one.bin': 40_000,
      'two.bin': 50_000,
      'inserted.bin': 1_234_567,
      'three.bin': 60_000,
      'four.bin': 70_000,
    });
    const copy = (file: string): string => `COPY ${file} /app/${file}`;
    const before = [
      'FROM scratch',
      copy('one.bin'),
      copy('two.bin'),
      copy('three.bin'),
      copy('four.bin'),
    ];
    await writeFile(path.join(service, 'Dockerfile'), `${before.join('\n')}\n`);
    await mkdir(path.join(root, '.github'));
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      'services:\n  app:\n    context: services/app\n',
    );
    await gate(engine, root, { mode: 'update' });

    const after = [...before.slice(0, 3), copy('inserted.bin'), ...before.slice(3)];
    await writeFile(path.join(service, 'Dockerfile'), `${after.join('\n')}\n`);
    const run = await gate(engine, root, {});

    const app = run.verdict.services[0];
    expect(app?.change).toBe(1_234_567);
    expect(app?.layerChanges.map((layer) => [layer.kind, layer.instruction])).toEqual([
      ['unchanged', copy('one.bin')],
      ['unchanged', copy('two.bin')],
      ['added', copy('inserted.bin')],
      ['unchanged', copy('three.bin')],
      ['unchanged', copy('four.bin')],
    ]);
    const comment = renderComment(run.verdict, { key: '', refreshHint: '' });
    // Rows of the layer table (the details also list the files the grown layer added).
    const layerRows = comment
      .split('\n')
      .filter((line) => line.startsWith('| <code>') && line.includes('/app/'));
    expect(layerRows).toHaveLength(1);
    expect(layerRows[0]).toContain('inserted.bin');
  });
});
