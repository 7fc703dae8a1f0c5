import { describe, expect, it } from 'vitest';
import {
  readPullRequestContext,
  readWorkflowRunContext,
  type PullRequestContext,
  type WorkflowRunContext,
} from '../../src/report/pull-request.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const SHA256 = 'f'.repeat(64);

function pullRequestPayload(
  options: {
    number?: unknown;
    headSha?: unknown;
    headRepo?: unknown;
    baseRepo?: unknown;
  } = {},
): unknown {
  // `in`, not destructuring defaults: an explicit undefined must stay undefined.
  const number = 'number' in options ? options.number : 7;
  const headSha = 'headSha' in options ? options.headSha : SHA;
  const headRepo = 'headRepo' in options ? options.headRepo : { full_name: 'acme/shop' };
  const baseRepo = 'baseRepo' in options ? options.baseRepo : { full_name: 'acme/shop' };
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      head: { sha: headSha, ref: 'feature', repo: headRepo },
      base: { sha: 'b'.repeat(40), ref: 'main', repo: baseRepo },
    },
  };
}

const SAME_REPO: PullRequestContext = {
  owner: 'acme',
  repo: 'shop',
  number: 7,
  isFork: false,
  headSha: SHA,
};

describe('readPullRequestContext', () => {
  it.each<[string, string, unknown, string, PullRequestContext | undefined]>([
    [
      'a same-repository pull request',
      'pull_request',
      pullRequestPayload(),
      'acme/shop',
      SAME_REPO,
    ],
    ['pull_request_target', 'pull_request_target', pullRequestPayload(), 'acme/shop', SAME_REPO],
    [
      'a fork',
      'pull_request',
      pullRequestPayload({ headRepo: { full_name: 'someone/shop' } }),
      'acme/shop',
      { ...SAME_REPO, isFork: true },
    ],
    [
      'a fork under pull_request_target',
      'pull_request_target',
      pullRequestPayload({ headRepo: { full_name: 'someone/shop' } }),
      'acme/shop',
      { ...SAME_REPO, isFork: true },
    ],
    [
      'a fork whose repository was deleted (head.repo null)',
      'pull_request',
      pullRequestPayload({ headRepo: null }),
      'acme/shop',
      { ...SAME_REPO, isFork: true },
    ],
    [
      'names that differ only in case (GitHub names are case-insensitive)',
      'pull_request',
      pullRequestPayload({ headRepo: { full_name: 'Acme/Shop' } }),
      'acme/shop',
      SAME_REPO,
    ],
    [
      'a SHA-256 head commit',
      'pull_request',
      pullRequestPayload({ headSha: SHA256 }),
      'acme/shop',
      { ...SAME_REPO, headSha: SHA256 },
    ],
    [
      'owner and name from GITHUB_REPOSITORY',
      'pull_request',
      pullRequestPayload({
        headRepo: { full_name: 'acme/renamed' },
        baseRepo: { full_name: 'acme/renamed' },
      }),
      'acme/renamed',
      { ...SAME_REPO, repo: 'renamed' },
    ],
    [
      'the base repository from the payload when GITHUB_REPOSITORY is unusable',
      'pull_request',
      pullRequestPayload(),
      '',
      SAME_REPO,
    ],
    [
      'GITHUB_REPOSITORY as the base when the payload has none',
      'pull_request',
      pullRequestPayload({ baseRepo: undefined, headRepo: { full_name: 'someone/shop' } }),
      'acme/shop',
      { ...SAME_REPO, isFork: true },
    ],
  ])('reads %s', (_name, eventName, payload, repository, expected) => {
    expect(readPullRequestContext(eventName, payload, repository)).toEqual(expected);
  });

  it.each<[string, string, unknown, string]>([
    ['a push', 'push', pullRequestPayload(), 'acme/shop'],
    ['workflow_run', 'workflow_run', pullRequestPayload(), 'acme/shop'],
    ['issue_comment', 'issue_comment', { issue: { number: 7, pull_request: {} } }, 'acme/shop'],
    ['a null payload', 'pull_request', null, 'acme/shop'],
    ['a string payload', 'pull_request', 'pull_request', 'acme/shop'],
    ['an array payload', 'pull_request', [pullRequestPayload()], 'acme/shop'],
    ['no pull_request object', 'pull_request', { number: 7 }, 'acme/shop'],
    ['pull_request as an array', 'pull_request', { pull_request: [] }, 'acme/shop'],
    ['a string number', 'pull_request', pullRequestPayload({ number: '7' }), 'acme/shop'],
    ['number 0', 'pull_request', pullRequestPayload({ number: 0 }), 'acme/shop'],
    ['a fractional number', 'pull_request', pullRequestPayload({ number: 7.5 }), 'acme/shop'],
    ['no head sha', 'pull_request', pullRequestPayload({ headSha: undefined }), 'acme/shop'],
    ['a short head sha', 'pull_request', pullRequestPayload({ headSha: 'abc123' }), 'acme/shop'],
    [
      'a non-hex head sha',
      'pull_request',
      pullRequestPayload({ headSha: 'z'.repeat(40) }),
      'acme/shop',
    ],
    [
      'no repository anywhere',
      'pull_request',
      pullRequestPayload({ baseRepo: undefined }),
      'not-a-repository',
    ],
    [
      'no head object',
      'pull_request',
      { pull_request: { number: 7, base: { repo: { full_name: 'acme/shop' } } } },
      'acme/shop',
    ],
  ])('returns undefined for %s', (_name, eventName, payload, repository) => {
    expect(readPullRequestContext(eventName, payload, repository)).toBeUndefined();
  });
});

function workflowRunPayload(run: Record<string, unknown>): unknown {
  return {
    action: 'completed',
    workflow_run: {
      head_sha: SHA,
      event: 'pull_request',
      head_repository: { full_name: 'acme/shop' },
      pull_requests: [{ number: 7, head: { sha: SHA }, base: { sha: 'b'.repeat(40) } }],
      ...run,
    },
  };
}

describe('readWorkflowRunContext', () => {
  it.each<[string, unknown, WorkflowRunContext | undefined]>([
    [
      'a same-repository pull request run',
      workflowRunPayload({}),
      { headSha: SHA, headRepository: 'acme/shop', event: 'pull_request' },
    ],
    [
      'a fork run: no pull requests listed',
      workflowRunPayload({ head_repository: { full_name: 'someone/shop' }, pull_requests: [] }),
      { headSha: SHA, headRepository: 'someone/shop', event: 'pull_request' },
    ],
    [
      'a push run',
      workflowRunPayload({ event: 'push', pull_requests: [] }),
      { headSha: SHA, headRepository: 'acme/shop', event: 'push' },
    ],
    ['no workflow_run', { action: 'completed' }, undefined],
    ['a null payload', null, undefined],
    ['workflow_run as a string', { workflow_run: 'x' }, undefined],
    ['no head_sha', workflowRunPayload({ head_sha: undefined }), undefined],
    ['a bad head_sha', workflowRunPayload({ head_sha: 'HEAD' }), undefined],
    ['no event', workflowRunPayload({ event: undefined }), undefined],
    ['an empty event', workflowRunPayload({ event: '' }), undefined],
    ['no head_repository', workflowRunPayload({ head_repository: null }), undefined],
    [
      'a bad head_repository name',
      workflowRunPayload({ head_repository: { full_name: 'shop' } }),
      undefined,
    ],
  ])('reads %s', (_name, payload, expected) => {
    expect(readWorkflowRunContext(payload)).toEqual(expected);
  });
});
