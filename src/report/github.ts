/**
 * The GitHub API edge of reporting: an octokit with retries and rate-limit handling, and the
 * sticky pull request comment (found by a marker line over all pages, updated in place).
 *
 * {@link postComment} is what the pipeline calls: it never throws, and turns every failure into
 * one warning line that says what to change. A comment problem never changes the verdict.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { describeCommentError } from './github-errors.js';
import type { PullRequestContext } from './pull-request.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  /** REST API root; leave undefined to use `GITHUB_API_URL` (read by @actions/github). */
  readonly baseUrl?: string | undefined;
  readonly log: {
    info(message: string): void;
    warning(message: string): void;
  };
  /** Retries of a request that failed with 5xx or a network error; default 2 (3 attempts). */
  readonly retries?: number | undefined;
  /**
   * Milliseconds per unit of wait, for both plugins: a 5xx retry waits (n + 1)² units
   * (1 s then 4 s by default), a rate limit waits `Retry-After` units. Default 1000; tests
   * pass 1 so that waits take milliseconds.
   */
  readonly retryAfterBaseValue?: number | undefined;
  /**
   * Deadline for one API call including its retries and rate-limit waits, in milliseconds;
   * default 90 s. A request still running then is aborted and fails like a network error.
   */
  readonly requestTimeoutMs?: number | undefined;
}

/** A rate-limit wait longer than this is not worth holding the job for: give up instead. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 60;
const DEFAULT_RETRIES = 2;
const DEFAULT_REQUEST_TIMEOUT_MS = 90_000;
/** plugin-retry's defaults plus 429, which the throttling plugin handles (with Retry-After). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

let clientCount = 0;

/**
 * An octokit for the action's token. Transient failures (5xx, dropped connections) are retried
 * `retries` times with short growing waits; 4xx answers are not retried. Rate limits (primary:
 * `x-ratelimit-remaining: 0`; secondary: "secondary rate limit" with `Retry-After`) are retried
 * once when GitHub asks to wait at most {@link MAX_RATE_LIMIT_WAIT_SECONDS}, else given up
 * with a warning.
 *
 * Throws when `token` is empty (the `github-token` input was cleared).
 */
export function createGitHubClient(token: string, options: GitHubClientOptions): GitHubClient {
  const { log } = options;
  const base = options.retryAfterBaseValue ?? 1000;
  clientCount += 1;

  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const what = `${request.method ?? 'GET'} ${request.url ?? ''}`.trim();
      if (retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS) {
        log.info(`GitHub API ${kind} on ${what}: retrying once in ${retryAfter} s.`);
        return true;
      }
      log.warning(
        retryCount < 1
          ? `GitHub API ${kind} on ${what}: GitHub asks to wait ${retryAfter} s (more than ${MAX_RATE_LIMIT_WAIT_SECONDS} s); giving up.`
          : `GitHub API ${kind} on ${what}: still limited after one retry; giving up.`,
      );
      return false;
    };

  const client = getOctokit(
    token,
    {
      // Only when given: an explicit undefined would replace @actions/github's GITHUB_API_URL.
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl.replace(/\/+$/, '') }),
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => {
          log.warning(message);
        },
        error: (message: string) => {
          log.warning(message);
        },
      },
      // Not `request: { retries }`: a `request` option would replace @actions/github's
      // proxy-aware fetch. The plugins read these from their own options instead.
      retry: {
        retries: options.retries ?? DEFAULT_RETRIES,
        retryAfterBaseValue: base,
        doNotRetry: DO_NOT_RETRY,
      },
      throttle: {
        // Throttling groups (writes 1 s apart, notifying writes 3 s apart) are per process and
        // keyed by id: one key per client, so separate clients never wait for each other.
        id: `image-size-gate-${String(clientCount)}`,
        retryAfterBaseValue: base,
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
      },
    },
    retry,
    throttling,
  );

  // Registered after the plugins, so it wraps them: one deadline covers every retry of a call.
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  client.hook.before('request', (request) => {
    request.request.signal ??= AbortSignal.timeout(timeoutMs);
  });
  return client;
}

export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  /** Pull request (or issue) number. */
  readonly issueNumber: number;
}

export interface StickyComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
}

export interface UpsertResult {
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly commentId: number;
  readonly url: string;
}

export type PostCommentResult =
  ({ readonly ok: true } & UpsertResult) | { readonly ok: false; readonly warning: string };

/**
 * Whether a comment body is ours for this marker (`commentMarker(key)` of `./comment.ts`,
 * one per `comment-key`). Ours means: the marker is the whole first line. Someone quoting or mentioning the marker
 * anywhere else in their comment does not make it ours; neither does another key's marker.
 */
export function isStickyComment(body: string, marker: string): boolean {
  const newline = body.indexOf('\n');
  const firstLine = newline === -1 ? body : body.slice(0, newline);
  return firstLine.replace(/\r$/, '') === marker;
}

