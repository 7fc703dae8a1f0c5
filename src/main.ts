import * as core from '@actions/core';
import Docker from 'dockerode';
import { execCommand } from './build/exec.js';
import { errorMessage } from './errors.js';
import { parseInputs, type Inputs } from './inputs.js';
import type { Log } from './log.js';
import { runGate, type GateRun } from './pipeline.js';
import { writeJsonReport } from './report/write-report.js';

const actionsLog: Log = {
  info(message) {
    core.info(message);
  },
  warning(message) {
    core.warning(message);
  },
  block(title, lines) {
    core.startGroup(title);
    for (const line of lines) core.info(line);
    core.endGroup();
  },
};

/** The action: report first, fail last, and exactly one setFailed. */
export async function run(): Promise<void> {
  let result: GateRun;
  let inputs: Inputs;
  try {
    inputs = parseInputs((name) => core.getInput(name), process.env, process.cwd());
    result = await runGate(inputs, {
      docker: new Docker(),
      exec: execCommand,
      log: actionsLog,
      env: process.env,
      now: () => new Date(),
    });
  } catch (error) {
    core.setFailed(errorMessage(error));
    return;
  }

  const { verdict } = result;
  const reportWritten = await writeJsonReport(inputs.reportPath, result.report, actionsLog);
  core.setOutput('passed', String(verdict.passed));
  core.setOutput('report', reportWritten ? inputs.reportPath : '');
  core.setOutput('markdown', result.markdown);
  core.setOutput('total-size', String(verdict.total.current));
  core.setOutput('total-change', String(verdict.total.change));
  core.setOutput('failed-services', failedServices(result).join(','));
  try {
    await core.summary.addRaw(result.markdown, true).write();
  } catch (error) {
    // The summary is a report, not the verdict: losing it must not change the outcome.
    core.warning(`Could not write the job summary: ${errorMessage(error)}`);
  }

  if (!verdict.passed) {
    core.setFailed(
      `Image size gate failed:\n${verdict.failures.map((line) => `- ${line}`).join('\n')}`,
    );
  }
}

function failedServices(result: GateRun): string[] {
  return result.verdict.services
    .filter((service) => service.status === 'fail' || service.status === 'error')
    .map((service) => service.name);
}
