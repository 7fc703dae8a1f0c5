import path from 'node:path';
import { errorMessage } from '../core/errors.js';
import { MAX_INPUT_FILE_BYTES } from '../core/input-limits.js';
import type { Exec } from '../exec.js';
import { parseBaseline } from './baseline.js';
import type { BaselineHistory, BaselineVersion, VersionEntry } from './types.js';

/** How many of the baseline file's committed versions the trend and max-creep look back over. */
export const TREND_VERSIONS = 10;

const SHALLOW_HINT = 'check out with fetch-depth: 0 (actions/checkout) to see the trend';

/**
 * Reads the last TREND_VERSIONS committed versions of the baseline file with git. Never throws:
 * no git, no repository or a shallow clone make the history unavailable, with the reason, and
 * a version that cannot be parsed is skipped and named.
 */
export async function readBaselineHistory(
  baselinePath: string,
  exec: Exec,
  /** The file as messages name it (relative to the repository root). */
  shownAs: string = baselinePath,
): Promise<BaselineHistory> {
  const directory = path.dirname(baselinePath);
  // `rev:./name` is resolved from the working directory git runs in, so the file's path inside
  // the repository never has to be worked out here.
  const spec = `./${path.basename(baselinePath)}`;
  // Literal: a file named `sizes[1].json` is that file, not a pattern.
  const git = (args: readonly string[]) =>
    exec('git', ['-C', directory, '--literal-pathspecs', ...args]);

  const shallowAnswer = await git(['rev-parse', '--is-shallow-repository']);
  if (shallowAnswer.exitCode !== 0) {
    return {
      kind: 'unavailable',
      reason: gitProblem(shallowAnswer.exitCode, shallowAnswer.stderr),
    };
  }
  const shallow = shallowAnswer.stdout.trim() === 'true';

  const log = await git(['log', `--max-count=${TREND_VERSIONS}`, '--format=%H %cI', '--', spec]);
  if (log.exitCode !== 0) {
    return { kind: 'unavailable', reason: gitProblem(log.exitCode, log.stderr) };
  }
  const commits = parseLogLines(log.stdout);
  // One version in a shallow clone is the checkout itself: there is no trend to draw.
  if (shallow && commits.length < 2) {
    return { kind: 'unavailable', reason: `the checkout is shallow; ${SHALLOW_HINT}` };
  }
  if (commits.length === 0) {
    return {
      kind: 'unavailable',
      reason: `${shownAs} has no committed versions yet`,
    };
  }

  const versions: BaselineVersion[] = [];
  const skipped: string[] = [];
  for (const { commit, committedAt } of commits) {
    const short = commit.slice(0, 7);
    const shown = await git(['show', `${commit}:${spec}`]);
    if (shown.exitCode !== 0) {
      skipped.push(`${shownAs} at ${short}: not in that commit (deleted or moved)`);
      continue;
    }
    if (shown.stdout.length > MAX_INPUT_FILE_BYTES) {
      skipped.push(
        `${shownAs} at ${short}: is over ${MAX_INPUT_FILE_BYTES / 1_000_000} MB; files over that are refused`,
      );
      continue;
    }
    try {
      const baseline = parseBaseline(shown.stdout, `${shownAs} at ${short}`);
      const services = Object.fromEntries(
        Object.entries(baseline.services).map(([name, entry]): [string, VersionEntry] => [
          name,
          {
            size: entry.size,
            ...(entry.compressed === undefined ? {} : { compressed: entry.compressed }),
            ...(entry.platform === undefined ? {} : { platform: entry.platform }),
          },
        ]),
      );
      versions.push({ commit, committedAt, services });
    } catch (error) {
      skipped.push(errorMessage(error));
    }
  }
  return { kind: 'read', versions: versions.reverse(), skipped, shallow };
}

/** `git log --format='%H %cI'` lines, newest first; lines of any other shape are ignored. */
export function parseLogLines(stdout: string): { commit: string; committedAt: string }[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^([0-9a-f]{40,64}) (\S+)$/.exec(line.trim());
    return match?.[1] !== undefined && match[2] !== undefined
      ? [{ commit: match[1], committedAt: match[2] }]
      : [];
  });
}

function gitProblem(exitCode: number, stderr: string): string {
  if (exitCode === 127) return 'git is not installed';
  const first = stderr.trim().split('\n')[0] ?? '';
  return /not a git repository/i.test(first)
    ? 'the baseline is not in a git repository'
    : `git could not read the history (${first || `exit code ${exitCode}`})`;
}
