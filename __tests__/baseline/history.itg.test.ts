import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { TREND_VERSIONS, parseLogLines, readBaselineHistory } from '../../src/baseline/history.js';
import { execCommand } from '../../src/exec.js';
import { tempDirectory } from '../support/engine.js';
import { commitFile, initRepository, shallowClone, sizesBaseline } from '../support/git.js';

const BASELINE = '.github/image-size-baseline.json';

/** Real git on a temporary repository: the history edge reads what git really prints. */
describe('readBaselineHistory with real git', () => {
  let root: string;
  /** Commit IDs of the baseline's versions, oldest first, and the sizes of `api` in them. */
  const commits: string[] = [];
  const apiSizes = [100_000, 104_000, 109_000, 113_000, 118_000];
  let brokenCommit = '';

  beforeAll(async () => {
    root = await tempDirectory('history');
    await initRepository(root);
    await commitFile(root, 'README.md', 'not the baseline\n', 1);
    let day = 2;
    for (const [index, size] of apiSizes.entries()) {
      // `web` joins in the third version: it has fewer points than `api`.
      const services: Record<string, number> =
        index >= 2 ? { api: size, web: 5_000 + index } : { api: size };
      commits.push(await commitFile(root, BASELINE, sizesBaseline(services), day));
      day += 1;
      await commitFile(root, 'src/app.txt', `change ${index}\n`, day);
      day += 1;
      if (index === 2) {
        // A merge gone wrong, committed and fixed in the next version.
        brokenCommit = await commitFile(root, BASELINE, '{ "version": 1, "services": {', day);
        day += 1;
      }
    }
  });

  test('reads the five committed versions oldest first and skips the unparsable one, naming it', async () => {
    const history = await readBaselineHistory(path.join(root, BASELINE), execCommand, BASELINE);
    expect(history.kind).toBe('read');
    if (history.kind !== 'read') return;
    expect(history.shallow).toBe(false);
    expect(history.versions.map((version) => version.commit)).toEqual(commits);
    expect(history.versions.map((version) => version.services['api']?.size)).toEqual(apiSizes);
    expect(history.versions.map((version) => version.services['web']?.size)).toEqual([
      undefined,
      undefined,
      5_002,
      5_003,
      5_004,
    ]);
    expect(history.versions[0]?.committedAt).toBe('2026-11-02T12:00:00+00:00');
    expect(history.skipped).toHaveLength(1);
    expect(history.skipped[0]).toContain(`${BASELINE} at ${brokenCommit.slice(0, 7)}`);
    expect(history.skipped[0]).toContain('is not valid JSON');
  });

  test(`reads at most the last ${TREND_VERSIONS} commits that changed the file`, async () => {
    const long = await tempDirectory('history-long');
    await initRepository(long);
    const written: string[] = [];
    for (let day = 1; day <= TREND_VERSIONS + 3; day += 1) {
      written.push(await commitFile(long, BASELINE, sizesBaseline({ api: day * 1000 }), day));
    }
    const history = await readBaselineHistory(path.join(long, BASELINE), execCommand);
    expect(
      history.kind === 'read' ? history.versions.map((version) => version.commit) : [],
    ).toEqual(written.slice(-TREND_VERSIONS));
  });

  test('a depth-1 clone has no history to read, and says it is shallow', async () => {
    const clone = path.join(await tempDirectory('history-shallow'), 'clone');
    await shallowClone(root, clone, 1);
    expect(await readBaselineHistory(path.join(clone, BASELINE), execCommand)).toEqual({
      kind: 'unavailable',
      reason:
        'the checkout is shallow; check out with fetch-depth: 0 (actions/checkout) to see the trend',
    });
  });

  test('a deeper shallow clone reads the versions it holds and says it is shallow', async () => {
    const clone = path.join(await tempDirectory('history-deeper'), 'clone');
    // The last four commits: app change, version 5, app change, version 4 (see beforeAll).
    await shallowClone(root, clone, 4);
    const history = await readBaselineHistory(path.join(clone, BASELINE), execCommand);
    expect(history.kind === 'read' && history.shallow).toBe(true);
    expect(
      history.kind === 'read'
        ? history.versions.map((version) => version.services['api']?.size)
        : [],
    ).toEqual(apiSizes.slice(-2));
  });

  test('outside a git repository, or for a file never committed, there is no history', async () => {
    const plain = await tempDirectory('history-plain');
    await mkdir(path.join(plain, '.github'));
    expect(await readBaselineHistory(path.join(plain, BASELINE), execCommand)).toEqual({
      kind: 'unavailable',
      reason: 'the baseline is not in a git repository',
    });
    expect(
      await readBaselineHistory(
        path.join(root, '.github', 'other.json'),
        execCommand,
        'other.json',
      ),
    ).toEqual({ kind: 'unavailable', reason: 'other.json has no committed versions yet' });
  });

  test('without git installed, the history is unavailable, not a crash', async () => {
    const noGit = (command: string, args: readonly string[]) =>
      execCommand(command === 'git' ? 'git-that-is-not-installed' : command, args);
    expect(await readBaselineHistory(path.join(root, BASELINE), noGit)).toEqual({
      kind: 'unavailable',
      reason: 'git is not installed',
    });
  });
});

describe('parseLogLines', () => {
  test('reads commit IDs and dates, ignoring anything else git may print', () => {
    const sha1 = 'a'.repeat(40);
    const sha256 = 'b'.repeat(64);
    expect(
      parseLogLines(
        `${sha1} 2026-11-01T12:00:00+00:00\n\nwarning: something\n${sha256} 2026-11-02T00:00:00Z\n`,
      ),
    ).toEqual([
      { commit: sha1, committedAt: '2026-11-01T12:00:00+00:00' },
      { commit: sha256, committedAt: '2026-11-02T00:00:00Z' },
    ]);
  });
});
