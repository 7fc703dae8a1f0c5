import type { FailOn } from './core/model.js';
import type { Metric } from './core/model.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { readBaseline } from './baseline/baseline.js';
import type { Approval, Verdict } from './compare/types.js';
import { INPUT_SOURCE, InputError } from './core/errors.js';
import { mergeShardReports } from './compare/merge.js';
import { parseJsonReport, shardReportOf, type JsonPullRequest } from './report/json-report.js';

/**
 * Finds the JSON reports named by the `reports` input: files, directories (every `.json` below
 * them, as actions/download-artifact lays them out) or globs. Returns their paths sorted, so a
 * merge is the same on every run.
 */
export async function findReportFiles(
  patterns: readonly string[],
  workingDirectory: string,
): Promise<string[]> {
  if (patterns.length === 0) {
    throw new InputError(
      INPUT_SOURCE,
      'reports',
      '',
      'mode: report needs the JSON reports to merge (a directory, file or glob)',
    );
  }
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = await expand(pattern, workingDirectory);
    if (matches.length === 0) {
      throw new InputError(INPUT_SOURCE, 'reports', pattern, 'matches no JSON report');
    }
    for (const match of matches) found.add(match);
  }
  return [...found].sort();
}

export interface MergedReports {
  readonly verdict: Verdict;
  readonly files: readonly string[];
  /** The pull requests the measuring runs named (a relay verifies them before use). */
  readonly pullRequests: readonly JsonPullRequest[];
}

/** `mode: report`: one verdict from the reports of shards or of an untrusted measuring job. */
export async function mergeReportFiles(
  patterns: readonly string[],
  workingDirectory: string,
  options: {
    readonly totalBudget: number | undefined;
    readonly failOn: FailOn;
    /** What the checkout says exists; absent where the merging job has no checkout. */
    readonly repository?: RepositoryServices | undefined;
    readonly approval?: Approval | undefined;
  },
): Promise<MergedReports> {
  const files = await findReportFiles(patterns, workingDirectory);
  const reports = await Promise.all(
    files.map(async (file) => parseJsonReport(await readFile(file, 'utf8'), file)),
  );
  const metric = reports[0]?.metric ?? 'uncompressed';
  const known = options.repository
    ? await repositoryServices(options.repository, metric)
    : undefined;
  // Without the input, the shards' own total budget (from their config) still applies.
  const totalBudget =
    options.totalBudget ??
    reports.map((report) => report.total.budget).find((budget) => budget !== null) ??
    undefined;
  return {
    verdict: mergeShardReports(reports.map(shardReportOf), {
      failOn: options.failOn,
      totalBudget,
      knownServices: known?.known,
      definedServices: known?.defined,
      reportNames: files.map((file) => path.relative(workingDirectory, file)),
      approval: options.approval,
    }),
    files,
    pullRequests: reports.flatMap((report) => (report.pullRequest ? [report.pullRequest] : [])),
  };
}

export interface RepositoryServices {
  readonly baselinePath: string;
  /** The services the config or compose file defines; [] when there is neither. */
  readonly serviceNames: () => Promise<readonly string[]>;
}

/** Names the baseline and the config know, with their baseline bytes in `metric`. */
async function repositoryServices(
  repository: RepositoryServices,
  metric: Metric,
): Promise<{ known: Map<string, number | undefined>; defined: Set<string> }> {
  const known = new Map<string, number | undefined>();
  const baseline = await readBaseline(repository.baselinePath);
  for (const [name, entry] of Object.entries(baseline?.services ?? {})) {
    known.set(name, metric === 'compressed' ? entry.compressed : entry.size);
  }
  const defined = new Set(await repository.serviceNames());
  for (const name of defined) if (!known.has(name)) known.set(name, undefined);
  return { known, defined };
}

async function expand(pattern: string, workingDirectory: string): Promise<string[]> {
  const absolute = path.resolve(workingDirectory, pattern);
  if (!/[*?[\]{}]/.test(pattern)) {
    const info = await stat(absolute).catch(() => undefined);
    if (!info) return [];
    return info.isDirectory() ? jsonFilesUnder(absolute) : [absolute];
  }
  const firstGlob = absolute.search(/[*?[\]{}]/);
  const root = absolute.slice(0, absolute.lastIndexOf(path.sep, firstGlob) + 1) || path.sep;
  const candidates = await jsonFilesUnder(root).catch(() => []);
  return candidates.filter((file) => minimatch(file, absolute, { dot: true }));
}

async function jsonFilesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
