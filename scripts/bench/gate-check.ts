/**
 * The whole gate on a generated repository, as a bench task: `mode: check` (or `update`) with
 * every service's image taken from the engine, either the usual way (an image the baseline
 * recorded is not read again) or reading every image (`readEveryImage`), the other side of the
 * comparison.
 */
import Docker from 'dockerode';
import { execCommand } from '../../src/exec.js';
import { parseInputs } from '../../src/inputs.js';
import type { Log } from '../../src/log.js';
import { runGate } from '../../src/pipeline.js';

export interface GateTask {
  readonly kind: 'gate';
  readonly root: string;
  readonly mode: 'check' | 'update';
  readonly readEveryImage: boolean;
}

const quiet: Log = { info: () => undefined, warning: () => undefined, block: () => undefined };

export async function runGateTask(task: GateTask) {
  const values: Record<string, string> = {
    'working-directory': task.root,
    mode: task.mode,
    'report-file': `${task.root}/report-${task.mode}.json`,
  };
  const env = { ...process.env };
  const start = performance.now();
  const run = await runGate(
    parseInputs((name) => values[name] ?? '', env, task.root),
    {
      docker: new Docker(),
      exec: execCommand,
      log: quiet,
      env,
      readEveryImage: task.readEveryImage,
    },
  );
  const seconds = (performance.now() - start) / 1000;
  const services = run.verdict.services;
  return {
    seconds,
    size: run.verdict.total.current,
    services: services.length,
    fromBaseline: services.filter((service) => service.measurement?.fromBaseline).length,
    changed: services.filter((service) => !service.unchanged).length,
  };
}
