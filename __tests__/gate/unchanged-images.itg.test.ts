import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { runGate, type GateRun } from '../../src/pipeline.js';
import type { ServiceResult } from '../../src/compare/types.js';
import { renderComment } from '../../src/report/comment.js';
import { renderSummary } from '../../src/report/summary.js';
import { engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';
import { runGateOn } from '../support/gate.js';
import { MemoryLog } from '../support/memory-log.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();

/**
 * Where the config digest of a built image is known without reading it: the classic store's
 * inspect ID, and the OCI layout buildx exports. The containerd store's inspect ID is the
 * manifest digest: there every image is read (and the results are the same either way).
 */
const cases: { engine: TestEngine; reused: readonly string[] }[] = [
  // The inspect ID is the config digest: the image whose LABEL changed is read.
  ...(docker ? [{ engine: engine20(docker), reused: ['plain', 'wasteful'] }] : []),
  ...(engine26
    ? [
        // The layout's config is read: a new LABEL over the same layers is still not streamed.
        { engine: engine26.buildx, reused: ['labelled', 'plain', 'wasteful'] },
        { engine: engine26.engineOnly, reused: [] },
      ]
    : []),
  ...engines28.flatMap(({ buildx, engineOnly }) =>
    buildx.store === 'classic'
      ? // buildx's docker driver loads into the classic store: inspect IDs are config digests.
        [
          { engine: buildx, reused: ['plain', 'wasteful'] },
          { engine: engineOnly, reused: ['plain', 'wasteful'] },
        ]
      : [
          { engine: buildx, reused: ['labelled', 'plain', 'wasteful'] },
          { engine: engineOnly, reused: [] },
        ],
  ),
];

const SERVICES = {
  // Two layers, nothing wasted.
  plain: {
    dockerfile: 'FROM scratch\nCOPY a.bin /a.bin\nCOPY b.bin /b.bin\n',
    files: { 'a.bin': 150_000, 'b.bin': 40_000 },
  },
  // The second COPY overwrites the first: 90,000 wasted bytes.
  wasteful: {
    dockerfile: 'FROM scratch\nCOPY first/data.bin /data.bin\nCOPY second/data.bin /data.bin\n',
    files: { 'first/data.bin': 90_000, 'second/data.bin': 60_000 },
  },
  // Over its budget: a failing service is always read, to show why.
  budgeted: { dockerfile: 'FROM scratch\nCOPY c.bin /c.bin\n', files: { 'c.bin': 120_000 } },
  // Changed between the update and the check.
  changed: { dockerfile: 'FROM scratch\nCOPY d.bin /d.bin\n', files: { 'd.bin': 70_000 } },
  // Its LABEL changes between the update and the check: a new config over the same layers.
  labelled: {
    dockerfile: 'FROM scratch\nCOPY e.bin /e.bin\nLABEL release=1\n',
    files: { 'e.bin': 30_000 },
  },
} as const;

async function createRepository(): Promise<string> {
  const root = await tempDirectory('unchanged');
  for (const [name, service] of Object.entries(SERVICES)) {
    await writeFixture(path.join(root, name), service.files);
    await writeFile(path.join(root, name, 'Dockerfile'), service.dockerfile);
  }
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    [
      'defaults:',
      '  ignore-below: 1kB',
      '  max-wasted: 1MB',
      '  min-efficiency: 10%',
      'services:',
      ...Object.keys(SERVICES).flatMap((name) => [
        `  ${name}:`,
        `    context: ${name}`,
        ...(name === 'budgeted' ? ['    budget: 100kB'] : []),
      ]),
      '',
    ].join('\n'),
  );
  return root;
}

/** Everything a verdict says about a service, without the analysis and where it came from. */
function comparable(service: ServiceResult) {
  const omit = (value: object, keys: readonly string[]) =>
    Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
  return {
    ...omit(service, ['measurement', 'packages', 'build']),
    image: omit(service.measurement ?? {}, ['analysis', 'fromBaseline']),
  };
}

