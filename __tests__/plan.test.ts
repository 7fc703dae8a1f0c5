import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { parseInputs } from '../src/inputs.js';
import { matrixOf, planRepository, planShards, type ServiceWeight } from '../src/plan.js';
import { runBundledAction } from './support/action-runner.js';
import { tempDirectory } from './support/engine.js';

const MB = 1_000_000;

/** Every planned name once, and nothing else. */
function everyServiceOnce(services: readonly ServiceWeight[], shards: number): void {
  const plan = planShards(services, shards);
  const planned = plan.flatMap((shard) => shard.services);
  expect([...planned].sort()).toEqual(services.map((service) => service.name).sort());
  expect(new Set(planned).size).toBe(planned.length);
}

/** 40 services whose sizes fall off like a real monorepo's: a few big, many small. */
const SKEWED: ServiceWeight[] = Array.from({ length: 40 }, (_, index) => ({
  name: `svc-${String(index).padStart(2, '0')}`,
  bytes: Math.round((1200 * MB) / (index + 1) ** 0.8),
}));

describe('planShards', () => {
  it.each([1, 2, 3, 5, 8])('puts every service in exactly one of %i shards', (shards) => {
    everyServiceOnce(SKEWED, shards);
    everyServiceOnce([...SKEWED, { name: 'fresh-a', bytes: undefined }], shards);
  });

  it.each([2, 3, 4, 5])(
    'keeps %i shard totals within ±30% of their mean on a skewed set',
    (shards) => {
      const plan = planShards(SKEWED, shards);
      const mean = plan.reduce((sum, shard) => sum + shard.bytes, 0) / plan.length;
      for (const shard of plan) {
        expect(Math.abs(shard.bytes - mean) / mean, `shard ${shard.shard}`).toBeLessThanOrEqual(
          0.3,
        );
      }
      // Round-robin by name, the naive split, is further off on the same set: the test can tell.
      const naive = Array.from({ length: shards }, (_, index) =>
        SKEWED.filter((_, position) => position % shards === index).reduce(
          (sum, service) => sum + (service.bytes ?? 0),
          0,
        ),
      );
      const spread = (totals: readonly number[]) => Math.max(...totals) / Math.min(...totals);
      expect(spread(plan.map((shard) => shard.bytes))).toBeLessThan(spread(naive));
      expect(spread(naive)).toBeGreaterThan(1.2);
    },
  );

  it('spreads services the baseline does not know evenly by count', () => {
    const fresh = Array.from({ length: 7 }, (_, index) => ({
      name: `new-${index}`,
      bytes: undefined,
    }));
    const plan = planShards([...SKEWED.slice(0, 6), ...fresh], 3);
    expect(plan.map((shard) => shard.unknown).sort()).toEqual([2, 2, 3]);
    expect(plan.reduce((sum, shard) => sum + shard.unknown, 0)).toBe(7);
  });

  it('never plans more shards than services, and is the same every time', () => {
    const three = SKEWED.slice(0, 3);
    expect(planShards(three, 10)).toHaveLength(3);
    expect(planShards(three, 10).every((shard) => shard.services.length === 1)).toBe(true);
    expect(planShards([...SKEWED].reverse(), 4)).toEqual(planShards(SKEWED, 4));
  });

  it('writes the matrix GitHub expands with fromJSON', () => {
    const plan = planShards(
      [
        { name: 'web', bytes: 100 },
        { name: 'api', bytes: 300 },
        { name: 'db', bytes: 150 },
      ],
      2,
    );
    expect(JSON.parse(matrixOf(plan))).toEqual({
      include: [
        { shard: 1, services: 'api' },
        { shard: 2, services: 'db,web' },
      ],
    });
  });
});

