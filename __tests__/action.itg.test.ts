import { spawnSync } from 'node:child_process';
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { engineOrSkip, tempDirectory } from './support/engine.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docker = await engineOrSkip();

/**
 * The Node 24 binary the action runs on (`runs.using: node24`). npx's own shell drops variables
 * like INPUT_MAX-INCREASE, so the binary is found once and started directly.
 */
function node24Binary(): string {
  const found = spawnSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' });
  const binary = found.stdout.trim().split('\n').at(-1) ?? '';
  if (found.status !== 0 || !binary) throw new Error(`cannot get Node 24 via npx: ${found.stderr}`);
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v24.')) throw new Error(`npx gave Node ${version}, not 24`);
  return binary;
}
const node24 = docker ? node24Binary() : '';
const describeWithEngine = docker ? describe : describe.skip;

interface ActionRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Runs dist/index.js the way the runner does: Node 24, INPUT_* variables, files for outputs. */
async function runBundledAction(
  workspace: string,
  inputs: Record<string, string>,
): Promise<ActionRun> {
  const runnerTemp = await tempDirectory('runner-temp');
  const outputFile = path.join(runnerTemp, 'output');
  const summaryFile = path.join(runnerTemp, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  const result = spawnSync(node24, [path.join(repositoryRoot, 'dist', 'index.js')], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      ...inputEnv,
    },
  });
  return {
    exitCode: result.status,
    stdout: `${result.stdout}${result.stderr}`,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}

/** Reads `name<<DELIMITER … DELIMITER` blocks, the format @actions/core writes. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined && match[3] !== undefined) outputs[match[1]] = match[3];
  }
  return outputs;
}

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
