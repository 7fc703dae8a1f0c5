import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { dockerClient } from './engine-address.js';
import { execCommand } from './exec.js';
import type { Verdict } from './compare/types.js';
import { errorMessage } from './core/errors.js';
import { parseInputs, type Inputs } from './inputs.js';
import type { Log } from './log.js';
import { repositoryServices, runGate } from './pipeline.js';
import { buildAnnotations } from './report/annotations.js';
import { buildJsonReport, type JsonPullRequest } from './report/json-report.js';
import { publishComment } from './report/publish-comment.js';
import { assertReportPathIsSafe } from './report/report-path.js';
import {
  pullRequestOfEvent,
  readEventContext,
  type EventContext,
} from './report/pull-request-target.js';
import { mergeReportFiles } from './merge-reports.js';
import { lookUpApproval } from './approval.js';
import { matrixOf, planRepository } from './plan.js';
import { renderPlan } from './report/plan.js';
import { renderSummary } from './report/summary.js';
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

interface Outcome {
  readonly verdict: Verdict;
  /** Pull requests named by merged reports (mode: report); empty otherwise. */
  readonly reportedPullRequests: readonly JsonPullRequest[];
}

/** The action: report first (outputs, summary, annotations, comment), fail last, once. */
export async function run(): Promise<void> {
  let inputs: Inputs;
  let outcome: Outcome;
  // Read once: the approval lookup and the comment both go by the triggering event.
  const event = readEventContext(process.env, actionsLog);
  try {
    inputs = parseInputs((name) => core.getInput(name), process.env, process.cwd());
    if (inputs.mode === 'plan') {
      await plan(inputs);
      return;
    }
    outcome = await decide(inputs, event);
  } catch (error) {
    core.setFailed(errorMessage(error));
    return;
  }
  const { verdict } = outcome;
  try {
    await report(verdict, outcome, inputs, event);
  } catch (error) {
    // Reporting is never the verdict: whatever broke here, the gate still decides below.
    core.warning(`Reporting failed: ${errorMessage(error)}`);
  }

  if (!verdict.passed) {
    core.setFailed(
      `Image size gate failed:\n${verdict.failures.map((line) => `- ${line}`).join('\n')}`,
    );
  }
}

/** Outputs, JSON report, job summary, annotations and the comment; never decides anything. */
async function report(
  verdict: Verdict,
  outcome: Outcome,
  inputs: Inputs,
  event: EventContext,
): Promise<void> {
  const runUrl = workflowRunUrl(process.env);
  const ownPullRequest = pullRequestOfEvent(event);
  const jsonReport = buildJsonReport(verdict, {
    generatedAt: new Date().toISOString(),
    mode: inputs.mode,
    runUrl,
    pullRequest: ownPullRequest ?? sole(outcome.reportedPullRequests),
  });
  const markdown = renderSummary(verdict, inputs.analyze);

  const reportWritten = await writeJsonReport(inputs.reportPath, jsonReport, actionsLog);
  core.setOutput('passed', String(verdict.passed));
  core.setOutput('report', reportWritten ? inputs.reportPath : '');
  core.setOutput('markdown', markdown);
  core.setOutput('total-size', String(verdict.total.current));
  core.setOutput('total-change', String(verdict.total.change));
  core.setOutput('failed-services', verdict.failedServices.join(','));
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (error) {
    // The summary is a report, not the verdict: losing it must not change the outcome.
    core.warning(`Could not write the job summary: ${errorMessage(error)}`);
  }
  // Reports merged in mode: report come from another job: never read files they name.
  annotate(verdict, inputs.mode === 'report' ? undefined : inputs.workingDirectory);
  await publishComment(
    verdict,
    event,
    outcome.reportedPullRequests,
    {
      policy: inputs.comment,
      key: inputs.commentKey,
      token: inputs.githubToken,
      apiUrl: process.env['GITHUB_API_URL'],
      runUrl,
      refreshHint: refreshHint(verdict, inputs),
      analyze: inputs.analyze,
      retryAfterBaseValue: testRetryBase(process.env),
    },
    actionsLog,
  );
}

/** `mode: plan`: the `matrix` output and a summary table; nothing is built. */
async function plan(inputs: Inputs): Promise<void> {
  const { plan: shards, note } = await planRepository(inputs, process.env);
  if (note !== undefined) core.warning(note);
  core.setOutput('matrix', matrixOf(shards));
  const summary = renderPlan(shards);
  core.info(summary);
  try {
    await core.summary.addRaw(summary, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`);
  }
}

async function decide(inputs: Inputs, event: EventContext): Promise<Outcome> {
  await assertReportPathIsSafe(inputs, execCommand);
  const approval = await lookUpApproval({
    event,
    label: inputs.approveLabel,
    token: inputs.githubToken,
    apiUrl: process.env['GITHUB_API_URL'],
    log: actionsLog,
  });
  if (inputs.mode === 'report') {
    const merged = await mergeReportFiles(inputs.reports, inputs.workingDirectory, {
      repository: repositoryServices(inputs, process.env),
      totalBudget: inputs.totalBudget,
      failOn: inputs.failOn,
      approval,
    });
    core.info(`Merged ${merged.files.length} reports: ${merged.files.join(', ')}`);
    return { verdict: merged.verdict, reportedPullRequests: merged.pullRequests };
  }
  const result = await runGate(inputs, {
    docker: dockerClient(process.env),
    exec: execCommand,
    log: actionsLog,
    env: process.env,
    approval,
  });
  return { verdict: result.verdict, reportedPullRequests: [] };
}

function annotate(verdict: Verdict, workingDirectory: string | undefined): void {
  const readDockerfile = (relative: string): string | undefined => {
    if (workingDirectory === undefined) return undefined;
    try {
      return readFileSync(path.resolve(workingDirectory, relative), 'utf8');
    } catch {
      return undefined;
    }
  };
  for (const annotation of buildAnnotations(verdict, readDockerfile)) {
    const properties = {
      title: annotation.title,
      ...(annotation.file ? { file: annotation.file, startLine: annotation.line } : {}),
    };
    if (annotation.level === 'error') core.error(annotation.message, properties);
    else core.warning(annotation.message, properties);
  }
}

/** The commands that record this run's sizes as the new baseline. */
function refreshHint(verdict: Verdict, inputs: Inputs): string {
  const changed = verdict.services
    .filter((service) => !service.collapsed && service.status !== 'error')
    .map((service) => service.name);
  // Only a full update drops a removed service from the baseline.
  const removed = verdict.services.some((service) => service.status === 'removed');
  const some = !removed && changed.length > 0 && changed.length < verdict.services.length;
  const baseline = path.relative(inputs.workingDirectory, inputs.baselinePath);
  return [
    `npx image-size-gate update${some ? ` --services ${changed.join(',')}` : ''}`,
    `git add ${baseline} && git commit -m "Refresh the image-size baseline"`,
  ].join('\n');
}

function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env['GITHUB_SERVER_URL'];
  const repository = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  return server && repository && runId
    ? `${server}/${repository}/actions/runs/${runId}`
    : undefined;
}

function sole(pullRequests: readonly JsonPullRequest[]): JsonPullRequest | undefined {
  const numbers = new Set(pullRequests.map((pullRequest) => pullRequest.number));
  return numbers.size === 1 ? pullRequests[0] : undefined;
}

/**
 * Integration tests shorten GitHub API retry waits; a user never sets this. Read only when the
 * variable is a positive integer.
 */
function testRetryBase(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env['IMAGE_SIZE_GATE_TEST_RETRY_BASE_MS']);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
