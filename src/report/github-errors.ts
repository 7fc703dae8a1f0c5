import { errorMessage } from '../core/errors.js';
import { isObject, stringMember } from '../core/json-guards.js';
import type { CommentTarget, PostCommentOptions } from './github.js';

/** One warning line for a failed comment, by HTTP status. */
export function describeCommentError(
  error: unknown,
  target: CommentTarget,
  options: PostCommentOptions = {},
): string {
  const prefix = 'Could not post the pull request comment:';
  const where = `#${String(target.issueNumber)} in ${target.owner}/${target.repo}`;
  const failure = readRequestError(error);
  if (failure === undefined) return `${prefix} ${oneLine(errorMessage(error))}`;
  const { status, message, headers, answered } = failure;
  const detail = message === '' ? `HTTP ${String(status)}` : `HTTP ${String(status)}: ${message}`;

  const rateLimited =
    status === 429 ||
    (status === 403 && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
  if (rateLimited) {
    return `${prefix} GitHub API rate limit exceeded (${detail}); the comment is skipped, the report is in the job summary.`;
  }
  if (!answered) {
    return /abort|timeout|timed out/i.test(message)
      ? `${prefix} GitHub API unavailable after retries: no answer in time (${message}).`
      : `${prefix} GitHub API unavailable after retries (network error: ${message}).`;
  }
  if (status >= 500) {
    return `${prefix} GitHub API unavailable after retries (${detail}).`;
  }
  switch (status) {
    case 401:
      return `${prefix} the token was rejected (${detail}); check the \`github-token\` input.`;
    case 403:
      return options.isFork === true
        ? `${prefix} pull requests from forks get a read-only token (${detail}). The report is in the job summary and the \`markdown\` output; to comment on fork pull requests, post it from a trusted \`workflow_run\` workflow with \`mode: report\`.`
        : `${prefix} the token may not write to pull requests (${detail}). Add \`permissions: pull-requests: write\` to the job; for pull requests from forks the token is always read-only, so post from a \`workflow_run\` workflow with \`mode: report\` instead.`;
    case 404:
      return `${prefix} pull request ${where} was not found, or the token cannot see the repository (${detail}).`;
    case 422:
      return `${prefix} GitHub rejected the comment (${detail}).`;
    default:
      return `${prefix} unexpected answer from the GitHub API (${detail}).`;
  }
}

interface RequestFailure {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** False when no HTTP answer arrived (network error, timeout): octokit reports those as 500. */
  readonly answered: boolean;
}

/** The parts of an octokit RequestError we need, read without trusting its shape. */
function readRequestError(error: unknown): RequestFailure | undefined {
  if (!isObject(error)) return undefined;
  const status = error['status'];
  if (typeof status !== 'number') return undefined;
  const response = error['response'];
  const headers: Record<string, string> = {};
  let message = stringMember(error, 'message') ?? '';
  if (isObject(response)) {
    const rawHeaders = response['headers'];
    if (isObject(rawHeaders)) {
      for (const [name, value] of Object.entries(rawHeaders)) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
    }
    const data = response['data'];
    const apiMessage = isObject(data) ? stringMember(data, 'message') : undefined;
    if (apiMessage !== undefined) message = apiMessage;
  }
  return { status, message: oneLine(message), headers, answered: isObject(response) };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
