import type { Environment } from '../core/model.js';
import { readFileSync } from 'node:fs';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import { verifyPullRequestHead, type GitHubClient } from './github.js';
import type { JsonPullRequest } from './json-report.js';
import {
  readPullRequestContext,
  readWorkflowRunContext,
  type PullRequestContext,
} from './pull-request.js';

/** The triggering event, as the runner describes it to a JavaScript action. */
export interface EventContext {
  readonly name: string;
  readonly payload: unknown;
  readonly repository: string;
}

export function readEventContext(env: Environment, log: Log): EventContext {
  const name = env['GITHUB_EVENT_NAME'] ?? '';
  const repository = env['GITHUB_REPOSITORY'] ?? '';
  const eventPath = env['GITHUB_EVENT_PATH'];
  let payload: unknown;
  if (eventPath) {
    try {
      payload = JSON.parse(readFileSync(eventPath, 'utf8')) as unknown;
    } catch (error) {
      log.warning(`Could not read the event payload ${eventPath}: ${errorMessage(error)}`);
    }
  }
  return { name, payload, repository };
}

/** The pull request this run measures, for the JSON report (so a relay can find it). */
export function pullRequestOfEvent(event: EventContext): JsonPullRequest | undefined {
  const context = readPullRequestContext(event.name, event.payload, event.repository);
  return context ? { number: context.number, headSha: context.headSha } : undefined;
}

export type CommentTargetResolution =
  | { readonly kind: 'pull-request'; readonly context: PullRequestContext }
  | { readonly kind: 'none'; readonly why: string };

/**
 * Which pull request to comment on. On pull_request(_target) events it is the event's own.
 * On workflow_run (the fork relay) it is the number the reports carry, but only after GitHub
 * confirms that this pull request's head is the commit the triggering run measured: report
 * files come from an untrusted job and could name any pull request.
 */
export async function resolveCommentTarget(
  event: EventContext,
  reported: readonly JsonPullRequest[],
  client: GitHubClient,
): Promise<CommentTargetResolution> {
  const direct = readPullRequestContext(event.name, event.payload, event.repository);
  if (direct) return { kind: 'pull-request', context: direct };
  if (event.name !== 'workflow_run') {
    return {
      kind: 'none',
      why: `the ${event.name || 'unknown'} event is not about a pull request`,
    };
  }
  const run = readWorkflowRunContext(event.payload);
  if (!run) return { kind: 'none', why: 'the workflow_run payload could not be read' };
  if (run.event !== 'pull_request' && run.event !== 'pull_request_target') {
    return { kind: 'none', why: `the triggering run was a ${run.event} run, not a pull request's` };
  }
  const numbers = [...new Set(reported.map((pullRequest) => pullRequest.number))];
  const [number] = numbers;
  if (number === undefined) {
    return {
      kind: 'none',
      why: 'the reports name no pull request (the measuring run was not one)',
    };
  }
  if (numbers.length > 1) {
    return {
      kind: 'none',
      why: `the reports name different pull requests (${numbers.join(', ')})`,
    };
  }
  const [owner = '', repo = ''] = event.repository.split('/');
  const verified = await verifyPullRequestHead(client, { owner, repo }, number, {
    sha: run.headSha,
    repository: run.headRepository,
  });
  if (!verified) {
    return {
      kind: 'none',
      why: `pull request #${number} is not at ${run.headSha.slice(0, 12)} from ${run.headRepository}, the commit the triggering run measured`,
    };
  }
  return { kind: 'pull-request', context: verified };
}
