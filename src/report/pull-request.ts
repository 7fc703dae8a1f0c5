/**
 * Which pull request a run belongs to, read from the event payload (`GITHUB_EVENT_PATH`).
 * Pure: the caller reads the file and the environment and passes them in. Payloads are
 * validated field by field, never cast: anything malformed reads as "no pull request".
 */
import { isObject, stringMember } from '../core/json-guards.js';

export interface PullRequestContext {
  /** Owner of the repository the pull request targets (the base repository). */
  readonly owner: string;
  /** Name of the base repository. */
  readonly repo: string;
  readonly number: number;
  /**
   * The head branch lives in another repository (a fork), or that repository was deleted.
   * GitHub then gives `pull_request` runs a read-only token: comments cannot be posted.
   */
  readonly isFork: boolean;
  /** Commit the run tests: the pull request's head commit. */
  readonly headSha: string;
}

export interface WorkflowRunContext {
  /** Commit the triggering run tested. */
  readonly headSha: string;
  /** `owner/name` of the repository that commit comes from: the fork for fork pull requests. */
  readonly headRepository: string;
  /** Event that triggered the run, e.g. `pull_request`. */
  readonly event: string;
}

const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target']);

/**
 * The pull request of a `pull_request` or `pull_request_target` run, or undefined for any other
 * event and for payloads that lack a usable number, head commit or repository.
 *
 * @param repository `GITHUB_REPOSITORY` (`owner/name`): the repository the run belongs to,
 *   which is the pull request's base repository for both events.
 */
export function readPullRequestContext(
  eventName: string,
  payload: unknown,
  repository: string,
): PullRequestContext | undefined {
  if (!PULL_REQUEST_EVENTS.has(eventName) || !isObject(payload)) return undefined;
  const pullRequest = payload['pull_request'];
  if (!isObject(pullRequest)) return undefined;

  const number = pullRequest['number'];
  if (!isPositiveInteger(number)) return undefined;

  const head = pullRequest['head'];
  if (!isObject(head)) return undefined;
  const headSha = stringMember(head, 'sha');
  if (headSha === undefined || !isCommitSha(headSha)) return undefined;

  const baseRepository = repositoryFullName(pullRequest['base']);
  const target = splitRepository(repository) ?? baseRepository;
  if (target === undefined) return undefined;
  const base = baseRepository ?? target;

  // A null head.repo means the fork was deleted: still a fork, still a read-only token.
  const headRepository = repositoryFullName(head);
  const isFork =
    headRepository === undefined ||
    headRepository.fullName.toLowerCase() !== base.fullName.toLowerCase();

  return { owner: target.owner, repo: target.repo, number, isFork, headSha };
}

/**
 * The triggering run of a `workflow_run` event (the payload's `workflow_run` object), or
 * undefined when the payload has none or lacks the head commit, head repository or event.
 */
export function readWorkflowRunContext(payload: unknown): WorkflowRunContext | undefined {
  if (!isObject(payload)) return undefined;
  const run = payload['workflow_run'];
  if (!isObject(run)) return undefined;

  const headSha = stringMember(run, 'head_sha');
  if (headSha === undefined || !isCommitSha(headSha)) return undefined;
  const event = stringMember(run, 'event');
  if (event === undefined || event === '') return undefined;
  const headRepository = repositoryFullName({ repo: run['head_repository'] });
  if (headRepository === undefined) return undefined;

  // The run's own pull_requests list is empty for forks and only a hint otherwise: a relay
  // verifies the report's pull request against headSha instead (verifyPullRequestHead).
  return { headSha, headRepository: headRepository.fullName, event };
}

interface RepositoryName {
  readonly owner: string;
  readonly repo: string;
  readonly fullName: string;
}

/** `owner/name` with both parts non-empty and nothing else. */
function splitRepository(fullName: string): RepositoryName | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(fullName.trim());
  if (match === null) return undefined;
  const [, owner, repo] = match;
  if (owner === undefined || repo === undefined) return undefined;
  return { owner, repo, fullName: `${owner}/${repo}` };
}

/** `side.repo.full_name` of a pull request's `head` or `base` object. */
function repositoryFullName(side: unknown): RepositoryName | undefined {
  if (!isObject(side)) return undefined;
  const repo: unknown = side['repo'];
  if (!isObject(repo)) return undefined;
  const fullName = stringMember(repo, 'full_name');
  return fullName === undefined ? undefined : splitRepository(fullName);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** A SHA-1 or SHA-256 object name. */
function isCommitSha(value: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value);
}
