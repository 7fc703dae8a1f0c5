import path from 'node:path';
import { parseInputs } from '../../src/inputs.js';
import { runGate, type GateDependencies, type GateRun } from '../../src/pipeline.js';
import type { TestEngine } from './engines.js';
import { MemoryLog } from './memory-log.js';

/**
 * Runs the real gate on `engine` in the repository at `root`, as the action would with these
 * workflow inputs (the report goes to `root/report.json`). `log` keeps what the run said.
 */
export async function runGateOn(
  engine: TestEngine,
  root: string,
  inputs: Readonly<Record<string, string>>,
  log: MemoryLog = new MemoryLog(),
  options: Pick<GateDependencies, 'readEveryImage'> = {},
): Promise<GateRun> {
  const values: Record<string, string> = {
    'working-directory': root,
    'report-file': path.join(root, 'report.json'),
    ...inputs,
  };
  return runGate(
    parseInputs((name) => values[name] ?? '', engine.env, root),
    {
      docker: engine.docker,
      exec: engine.exec,
      log,
      env: engine.env,
      ...options,
    },
  );
}