describe('planRepository', () => {
  async function repository(services: readonly string[], baseline?: Record<string, number>) {
    const root = await tempDirectory('plan');
    await mkdir(path.join(root, '.github'), { recursive: true });
    const entries = services.map((name) => `  ${name}:\n    image: example/${name}:1`);
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      `services:\n${entries.join('\n')}\n`,
    );
    if (baseline) {
      const rows = Object.fromEntries(
        Object.entries(baseline).map(([name, size]) => [name, { size, layers: [] }]),
      );
      await writeFile(
        path.join(root, '.github', 'image-size-baseline.json'),
        JSON.stringify({ version: 1, services: rows }),
      );
    }
    return root;
  }

  function inputsFor(root: string, values: Record<string, string>) {
    return parseInputs((name) => values[name] ?? '', {}, root);
  }

  it('weighs the services by the baseline and names the shards', async () => {
    const root = await repository(['api', 'web', 'db', 'fresh'], {
      api: 300 * MB,
      web: 100 * MB,
      db: 150 * MB,
    });
    const { plan, note } = await planRepository(inputsFor(root, { mode: 'plan', shards: '2' }), {});
    expect(note).toBeUndefined();
    expect(plan.map((shard) => [shard.services, shard.bytes, shard.unknown])).toEqual([
      [['api'], 300 * MB, 0],
      // The unknown service goes to the lighter shard: neither has an unknown one yet.
      [['db', 'fresh', 'web'], 250 * MB, 1],
    ]);
  });

  it('plans fewer shards than asked when there are fewer services, and says so once', async () => {
    const root = await repository(['api', 'web']);
    const { plan, note } = await planRepository(
      inputsFor(root, { mode: 'plan', shards: '200' }),
      {},
    );
    expect(plan).toHaveLength(2);
    expect(note).toBe(
      '200 shards were asked for but there are 2 services: planned 2 shards, one service each',
    );
  });

  it('keeps the platforms of a service in one shard, weighed together', async () => {
    const root = await repository(['api', 'web', 'db'], {
      'api@linux/amd64': 200 * MB,
      'api@linux/arm64': 190 * MB,
      web: 250 * MB,
      db: 100 * MB,
    });
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      [
        'services:',
        '  api:',
        '    image: example/api:1',
        '    platforms: [linux/amd64, linux/arm64]',
        '  web:',
        '    image: example/web:1',
        '  db:',
        '    image: example/db:1',
        '',
      ].join('\n'),
    );
    const { plan, note } = await planRepository(inputsFor(root, { mode: 'plan', shards: '2' }), {});
    expect(note).toBeUndefined();
    expect(plan.map((shard) => [shard.services, shard.bytes])).toEqual([
      [['api@linux/amd64', 'api@linux/arm64'], 390 * MB],
      [['db', 'web'], 350 * MB],
    ]);
    const three = await planRepository(inputsFor(root, { mode: 'plan', shards: '4' }), {});
    expect(three.note).toBe(
      '4 shards were asked for but there are 3 services (the platforms of a service stay together): planned 3 shards, one service each',
    );
  });

  it('needs the number of shards', async () => {
    const root = await repository(['api']);
    await expect(planRepository(inputsFor(root, { mode: 'plan' }), {})).rejects.toThrow(
      'workflow inputs: shards: mode: plan needs the number of shards',
    );
  });
});

describe('the shards input', () => {
  it.each(['0', '-1', '1000', '2.5', 'two', '257'])('refuses %j, naming the input', (value) => {
    const read = () => parseInputs((name) => (name === 'shards' ? value : ''), {}, '/repo');
    expect(read).toThrow(InputError);
    expect(read).toThrow(
      `workflow inputs: shards: must be a whole number of shards from 1 to 256 (got ${JSON.stringify(value)})`,
    );
  });

  it('reads a count', () => {
    expect(parseInputs((name) => (name === 'shards' ? '12' : ''), {}, '/repo').shards).toBe(12);
  });
});

describe('mode: plan through the bundled action (Node 24)', () => {
  it('outputs the matrix and a summary, builds nothing; shards: 0 fails naming the input', async () => {
    const root = await tempDirectory('plan-action');
    await mkdir(path.join(root, '.github'), { recursive: true });
    await writeFile(
      path.join(root, '.github', 'image-size.yml'),
      'services:\n  api:\n    image: example/api:1\n  web:\n    image: example/web:1\n  db:\n    image: example/db:1\n',
    );
    await writeFile(
      path.join(root, '.github', 'image-size-baseline.json'),
      JSON.stringify({
        version: 1,
        services: {
          api: { size: 300, layers: [] },
          web: { size: 100, layers: [] },
          db: { size: 150, layers: [] },
        },
      }),
    );
    const run = await runBundledAction(root, { mode: 'plan', shards: '2' });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs['matrix'] ?? '')).toEqual({
      include: [
        { shard: 1, services: 'api' },
        { shard: 2, services: 'db,web' },
      ],
    });
    expect(run.summary).toContain('| 2 | 2 | 250 B | 0 | db, web |');
    const refused = await runBundledAction(root, { mode: 'plan', shards: '0' });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(
      'workflow inputs: shards: must be a whole number of shards from 1 to 256 (got "0")',
    );
    expect(refused.outputs['matrix']).toBeUndefined();
  });
});
