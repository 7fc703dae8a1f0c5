import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { GateRun } from '../../src/pipeline.js';
import { renderComment } from '../../src/report/comment.js';
import { engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';
import { runGateOn } from '../support/gate.js';
import { commitFile, initRepository, shallowClone, sizesBaseline } from '../support/git.js';
import { MemoryLog } from '../support/memory-log.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();
const engines: TestEngine[] = [
  ...(docker ? [engine20(docker)] : []),
  ...(engine26 ? [engine26.buildx] : []),
  ...engines28.map((engine) => engine.buildx),
];

const BASELINE = '.github/image-size-baseline.json';
const CONFIG = [
  'defaults:',
  '  max-increase: 10%',
  '  max-creep: 20%',
  '  ignore-below: 1kB',
  'services:',
  '  api:',
  '    context: api',
  '',
].join('\n');

interface Repository {
  readonly root: string;
  /** The image's size: its one COPY layer's regular-file bytes. */
  readonly size: number;
  /** `api` in the five committed baselines, oldest first: each 5% below the next. */
  readonly versions: readonly number[];
  readonly commits: readonly string[];
  readonly brokenCommit: string;
}

/**
 * A repository whose baseline was committed five times, `api` growing 5% each time, with an
 * unparsable version committed (and fixed) between the third and the fourth. The image grows
 * 5% over the last version: under max-increase (10%), but 1.05⁵ − 1 = 27.6% over the window.
 */
async function createRepository(): Promise<Repository> {
  const root = await tempDirectory('trend-repo');
  await initRepository(root);
  const size = await writeFixture(path.join(root, 'api'), {
    'files/app.bin': 300_000,
    'files/data.bin': 45_678,
  });
  await writeFile(path.join(root, 'api', 'Dockerfile'), 'FROM scratch\nCOPY files/ /files/\n');
  await commitFile(root, '.github/image-size.yml', CONFIG, 1);
  await commitFile(root, 'api/Dockerfile', 'FROM scratch\nCOPY files/ /files/\n', 1);
  const versions = [5, 4, 3, 2, 1].map((steps) => Math.round(size / 1.05 ** steps));
  const commits: string[] = [];
  let brokenCommit = '';
  for (const [index, apiSize] of versions.entries()) {
    commits.push(await commitFile(root, BASELINE, sizesBaseline({ api: apiSize }), 2 + 2 * index));
    if (index === 2) {
      brokenCommit = await commitFile(
        root,
        BASELINE,
        '{"version": 1, "services": {',
        3 + 2 * index,
      );
    }
  }
  return { root, size, versions, commits, brokenCommit };
}

describe.each(engines)('the size trend and max-creep on $label', (engine) => {
  let repository: Repository;
  let run: GateRun;
  const log = new MemoryLog();

  beforeAll(async () => {
    repository = await createRepository();
    run = await runGateOn(engine, repository.root, {}, log);
  });

  test('a service that grew 5% in this run fails max-creep over five 5% steps, and the reason lists them', () => {
    const api = run.verdict.services.find((service) => service.name === 'api');
    const first = repository.versions[0] ?? 0;
    const percent = (((repository.size - first) / first) * 100).toFixed(1);
    expect(api?.current).toBe(repository.size);
    expect(api?.status).toBe('fail');
    expect(api?.breaches.map((breach) => breach.kind)).toEqual(['creep']);
    expect(api?.trend?.map((point) => point.size)).toEqual([
      ...repository.versions,
      repository.size,
    ]);
    expect(api?.trend?.map((point) => point.commit)).toEqual([...repository.commits, undefined]);
    const reason = api?.breaches[0]?.reason ?? '';
    expect(reason).toContain(`(+${percent}%) over 5 baseline versions and this run`);
    expect(reason).toContain(`(${repository.commits[0]?.slice(0, 7)}) → `);
    expect(reason).toMatch(/ → \S+ kB \(this run\)$/);
    expect(run.verdict.passed).toBe(false);
  });

  test('the unparsable version is skipped with one warning naming its commit', () => {
    const skipped = log.warnings.filter((line) => line.startsWith('Size trend: skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toContain(`${BASELINE} at ${repository.brokenCommit.slice(0, 7)}`);
  });

  test('the comment draws the trend', () => {
    const comment = renderComment(run.verdict, { key: '', refreshHint: '', analyze: 'auto' });
    const sizes = [...repository.versions, repository.size].map((size) =>
      Number((size / 1e6).toFixed(2)),
    );
    expect(comment).toContain(`    line [${sizes.join(', ')}]`);
  });

  test('in a shallow clone the trend is skipped, said once, and max-creep is noted as not checked', async () => {
    const clone = path.join(await tempDirectory('trend-shallow'), 'repo');
    await shallowClone(repository.root, clone, 1);
    await writeFixture(path.join(clone, 'api'), {
      'files/app.bin': 300_000,
      'files/data.bin': 45_678,
    });
    const shallowLog = new MemoryLog();
    const shallow = await runGateOn(engine, clone, {}, shallowLog);
    const api = shallow.verdict.services.find((service) => service.name === 'api');
    expect(api?.status).toBe('pass');
    expect(api?.trend).toBeUndefined();
    expect(api?.reasons).toContain(
      'max-creep was not checked: the checkout is shallow; check out with fetch-depth: 0 (actions/checkout) to see the trend',
    );
    expect(shallowLog.warnings.filter((line) => line.startsWith('No size trend'))).toEqual([
      'No size trend: the checkout is shallow; check out with fetch-depth: 0 (actions/checkout) to see the trend. max-creep is not checked.',
    ]);
  });
});
