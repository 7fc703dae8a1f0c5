import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Exec } from '../../src/exec.js';
import { parseInputs } from '../../src/inputs.js';
import { assertReportPathIsSafe } from '../../src/report/report-path.js';
import { expectInputErrorAsync } from '../services/expect-input-error.js';

/** git says no file is tracked: only the protected files are refused. */
const untracked: Exec = () => Promise.resolve({ exitCode: 1, stdout: '', stderr: '' });

let root = '';
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'image-size-gate-report-path-'));
  await mkdir(path.join(root, '.github'));
  await writeFile(path.join(root, '.github', 'image-size-baseline.json'), '{}');
  await writeFile(path.join(root, '.github', 'image-size.yml'), 'services: {}');
  await writeFile(path.join(root, 'compose.yaml'), 'services: {}');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function check(reportFile: string): Promise<void> {
  const values: Record<string, string> = { 'working-directory': root, 'report-file': reportFile };
  return assertReportPathIsSafe(
    parseInputs((name) => values[name] ?? '', {}, root),
    untracked,
  );
}

describe('a report-file that would replace a file of the repository names that file', () => {
  it.each([
    ['.github/image-size-baseline.json', 'is the baseline .github/image-size-baseline.json;'],
    [
      '.github/../.github/image-size-baseline.json',
      'is the baseline .github/image-size-baseline.json;',
    ],
    ['.github/image-size.yml', 'is the config file .github/image-size.yml;'],
    ['compose.yaml', 'is a compose file compose.yaml;'],
  ])('%s', async (reportFile, problem) => {
    await expectInputErrorAsync(
      () => check(reportFile),
      ['workflow inputs: report-file: ', problem, 'the report would replace it'],
    );
  });

  it('names the baseline a link reaches, not only the link', async () => {
    await symlink(
      path.join(root, '.github', 'image-size-baseline.json'),
      path.join(root, 'report.json'),
    );
    await expectInputErrorAsync(
      () => check('report.json'),
      ['is the baseline .github/image-size-baseline.json;', 'report.json")'],
    );
  });

  it('lets a new file through', async () => {
    await expect(check('report.json')).resolves.toBeUndefined();
  });
});