describe.each(cases)('unchanged images on $engine.label', ({ engine, reused }) => {
  let root: string;
  let fast: GateRun;
  let full: GateRun;
  const fastLog = new MemoryLog();

  beforeAll(async () => {
    root = await createRepository();
    await runGateOn(engine, root, { mode: 'update' });
    await writeFixture(path.join(root, 'changed'), { 'd.bin': 71_000 });
    await writeFile(
      path.join(root, 'labelled', 'Dockerfile'),
      'FROM scratch\nCOPY e.bin /e.bin\nLABEL release=2\n',
    );
    fast = await runGateOn(engine, root, {}, fastLog);
    const values: Record<string, string> = {
      'working-directory': root,
      'report-file': path.join(root, 'full-report.json'),
    };
    full = await runGate(
      parseInputs((name) => values[name] ?? '', engine.env, root),
      {
        docker: engine.docker,
        exec: engine.exec,
        log: new MemoryLog(),
        env: engine.env,
        readEveryImage: true,
      },
    );
  });

  test(`images of layers the baseline recorded are not read again: ${reused.join(', ') || 'none'}`, () => {
    const fromBaseline = fast.verdict.services
      .filter((service) => service.measurement?.fromBaseline !== undefined)
      .map((service) => service.name);
    expect(fromBaseline).toEqual(reused);
    expect(fastLog.infos.filter((line) => line.endsWith('not read again'))).toHaveLength(
      reused.length,
    );
    expect(
      full.verdict.services.every((service) => service.measurement?.fromBaseline === undefined),
    ).toBe(true);
  });

  test('the fast path and a full read agree to the byte, and in every line they show', () => {
    expect(fast.verdict.services.map(comparable)).toEqual(full.verdict.services.map(comparable));
    expect(fast.verdict.total).toEqual(full.verdict.total);
    expect(fast.verdict.failures).toEqual(full.verdict.failures);
    const options = { key: '', refreshHint: 'npm run baseline', analyze: 'auto' as const };
    expect(renderComment(fast.verdict, options)).toBe(renderComment(full.verdict, options));
    // How the builds went is the builds' own (times; the first check built `changed` afresh,
    // the second found it cached): everything else is the same.
    const summary = (run: GateRun) =>
      renderSummary(run.verdict, 'auto').replace(
        /<details><summary>How the images were built[\s\S]*?<\/details>/,
        '(builds)',
      );
    expect(summary(fast)).toContain('(builds)');
    expect(summary(fast)).toBe(summary(full));
  });

  test('the numbers are the fixtures’: 90,000 wasted bytes, a failing budget, a changed service', () => {
    const byName = new Map(full.verdict.services.map((service) => [service.name, service]));
    expect(byName.get('wasteful')?.measurement?.analysis?.wastedBytes).toBe(90_000);
    expect(byName.get('wasteful')?.measurement?.analysis?.efficiency).toBe(1 - 90_000 / 150_000);
    expect(byName.get('budgeted')?.status).toBe('fail');
    expect(byName.get('changed')?.change).toBe(1_000);
    expect(byName.get('plain')?.current).toBe(190_000);
  });
});

describe.each(cases)('a changed image without the analysis on $engine.label', ({ engine }) => {
  test('reading only its new layers gives what reading all of them gives', async () => {
    const root = await tempDirectory('new-layers');
    await writeFixture(path.join(root, 'two'), { 'a.bin': 150_000, 'b.bin': 40_000 });
    await writeFile(
      path.join(root, 'two', 'Dockerfile'),
      'FROM scratch\nCOPY a.bin /a.bin\nCOPY b.bin /b.bin\n',
    );
    await mkdir(path.join(root, '.github'));
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      'defaults:\n  ignore-below: 1kB\nservices:\n  two:\n    context: two\n',
    );
    await runGateOn(engine, root, { mode: 'update', analyze: 'none' });
    await writeFixture(path.join(root, 'two'), { 'b.bin': 45_000 });
    const fast = await runGateOn(engine, root, { analyze: 'none' });
    const full = await runGateOn(engine, root, { analyze: 'none' }, undefined, {
      readEveryImage: true,
    });
    expect(fast.verdict.services.map(comparable)).toEqual(full.verdict.services.map(comparable));
    expect(fast.verdict.services[0]?.change).toBe(5_000);
    expect(fast.verdict.services[0]?.measurement?.layers.map((layer) => layer.size)).toEqual([
      150_000, 45_000,
    ]);
  });
});
