import type { AnalyzeMode } from '../core/model.js';
import type { CommentPolicy } from '../core/model.js';
import type { Verdict } from '../compare/types.js';
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import { commentMarker, renderComment } from './comment.js';
import { createGitHubClient, findStickyComment, postComment } from './github.js';
import type { JsonPullRequest } from './json-report.js';
import { resolveCommentTarget, type EventContext } from './pull-request-target.js';

export interface CommentSettings {
  readonly policy: CommentPolicy;
  readonly key: string;
  readonly token: string;
  readonly apiUrl: string | undefined;
  readonly runUrl: string | undefined;
  readonly refreshHint: string;
  readonly analyze: AnalyzeMode;
  /** Test hook: milliseconds per unit of retry wait (production: 1000). */
  readonly retryAfterBaseValue?: number | undefined;
}

/**
 * Posts or updates the sticky pull-request comment. Never throws and never touches the verdict:
 * every problem (no pull request, fork token, API down) becomes one log line.
 */
export async function publishComment(
  verdict: Verdict,
  event: EventContext,
  reported: readonly JsonPullRequest[],
  settings: CommentSettings,
  log: Log,
): Promise<void> {
  if (settings.policy === 'never') return;
  try {
    await publish(verdict, event, reported, settings, log);
  } catch (error) {
    log.warning(`Could not post the pull request comment: ${errorMessage(error)}`);
  }
}

async function publish(
  verdict: Verdict,
  event: EventContext,
  reported: readonly JsonPullRequest[],
  settings: CommentSettings,
  log: Log,
): Promise<void> {
  if (settings.token === '') {
    log.warning('No pull request comment: the github-token input is empty.');
    return;
  }
  const client = createGitHubClient(settings.token, {
    baseUrl: settings.apiUrl,
    log,
    retryAfterBaseValue: settings.retryAfterBaseValue,
  });
  const target = await resolveCommentTarget(event, reported, client);
  if (target.kind === 'none') {
    const say = settings.policy === 'always' ? log.warning.bind(log) : log.info.bind(log);
    say(`No pull request comment: ${target.why}.`);
    return;
  }
  const { context } = target;
  if (context.isFork && event.name === 'pull_request') {
    log.warning(
      `No pull request comment: #${context.number} comes from a fork, and GitHub gives fork pull requests a read-only token. The report is in the job summary and the markdown output; to comment, relay it from a workflow_run job with mode: report.`,
    );
    return;
  }

  const marker = commentMarker(settings.key);
  const commentTarget = { owner: context.owner, repo: context.repo, issueNumber: context.number };
  const worthSaying =
    settings.policy === 'always' ||
    verdict.total.overBudget ||
    verdict.services.some((service) => !service.collapsed);
  if (!worthSaying) {
    // Nothing changed: leave the pull request alone, but never leave stale numbers behind.
    const existing = await findStickyComment(client, commentTarget, marker);
    if (!existing) {
      log.info('No pull request comment: no service changed beyond ignore-below.');
      return;
    }
  }
  const body = renderComment(verdict, {
    key: settings.key,
    runUrl: settings.runUrl,
    refreshHint: settings.refreshHint,
    analyze: settings.analyze,
  });
  const result = await postComment(client, commentTarget, marker, body, {
    isFork: context.isFork,
  });
  if (result.ok) log.info(`Pull request comment ${result.action}: ${result.url}`);
  else log.warning(result.warning);
}
