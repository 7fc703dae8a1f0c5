import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fixed identities and dates: commits of a test repository do not depend on the machine. */
function gitEnvironment(date: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1',
    // A developer's global config (hooks, signing) must not change the test's commits.
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}

/** Runs git in `root` and returns its standard output. */
export async function git(root: string, args: readonly string[], date = '2026-11-01T12:00:00Z') {
  const { stdout } = await run('git', ['-C', root, ...args], { env: gitEnvironment(date) });
  return stdout.trim();
}

export async function initRepository(root: string): Promise<void> {
  await git(root, ['init', '--quiet', '--initial-branch=main']);
}

/**
 * Writes `text` to `file` (relative to `root`) and commits it on day `day` of November 2026;
 * returns the commit ID.
 */
export async function commitFile(
  root: string,
  file: string,
  text: string,
  day: number,
): Promise<string> {
  const target = path.join(root, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
  const date = `2026-11-${String(day).padStart(2, '0')}T12:00:00Z`;
  await git(root, ['add', '--', file], date);
  await git(root, ['commit', '--quiet', '-m', `day ${day}: ${file}`], date);
  return git(root, ['rev-parse', 'HEAD']);
}

/** A shallow clone of `source` holding its last `depth` commits. */
export async function shallowClone(source: string, target: string, depth: number) {
  await git(path.dirname(target), [
    'clone',
    '--quiet',
    `--depth=${depth}`,
    `file://${source}`,
    target,
  ]);
}

/** A baseline file of services with sizes only, as people write them by hand. */
export function sizesBaseline(sizes: Readonly<Record<string, number>>): string {
  const services = Object.fromEntries(
    Object.entries(sizes).map(([name, size]) => [name, { size }]),
  );
  return `${JSON.stringify({ version: 1, services }, null, 2)}\n`;
}
