import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import { serializeJsonReport, type JsonReport } from './json-report.js';

/**
 * Writes the JSON report. A report that cannot be written is a reporting problem: it is said
 * once and never changes the verdict.
 */
export async function writeJsonReport(
  file: string,
  report: JsonReport,
  log: Log,
): Promise<boolean> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, serializeJsonReport(report));
    return true;
  } catch (error) {
    log.warning(`Could not write the JSON report to ${file}: ${errorMessage(error)}`);
    return false;
  }
}
