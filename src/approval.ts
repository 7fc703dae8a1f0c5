import type { Approval } from './compare/types.js';
import { errorMessage } from './core/errors.js';
import { isObject, stringMember } from './core/json-guards.js';
import type { Log } from './log.js';
import { createGitHubClient } from './report/github.js';
import { readPullRequestContext } from './report/pull-request.js';
import type { EventContext } from './report/pull-request-target.js';

/** Permissions that may approve growth: what it takes to push the baseline anyway. */
const MAY_APPROVE: ReadonlySet<string> = new Set(['admin', 'maintain', 'write']);

export interface ApprovalLookup {
  readonly event: EventContext;
  /** The `approve-label` input; empty turns approvals off. */
  readonly label: string;
  readonly token: string;
  readonly apiUrl?: string | undefined;
  readonly log: Log;
}

/**
 * The approval label of the pull request this run measures: who added it (the issue events
 * API) and whether they may write to the repository (the collaborator permission API). No
 * label, no pull request: undefined. Anything GitHub cannot answer leaves the label ignored,
 * with the reason: an approval is never assumed.
 */
export async function lookUpApproval(lookup: ApprovalLookup): Promise<Approval | undefined> {
  const { event, label, log } = lookup;
  if (label === '') return undefined;
  const context = readPullRequestContext(event.name, event.payload, event.repository);
  if (!context || !labelsOf(event.payload).includes(label)) return undefined;
  const ignored = (reason: string): Approval => {
    log.warning(`The ${label} label does not count: ${reason}.`);
    return { kind: 'ignored', label, reason };
  };
  if (lookup.token === '') return ignored('no github-token to ask GitHub who added it');
  try {
    const client = createGitHubClient(lookup.token, { baseUrl: lookup.apiUrl, log });
    const repository = { owner: context.owner, repo: context.repo };
    const events = await client.paginate(client.rest.issues.listEvents, {
      ...repository,
      issue_number: context.number,
      per_page: 100,
    });
    const added = events
      .filter((item) => item.event === 'labeled' && labelName(item) === label)
      .at(-1);
    if (added === undefined) return ignored('GitHub lists no event that added it');
    const by = added.actor?.login;
    if (by === undefined || by === '') return ignored('the event that added it names no one');
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({
      ...repository,
      username: by,
    });
    const permission = data.role_name || data.permission;
    if (!MAY_APPROVE.has(permission)) {
      return ignored(`@${by} added it but has ${permission} permission, not write`);
    }
    const approval: Approval = { kind: 'approved', label, by, at: added.created_at };
    log.info(`Size failures are warnings: @${by} added ${label} at ${added.created_at}.`);
    return approval;
  } catch (error) {
    return ignored(`GitHub could not say who added it (${errorMessage(error)})`);
  }
}

/** The label names of the event's pull request, as the payload lists them. */
function labelsOf(payload: unknown): string[] {
  if (!isObject(payload) || !isObject(payload['pull_request'])) return [];
  const labels = payload['pull_request']['labels'];
  if (!Array.isArray(labels)) return [];
  return labels.flatMap((item: unknown) => {
    const name = isObject(item) ? stringMember(item, 'name') : undefined;
    return name === undefined ? [] : [name];
  });
}

function labelName(item: unknown): string | undefined {
  if (!isObject(item) || !isObject(item['label'])) return undefined;
  return stringMember(item['label'], 'name');
}
