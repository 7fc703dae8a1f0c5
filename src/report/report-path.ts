import { INPUT_SOURCE } from '../core/errors.js';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Exec } from '../exec.js';
import { InputError } from '../core/errors.js';
import { type Inputs } from '../inputs.js';

/** The compose files the gate looks for when none is named (services/load.ts reads them). */
const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/**
 * Refuses, before anything runs, a `report-file` that would overwrite a file of the repository:
 * the baseline, the config, a compose file, or any file git tracks. A check run would otherwise
 * replace the baseline with the JSON report. Symlinks are followed, so a link to the baseline is
 * the baseline.
 */
export async function assertReportPathIsSafe(inputs: Inputs, exec: Exec): Promise<void> {
  const report = await resolved(inputs.reportPath);
  const protectedFiles: [string, string][] = [
    [inputs.baselinePath, 'the baseline'],
    [inputs.configPath, 'the config file'],
    ...(
      inputs.composeFiles ?? COMPOSE_NAMES.map((name) => path.join(inputs.workingDirectory, name))
    ).map((file): [string, string] => [file, 'a compose file']),
  ];
  for (const [file, what] of protectedFiles) {
    if ((await resolved(file)) === report) {
      // Named apart from the value: a link, or `../` in it, hides which file it reaches.
      const shown = shownPath(inputs.workingDirectory, file);
      refuse(inputs.reportPath, `is ${what} ${shown}; the report would replace it`);
    }
  }
  const tracked = await exec('git', [
    '-C',
    path.dirname(report),
    'ls-files',
    '--error-unmatch',
    '--',
    path.basename(report),
  ]);
  if (tracked.exitCode === 0) {
    refuse(inputs.reportPath, 'is a file git tracks; the report would replace it');
  }
}

/** A path relative to the repository when it is inside it, else absolute. */
function shownPath(workingDirectory: string, file: string): string {
  const relative = path.relative(path.resolve(workingDirectory), path.resolve(file));
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative)
    ? path.resolve(file)
    : relative.split(path.sep).join('/');
}

function refuse(value: string, problem: string): never {
  throw new InputError(
    INPUT_SOURCE,
    'report-file',
    value,
    `${problem}. Point it at a new file, e.g. under $RUNNER_TEMP (the default)`,
  );
}

async function resolved(file: string): Promise<string> {
  const absolute = path.resolve(file);
  try {
    return await realpath(absolute);
  } catch {
    // Not there yet: its folder may still be a link.
    try {
      return path.join(await realpath(path.dirname(absolute)), path.basename(absolute));
    } catch {
      return absolute;
    }
  }
}
