import { limits } from '../support/fixtures.js';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeBaselineAtomic } from '../../src/baseline/baseline.js';
import { compare } from '../../src/compare/compare.js';
import type { ServiceOutcome } from '../../src/compare/types.js';
import { buildJsonReport, serializeJsonReport } from '../../src/report/json-report.js';
import { repositoryRoot } from '../support/action-runner.js';
import { tempDirectory } from '../support/engine.js';

const MB = 1_000_000;
const NAMES = Array.from({ length: 100 }, (_, index) => `svc-${String(index).padStart(3, '0')}`);

function measured(name: string): ServiceOutcome {
  return {
    name,
    limits: limits(),
    measurement: {
      imageId: `sha256:${name}`,
      size: MB,
      platform: 'linux/amd64',
      layers: [{ diffId: `sha256:${name}`, size: MB, instruction: 'COPY x /x', base: false }],
    },
  };
}

/**
 * 100 services in the baseline, shard reports for 99 of them: the 100th's job died before
 * uploading. The merge through the bundled CLI must name it and fail.
 */
async function repositoryWithLostShard(): Promise<string> {
  const root = await tempDirectory('lost-shard');
  const baseline = {
    version: 1 as const,
    services: Object.fromEntries(NAMES.map((name) => [name, { size: MB, layers: [] }])),
  };
  await writeBaselineAtomic(path.join(root, '.github', 'image-size-baseline.json'), baseline);
  const reported = NAMES.slice(0, 99);
  for (let shard = 0; shard < 3; shard += 1) {
    const names = reported.filter((_, index) => index % 3 === shard);
    const verdict = compare({
      outcomes: names.map(measured),
      baseline,
      metric: 'uncompressed',
      failOn: 'never',
      totalBudget: undefined,
      fullRun: false,
      knownServices: NAMES,
    });
    const report = buildJsonReport(verdict, { generatedAt: '2026-12-01T00:00:00Z', mode: 'check' });
    await mkdir(path.join(root, 'reports', `shard-${shard}`), { recursive: true });
    await writeFile(
      path.join(root, 'reports', `shard-${shard}`, 'report.json'),
      serializeJsonReport(report),
    );
  }
  return root;
}

function merge(root: string, ...flags: string[]) {
  return spawnSync(
    process.execPath,
    [
      path.join(repositoryRoot, 'dist', 'cli.js'),
      'report',
      '-C',
      root,
      '--reports',
      'reports',
      '--report-file',
      path.join(root, 'merged.json'),
      ...flags,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

describe('mode: report with a lost shard (bundled CLI)', () => {
  test('the service no report covers is missing, named, and fails the gate', async () => {
    const root = await repositoryWithLostShard();
    const result = merge(root);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^svc-099 .*missing$/m);
    expect(result.stdout).toMatch(/^svc-099: no shard report covers it \(3 merged\)/m);
    // 99 measured at 1 MB plus the missing one at its baseline: the total is the repository's.
    expect(result.stdout).toMatch(/^Total +100 MB +100 MB/m);
  });

  test('fail-on: never still lists it, and passes', async () => {
    const root = await repositoryWithLostShard();
    const result = merge(root, '--fail-on', 'never');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^svc-099 .*missing$/m);
  });
});
