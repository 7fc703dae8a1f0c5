import { MemoryLog } from '../support/memory-log.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/comment.js';
import {
  createGitHubClient,
  findStickyComment,
  isStickyComment,
  postComment,
  upsertStickyComment,
  verifyPullRequestHead,
  type CommentTarget,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../src/report/github.js';
import {
  primaryRateLimit,
  secondaryRateLimit,
  startGitHubServer,
  type GitHubServer,
} from '../support/github-server.js';

const TOKEN = 'ghs_test_token';
const PR: CommentTarget = { owner: 'acme', repo: 'shop', issueNumber: 42 };
const ISSUE = { owner: PR.owner, repo: PR.repo, issueNumber: PR.issueNumber };
const MARKER = commentMarker('');
const HEAD_SHA = 'a'.repeat(40);

describe('sticky PR comment (the GitHub API is a local mock server)', () => {
  let server: GitHubServer;
  let log: MemoryLog;

  beforeAll(async () => {
    server = await startGitHubServer({ token: TOKEN });
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(() => {
    server.reset();
  });

  /** A real octokit with the real plugins; waits scaled from seconds to milliseconds. */
  function client(overrides: Partial<GitHubClientOptions> = {}): GitHubClient {
    log = new MemoryLog();
    return createGitHubClient(TOKEN, {
      baseUrl: server.baseUrl,
      log,
      retryAfterBaseValue: 1,
      requestTimeoutMs: 5_000,
      ...overrides,
    });
  }

  it('creates the comment when there is none: exactly one POST, marker on the first line', async () => {
    server.seedComments(ISSUE, ['LGTM', 'please rebase']);

    const result = await upsertStickyComment(client(), PR, MARKER, '## Image sizes\nall good');

    expect(result.action).toBe('created');
    expect(server.requestsTo('createComment')).toHaveLength(1);
    expect(server.requestsTo('updateComment')).toHaveLength(0);
    const created = server.comments(ISSUE).at(-1);
    expect(created?.body).toBe(`${MARKER}\n## Image sizes\nall good`);
    expect(result.commentId).toBe(created?.id);
    expect(result.url).toBe(created?.html_url);
    expect(server.requests.every((request) => request.authorization === `token ${TOKEN}`)).toBe(
      true,
    );
  });

  it('does not add the marker again to a body that already starts with it', async () => {
    const body = `${MARKER}\n### Image sizes\nrendered by renderComment`;

    await upsertStickyComment(client(), PR, MARKER, body);
    const again = await upsertStickyComment(client(), PR, MARKER, body);

    expect(server.comments(ISSUE).map((comment) => comment.body)).toEqual([body]);
    expect(again.action).toBe('unchanged');
  });

  it('updates our comment in place: PATCH, no POST', async () => {
    const [, ours] = server.seedComments(ISSUE, [
      'first!',
      { body: `${MARKER}\nold report`, login: 'github-actions[bot]' },
      'thanks',
    ]);

    const result = await upsertStickyComment(client(), PR, MARKER, 'new report');

    expect(result).toMatchObject({ action: 'updated', commentId: ours?.id });
    expect(server.requestsTo('createComment')).toHaveLength(0);
    const patches = server.requestsTo('updateComment');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.path).toBe(`/repos/acme/shop/issues/comments/${String(ours?.id)}`);
    expect(ours?.body).toBe(`${MARKER}\nnew report`);
    expect(server.comments(ISSUE)).toHaveLength(3);
  });

  it("leaves an identical comment alone: 'unchanged', no write at all", async () => {
    const [ours] = server.seedComments(ISSUE, [`${MARKER}\nsame report`]);

    const result = await upsertStickyComment(client(), PR, MARKER, 'same report');

    expect(result).toEqual({ action: 'unchanged', commentId: ours?.id, url: ours?.html_url });
    expect(server.requests.filter((request) => request.method !== 'GET')).toHaveLength(0);
  });

  it('finds our comment on page 3 of 250 comments and stops paginating there', async () => {
    const seeds = Array.from({ length: 250 }, (_, index) => `comment ${String(index)}`);
    seeds[230] = `${MARKER}\nold report`;
    const seeded = server.seedComments(ISSUE, seeds);
    // A second copy further on must not be touched: the first one is the sticky comment.
    server.seedComments(ISSUE, [`${MARKER}\nduplicate`]);

    const result = await upsertStickyComment(client(), PR, MARKER, 'new report');

    expect(result).toMatchObject({ action: 'updated', commentId: seeded[230]?.id });
    const pages = server.requestsTo('listComments');
    expect(pages.map((request) => request.query['page'] ?? '1')).toEqual(['1', '2', '3']);
    expect(pages.every((request) => request.query['per_page'] === '100')).toBe(true);
    expect(server.requestsTo('createComment')).toHaveLength(0);
    expect(server.comments(ISSUE)).toHaveLength(251);
  });

  it('reads every page when our comment is not there, then creates one', async () => {
    server.seedComments(
      ISSUE,
      Array.from({ length: 250 }, (_, index) => `comment ${String(index)}`),
    );

    const result = await upsertStickyComment(client(), PR, MARKER, 'report');

    expect(result.action).toBe('created');
    // Three pages to find none, three more after creating, to catch a run that created at once.
    expect(server.requestsTo('listComments')).toHaveLength(6);
    expect(server.requestsTo('createComment')).toHaveLength(1);
  });

  it('two runs at once that both found none keep one comment: the oldest, with the later text', async () => {
    server.holdCreates(2);

    const [first, second] = await Promise.all([
      upsertStickyComment(client(), PR, MARKER, 'run one'),
      upsertStickyComment(client(), PR, MARKER, 'run two'),
    ]);

    const left = server.comments(ISSUE).filter((comment) => comment.body.startsWith(MARKER));
    expect(left).toHaveLength(1);
    expect(server.requestsTo('createComment')).toHaveLength(2);
    expect(server.requestsTo('deleteComment')).toHaveLength(1);
    // The run whose comment was newer deleted it and wrote into the oldest.
    const kept = [first, second].find((result) => result.action === 'created');
    const moved = [first, second].find((result) => result.action === 'updated');
    expect(kept?.commentId).toBe(left[0]?.id);
    expect(moved?.commentId).toBe(left[0]?.id);
  });

  it('keeps one comment per comment-key', async () => {
    const frontend = commentMarker('frontend');
    const backend = commentMarker('backend');
    // Separate runs in real life, so separate clients (also: no 3 s spacing between the POSTs).
    await upsertStickyComment(client(), PR, frontend, 'frontend v1');
    await upsertStickyComment(client(), PR, backend, 'backend v1');
    const second = await upsertStickyComment(client(), PR, frontend, 'frontend v2');

    expect(second.action).toBe('updated');
    expect(server.comments(ISSUE).map((comment) => comment.body)).toEqual([
      `${frontend}\nfrontend v2`,
      `${backend}\nbackend v1`,
    ]);
    expect(server.requestsTo('createComment')).toHaveLength(2);
  });

  it('does not take a comment that quotes the marker somewhere else for ours', async () => {
    server.seedComments(ISSUE, [
      `Why does the bot write ${MARKER} in its comments?`,
      `> ${MARKER}\n> old report\n\nthis is wrong`,
      `${MARKER} extra text on the same line`,
      `${commentMarker('other')}\nanother gate`,
    ]);

    const result = await upsertStickyComment(client(), PR, MARKER, 'report');

    expect(result.action).toBe('created');
    expect(server.requestsTo('updateComment')).toHaveLength(0);
    expect(server.comments(ISSUE)).toHaveLength(5);
  });

  it('retries a 500 twice and then succeeds', async () => {
    server.fail('listComments', { status: 500, times: 2 });

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result).toMatchObject({ ok: true, action: 'created' });
    expect(server.requestsTo('listComments').map((request) => request.failedWith)).toEqual([
      500,
      500,
      undefined,
      // the check for a comment another run created at the same time
      undefined,
    ]);
    expect(server.requestsTo('createComment')).toHaveLength(1);
  });

  it('retries a dropped connection on the write too', async () => {
    server.fail('createComment', { reset: true, times: 1 });

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result).toMatchObject({ ok: true, action: 'created' });
    expect(server.requestsTo('createComment')).toHaveLength(2);
    expect(server.comments(ISSUE)).toHaveLength(1);
  });

  it('gives up on a GitHub that always answers 500: a warning, no exception, bounded time', async () => {
    server.fail('*', { status: 502 });
    const started = Date.now();

    const result = await postComment(client({ retries: 2 }), PR, MARKER, 'report');

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.warning).toMatch(
      /GitHub API unavailable after retries \(HTTP 502/,
    );
    expect(server.requestsTo('listComments')).toHaveLength(3);
    expect(server.requestsTo('createComment')).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a GitHub that never answers once the request deadline passes', async () => {
    server.fail('listComments', { hang: true });
    const started = Date.now();

    const result = await postComment(client({ requestTimeoutMs: 300 }), PR, MARKER, 'report');

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.warning).toMatch(/GitHub API unavailable after retries/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('explains a 403 with the permission to add, and mode: report for forks', async () => {
    server.fail('createComment', { status: 403 });

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result.ok).toBe(false);
    const warning = result.ok ? '' : result.warning;
    expect(warning).toContain('permissions: pull-requests: write');
    expect(warning).toContain('mode: report');
    expect(warning).toContain('Resource not accessible by integration');
    expect(warning).not.toContain('\n');
    // 403 is not transient: one attempt only.
    expect(server.requestsTo('createComment')).toHaveLength(1);
  });

  it('says that fork pull requests get a read-only token when the caller knows it is a fork', async () => {
    server.fail('createComment', { status: 403 });

    const result = await postComment(client(), PR, MARKER, 'report', { isFork: true });

    expect(result.ok ? '' : result.warning).toMatch(/forks get a read-only token.*mode: report/);
  });

  it('explains a 404: the pull request is missing or the token cannot see the repository', async () => {
    server.fail('listComments', { status: 404 });

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result.ok ? '' : result.warning).toMatch(
      /#42 in acme\/shop was not found, or the token cannot see the repository/,
    );
    expect(server.requestsTo('listComments')).toHaveLength(1);
  });

  it('explains a bad token (401)', async () => {
    const badClient = createGitHubClient('wrong', {
      baseUrl: server.baseUrl,
      log: new MemoryLog(),
      retryAfterBaseValue: 1,
    });

    const result = await postComment(badClient, PR, MARKER, 'report');

    expect(result.ok ? '' : result.warning).toMatch(
      /token was rejected \(HTTP 401: Bad credentials\).*github-token/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 422 from GitHub (e.g. a body over 65,536 characters)', async () => {
    const result = await postComment(client(), PR, MARKER, 'x'.repeat(70_000));

    expect(result.ok ? '' : result.warning).toMatch(/GitHub rejected the comment \(HTTP 422/);
    expect(server.requestsTo('createComment')).toHaveLength(1);
  });

  it('waits out a secondary rate limit (429, Retry-After: 1) once and succeeds', async () => {
    server.fail('listComments', secondaryRateLimit(1, 1));
    const started = Date.now();

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result).toMatchObject({ ok: true, action: 'created' });
    expect(server.requestsTo('listComments').map((request) => request.failedWith)).toEqual([
      429,
      undefined,
      undefined,
    ]);
    expect(log.infos.join('\n')).toMatch(/secondary rate limit .*retrying once in 1 s/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries a rate limit only once, then warns', async () => {
    server.fail('listComments', secondaryRateLimit(1));

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result.ok ? '' : result.warning).toMatch(/rate limit exceeded \(HTTP 429/);
    expect(server.requestsTo('listComments')).toHaveLength(2);
    expect(log.warnings.join('\n')).toMatch(/still limited after one retry/);
  });

  it('does not wait for a primary rate limit that resets in more than a minute', async () => {
    server.fail('listComments', primaryRateLimit(3_600));

    const result = await postComment(client(), PR, MARKER, 'report');

    expect(result.ok ? '' : result.warning).toMatch(
      /rate limit exceeded \(HTTP 403: API rate limit/,
    );
    expect(server.requestsTo('listComments')).toHaveLength(1);
    expect(log.warnings.join('\n')).toMatch(/asks to wait \d+ s \(more than 60 s\); giving up/);
  });

  it('findStickyComment returns undefined on an empty pull request with one GET', async () => {
    expect(await findStickyComment(client(), PR, MARKER)).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe('/repos/acme/shop/issues/42/comments');
  });

  it('verifies that a pull request number belongs to a head commit', async () => {
    server.setPullRequest('acme', 'shop', 42, { headSha: HEAD_SHA, headRepository: 'fork/shop' });
    const github = client();

    const head = { sha: HEAD_SHA, repository: 'fork/shop' };
    expect(await verifyPullRequestHead(github, PR, 42, head)).toEqual({
      owner: 'acme',
      repo: 'shop',
      number: 42,
      isFork: true,
      headSha: HEAD_SHA,
    });
    expect(
      await verifyPullRequestHead(github, PR, 42, { ...head, sha: 'b'.repeat(40) }),
    ).toBeUndefined();
    // The same commit pushed to another fork is not this pull request.
    expect(
      await verifyPullRequestHead(github, PR, 42, { ...head, repository: 'attacker/shop' }),
    ).toBeUndefined();
    await expect(verifyPullRequestHead(github, PR, 43, head)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('isStickyComment', () => {
  it('count as ours only when they are the whole first line', () => {
    expect(isStickyComment(`${MARKER}\nbody`, MARKER)).toBe(true);
    expect(isStickyComment(`${MARKER}\r\nbody`, MARKER)).toBe(true);
    expect(isStickyComment(MARKER, MARKER)).toBe(true);
    expect(isStickyComment(`text\n${MARKER}`, MARKER)).toBe(false);
    expect(isStickyComment(`${MARKER}x`, MARKER)).toBe(false);
    expect(isStickyComment(`${commentMarker('a')}\nbody`, MARKER)).toBe(false);
  });
});
