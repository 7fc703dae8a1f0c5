import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lookUpApproval } from '../src/approval.js';
import { compare } from '../src/compare/compare.js';
import type { Approval, ServiceOutcome } from '../src/compare/types.js';
import { escapeMarkdown, renderMarkdown } from '../src/report/markdown.js';
import type { EventContext } from '../src/report/pull-request-target.js';
import { MB, entry, limits, measured } from './support/fixtures.js';
import { startGitHubServer, type GitHubServer } from './support/github-server.js';
import { MemoryLog } from './support/memory-log.js';

const LABEL = 'image-size-approved';
const APPROVED: Approval = {
  kind: 'approved',
  label: LABEL,
  by: 'alice',
  at: '2026-12-01T10:00:00Z',
};

/** api grows 50% and breaks its budget; broken failed to build; the total is over budget. */
function verdictWith(approval: Approval | undefined) {
  const outcomes: ServiceOutcome[] = [
    measured('api', 150 * MB, { limits: limits({ budget: 120 * MB }) }),
    { name: 'broken', limits: limits(), error: 'exit code 1', stage: 'build' },
    measured('web', 50 * MB),
  ];
  return compare({
    outcomes,
    baseline: { version: 1, services: { api: entry(100 * MB), web: entry(50 * MB) } },
    metric: 'uncompressed',
    failOn: 'any',
    totalBudget: 150 * MB,
    fullRun: true,
    knownServices: ['api', 'broken', 'web'],
    approval,
  });
}

describe('approved growth in compare', () => {
  it('turns size failures into warnings and says who approved; errors still fail', () => {
    const plain = verdictWith(undefined);
    expect(plain.failures.map((line) => line.split(':')[0])).toEqual(['api', 'broken', 'total']);
    const approved = verdictWith(APPROVED);
    const api = approved.services.find((service) => service.name === 'api');
    expect(api?.status).toBe('warn');
    expect(api?.failsGate).toBe(false);
    expect(api?.reasons.at(-1)).toBe(
      'approved by @alice with the image-size-approved label (2026-12-01T10:00:00Z): a warning for this pull request',
    );
    expect(approved.failures).toEqual(['broken: build failed: exit code 1']);
    expect(approved.failedServices).toEqual(['broken']);
    expect(approved.passed).toBe(false);
    // Shown, never a mention: the comment is updated often and must not ping anyone.
    expect(renderMarkdown(approved)).toContain(
      `Size failures are warnings for this pull request: <code>image-size-approved</code> was added by ${escapeMarkdown('@alice')} at 2026-12-01T10:00:00Z.`,
    );
    expect(renderMarkdown(approved)).not.toContain(' @alice');
  });

  it('leaves the verdict alone when the label does not count, and says why', () => {
    const ignored = verdictWith({
      kind: 'ignored',
      label: LABEL,
      reason: '@bob added it but has read permission, not write',
    });
    expect(ignored.failures).toEqual(verdictWith(undefined).failures);
    expect(renderMarkdown(ignored)).toContain(
      `The <code>image-size-approved</code> label does not count: ${escapeMarkdown('@bob added it but has read permission, not write')}.`,
    );
  });
});

describe('lookUpApproval against a local GitHub REST fake', () => {
  let github: GitHubServer;
  const issue = { owner: 'acme', repo: 'shop', issueNumber: 7 };

  beforeAll(async () => {
    github = await startGitHubServer();
  });
  afterAll(async () => {
    await github.stop();
  });
  beforeEach(() => {
    github.reset();
  });

  function event(labels: readonly string[]): EventContext {
    return {
      name: 'pull_request',
      repository: 'acme/shop',
      payload: {
        pull_request: {
          number: 7,
          head: { sha: 'a'.repeat(40), repo: { full_name: 'acme/shop' } },
          base: { repo: { full_name: 'acme/shop' } },
          labels: labels.map((name) => ({ name })),
        },
      },
    };
  }

  async function lookUp(labels: readonly string[], token = 'secret') {
    const log = new MemoryLog();
    const approval = await lookUpApproval({
      event: event(labels),
      label: LABEL,
      token,
      apiUrl: github.baseUrl,
      log,
    });
    return { approval, log };
  }

  const labeled = (login: string | null, at: string) => ({
    event: 'labeled',
    label: { name: LABEL },
    actor: login === null ? null : { login },
    created_at: at,
  });

  it('approves when the last person to add the label may write', async () => {
    github.setIssueEvents(issue, [
      labeled('bob', '2026-11-30T09:00:00Z'),
      labeled('alice', '2026-12-01T10:00:00Z'),
    ]);
    github.setPermission('acme', 'shop', 'alice', 'write');
    const { approval } = await lookUp(['bug', LABEL]);
    expect(approval).toEqual(APPROVED);
  });

  it('ignores a label added by someone who may only read, and says who', async () => {
    github.setIssueEvents(issue, [labeled('mallory', '2026-12-01T11:00:00Z')]);
    github.setPermission('acme', 'shop', 'mallory', 'read');
    const { approval, log } = await lookUp([LABEL]);
    expect(approval).toEqual({
      kind: 'ignored',
      label: LABEL,
      reason: '@mallory added it but has read permission, not write',
    });
    expect(log.warnings).toEqual([
      `The ${LABEL} label does not count: @mallory added it but has read permission, not write.`,
    ]);
  });

  it('ignores a label event without an actor', async () => {
    github.setIssueEvents(issue, [labeled(null, '2026-12-01T11:00:00Z')]);
    const { approval } = await lookUp([LABEL]);
    expect(approval).toMatchObject({
      kind: 'ignored',
      reason: 'the event that added it names no one',
    });
  });

  it('never approves when GitHub cannot answer', async () => {
    github.fail('listIssueEvents', { status: 500 });
    const { approval } = await lookUp([LABEL]);
    expect(approval?.kind).toBe('ignored');
    expect(approval?.kind === 'ignored' ? approval.reason : '').toMatch(
      /^GitHub could not say who added it/,
    );
  });

  it('asks GitHub nothing when the pull request lacks the label', async () => {
    const { approval } = await lookUp(['bug']);
    expect(approval).toBeUndefined();
    expect(github.requests).toEqual([]);
  });
});
