import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDirectory } from './engine.js';

export const repositoryRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);

let node24: string | undefined;

/**
 * The Node 24 binary the action runs on (`runs.using: node24`). npx's own shell drops variables
 * like INPUT_MAX-INCREASE, so the binary is found once and started directly.
 */
export function node24Binary(): string {
  if (node24) return node24;
  const found = spawnSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' });
  const binary = found.stdout.trim().split('\n').at(-1) ?? '';
  if (found.status !== 0 || !binary) throw new Error(`cannot get Node 24 via npx: ${found.stderr}`);
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v24.')) throw new Error(`npx gave Node ${version}, not 24`);
  node24 = binary;
  return binary;
}

export interface ActionRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Runs dist/index.js the way the runner does: Node 24, INPUT_* variables, files for outputs. */
export async function runBundledAction(
  workspace: string,
  inputs: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>> = {},
): Promise<ActionRun> {
  const runnerTemp = await tempDirectory('runner-temp');
  const outputFile = path.join(runnerTemp, 'output');
  const summaryFile = path.join(runnerTemp, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  // Asynchronous on purpose: a mock GitHub API served from this process must keep answering.
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(node24Binary(), [path.join(repositoryRoot, 'dist', 'index.js')], {
        cwd: workspace,
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
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (status) => {
        resolve({ status, stdout, stderr });
      });
    },
  );
  return {
    exitCode: result.status,
    stdout: `${result.stdout}${result.stderr}`,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}

/** Reads `name<<DELIMITER … DELIMITER` blocks, the format @actions/core writes. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined && match[3] !== undefined) outputs[match[1]] = match[3];
  }
  return outputs;
}
