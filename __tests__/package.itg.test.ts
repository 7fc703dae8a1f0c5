import { spawnSync } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from './support/action-runner.js';
import { engineOrSkip, tempDirectory } from './support/engine.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;

/**
 * The CLI where users are: `npm pack`, then `npx ./image-size-gate-<version>.tgz` in an empty
 * folder, outside this repository and its node_modules, gating a copy of examples/.
 */
describeWithEngine('the packed CLI runs from an empty folder', () => {
  test('npm pack holds the bundle and nothing dev-only; npx of the tarball gates examples/', async () => {
    // The tarball is packed into an otherwise empty folder and run from there, as a user would.
    const packDirectory = await tempDirectory('npx-empty');
    const packed = spawnSync('npm', ['pack', '--pack-destination', packDirectory, '--json'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
    });
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = (info?.files ?? []).map((file) => file.path).sort();
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('action.yml');
    expect(files).toContain('LICENSE');
    expect(files.filter((file) => /^(src|__tests__|scripts|examples|\.ci)\//.test(file))).toEqual(
      [],
    );

    const examples = path.join(await tempDirectory('examples-copy'), 'examples');
    await cp(path.join(repositoryRoot, 'examples'), examples, { recursive: true });
    const tarball = info?.filename ?? '';
    const run = spawnSync('npx', ['--yes', `./${tarball}`, 'check', '-C', examples], {
      cwd: packDirectory,
      encoding: 'utf8',
      timeout: 300_000,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/The gate passed\./);
    // npx installs into its own cache: nothing appears beside the tarball.
    expect(await readdir(packDirectory)).toEqual([tarball]);
  });
});