/** Our comments on the issue, oldest first, reading pages of 100 only as far as asked. */
async function* stickyComments(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
): AsyncGenerator<StickyComment> {
  checkMarker(marker);
  const pages = client.paginate.iterator(client.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const comment of page.data) {
      if (comment.body !== undefined && isStickyComment(comment.body, marker)) {
        yield { id: comment.id, body: comment.body, url: comment.html_url };
      }
    }
  }
}

/** Every comment on the issue that is ours, reading every page. */
async function findStickyComments(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
): Promise<StickyComment[]> {
  const found: StickyComment[] = [];
  for await (const comment of stickyComments(client, target, marker)) found.push(comment);
  return found;
}

/** The first comment on the issue that is ours, reading pages of 100 until it is found. */
export async function findStickyComment(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
): Promise<StickyComment | undefined> {
  for await (const comment of stickyComments(client, target, marker)) return comment;
  return undefined;
}

/**
 * Creates our comment, or updates it in place; leaves it alone when the text is the same.
 * `body` gets the marker as its first line unless it already starts with it. Throws on API
 * errors (see {@link postComment} for the variant that does not).
 */
export async function upsertStickyComment(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
  body: string,
): Promise<UpsertResult> {
  checkMarker(marker);
  const text = isStickyComment(body, marker) ? body : `${marker}\n${body}`;
  const existing = await findStickyComment(client, target, marker);
  if (existing !== undefined) {
    if (sameText(existing.body, text)) {
      return { action: 'unchanged', commentId: existing.id, url: existing.url };
    }
    const { data } = await client.rest.issues.updateComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: existing.id,
      body: text,
    });
    return { action: 'updated', commentId: data.id, url: data.html_url };
  }
  const { data } = await client.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body: text,
  });
  // Two runs at once (a quick second push) can both find none and both create one. Whoever
  // sees an older sticky comment than its own deletes its own and writes into the older one.
  const oldest = (await findStickyComments(client, target, marker)).reduce<
    StickyComment | undefined
  >(
    (first, comment) => (first === undefined || comment.id < first.id ? comment : first),
    undefined,
  );
  if (oldest === undefined || oldest.id === data.id) {
    return { action: 'created', commentId: data.id, url: data.html_url };
  }
  await client.rest.issues.deleteComment({
    owner: target.owner,
    repo: target.repo,
    comment_id: data.id,
  });
  if (sameText(oldest.body, text)) {
    return { action: 'unchanged', commentId: oldest.id, url: oldest.url };
  }
  const updated = await client.rest.issues.updateComment({
    owner: target.owner,
    repo: target.repo,
    comment_id: oldest.id,
    body: text,
  });
  return { action: 'updated', commentId: updated.data.id, url: updated.data.html_url };
}

export interface PostCommentOptions {
  /** The pull request comes from a fork: a 403 is then explained as GitHub's fork rule. */
  readonly isFork?: boolean | undefined;
}

/**
 * {@link upsertStickyComment} that never throws: any failure becomes `{ ok: false, warning }`,
 * one line for `core.warning` that names the cause and the fix.
 */
export async function postComment(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
  body: string,
  options: PostCommentOptions = {},
): Promise<PostCommentResult> {
  try {
    const result = await upsertStickyComment(client, target, marker, body);
    return { ok: true, ...result };
  } catch (error) {
    return { ok: false, warning: describeCommentError(error, target, options) };
  }
}

/**
 * The pull request's context when its head is still `headSha`, else undefined (the pull
 * request moved on, or the number does not belong to that commit). For `workflow_run`
 * relays: never trust a pull request number from a report without this check. Throws on API
 * errors, including 404 for an unknown pull request.
 */
export async function verifyPullRequestHead(
  client: GitHubClient,
  repository: { readonly owner: string; readonly repo: string },
  number: number,
  head: { readonly sha: string; readonly repository: string },
): Promise<PullRequestContext | undefined> {
  const { data } = await client.rest.pulls.get({
    owner: repository.owner,
    repo: repository.repo,
    pull_number: number,
  });
  if (data.head.sha.toLowerCase() !== head.sha.toLowerCase()) return undefined;
  // The same commit can be pushed to any fork: the pull request must come from the repository
  // the measuring run checked out, or a forged report could send the comment elsewhere.
  if ((data.head.repo?.full_name ?? '').toLowerCase() !== head.repository.toLowerCase()) {
    return undefined;
  }
  const headRepository = data.head.repo?.full_name;
  const baseRepository = data.base.repo.full_name;
  return {
    owner: repository.owner,
    repo: repository.repo,
    number: data.number,
    isFork:
      headRepository === undefined || headRepository.toLowerCase() !== baseRepository.toLowerCase(),
    headSha: data.head.sha,
  };
}

function sameText(left: string, right: string): boolean {
  return left.replace(/\r\n/g, '\n') === right.replace(/\r\n/g, '\n');
}

function checkMarker(marker: string): void {
  if (marker.trim() === '' || /[\r\n]/.test(marker)) {
    throw new Error(
      `the comment marker must be one non-empty line (got ${JSON.stringify(marker)})`,
    );
  }
}
