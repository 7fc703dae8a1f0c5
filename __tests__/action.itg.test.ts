import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot, runBundledAction } from './support/action-runner.js';
import { engineOrSkip, tempDirectory } from './support/engine.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;

async function bytesUnder(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

describeWithEngine('the bundled action under Node 24, as the runner runs it', () => {
  test('examples/ passes; outputs and summary carry the numbers', async () => {
    const workspace = await tempDirectory('action-examples');
    await cp(path.join(repositoryRoot, 'examples'), workspace, { recursive: true });
    const services = path.join(workspace, 'services');
    const expectedTotal =
      (await bytesUnder(path.join(services, 'web', 'public'))) +
      (await bytesUnder(path.join(services, 'api', 'bin'))) +
      (await bytesUnder(path.join(services, 'api', 'config'))) +
      (await stat(path.join(services, 'worker', 'src', 'worker.py'))).size;

    const run = await runBundledAction(workspace, { mode: 'check' });

    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['passed']).toBe('true');
    expect(run.outputs['total-size']).toBe(String(expectedTotal));
    expect(run.outputs['total-change']).toBe('0');
    expect(run.outputs['failed-services']).toBe('');
    expect(run.outputs['markdown']).toContain('| Service | Baseline |');
    expect(run.summary.trim()).toBe(run.outputs['markdown']?.trim());
    const report = JSON.parse(await readFile(run.outputs['report'] ?? '', 'utf8')) as {
      passed: boolean;
      total: { current: number };
    };
    expect(report.total.current).toBe(expectedTotal);
    expect(run.stdout).toContain('cache is off');
  });

  test('a service over its budget fails the step, named with its numbers', async () => {
    const workspace = await tempDirectory('action-over-budget');
    await cp(path.join(repositoryRoot, 'examples'), workspace, { recursive: true });
    // The worker now ships its whole source folder, test fixtures included.
    await writeFile(
      path.join(workspace, 'services', 'worker', 'Dockerfile'),
      'FROM scratch AS runtime\nCOPY src/ /app/\n',
    );

    const run = await runBundledAction(workspace, { mode: 'check' });

    expect(run.exitCode).toBe(1);
    expect(run.outputs['passed']).toBe('false');
    expect(run.outputs['failed-services']).toBe('worker');
    expect(run.stdout).toMatch(
      /::error::Image size gate failed:.*worker: .*over its budget of 150 kB/s,
    );
    expect(run.summary).toContain('worker');
    // The annotation sits on the Dockerfile line of the layer that grew.
    expect(run.stdout).toMatch(
      /::error title=Image size%3A worker fail,file=services\/worker\/Dockerfile,line=2::/,
    );
  });

  test('bad input fails with the file, key and value, and writes nothing', async () => {
    const workspace = await tempDirectory('action-bad-input');
    await cp(path.join(repositoryRoot, 'examples'), workspace, { recursive: true });
    const baseline = path.join(workspace, '.github', 'image-size-baseline.json');
    const before = await readFile(baseline, 'utf8');

    const run = await runBundledAction(workspace, { mode: 'update', 'max-increase': '-5%' });

    expect(run.exitCode).toBe(1);
    // The runner decodes %25 back to %.
    expect(run.stdout).toMatch(/::error::workflow inputs: max-increase: .*\(got "-5%25"\)/);
    expect(run.outputs).toEqual({});
    expect(await readFile(baseline, 'utf8')).toBe(before);
  });
});
