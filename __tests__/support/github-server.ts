/**
 * A local stand-in for the GitHub REST API: the few endpoints the action calls, on
 * 127.0.0.1 with a random port. Point octokit (`baseUrl`) or the bundled action
 * (`GITHUB_API_URL`) at {@link GitHubServer.baseUrl}.
 *
 * It keeps issue comments in memory, paginates them the way GitHub does (`per_page`, `page`,
 * a `Link` header with absolute URLs), can be told to fail a route (any status, extra headers,
 * a dropped connection, a request that never answers) for the next K requests or always, and
 * records every request so tests can count them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteName =
  | 'listComments'
  | 'createComment'
  | 'updateComment'
  | 'deleteComment'
  | 'getPullRequest'
  | 'listIssueEvents'
  | 'getPermission';

/** An issue event as GitHub lists it (the fields the action reads). */
export interface IssueEvent {
  readonly event: string;
  readonly label?: { readonly name: string };
  readonly actor: { readonly login: string } | null;
  readonly created_at: string;
}

export interface RecordedRequest {
  /** Which endpoint the request hit; undefined for a path this server does not implement. */
  readonly route: RouteName | undefined;
  readonly method: string;
  /** Path without the query string, e.g. `/repos/acme/app/issues/7/comments`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  readonly body: unknown;
  readonly authorization: string | undefined;
  /** Set when a failure rule answered this request instead of the endpoint. */
  readonly failedWith: number | 'reset' | 'hang' | undefined;
}

export interface StoredComment {
  readonly id: number;
  body: string;
  readonly html_url: string;
  readonly user: { readonly login: string };
  readonly created_at: string;
  updated_at: string;
}

export interface CommentSeed {
  readonly body: string;
  /** Author; defaults to someone other than the action. */
  readonly login?: string;
}

export interface IssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

export interface PullRequestRecord {
  readonly headSha: string;
  /** `owner/name` the head branch lives in; defaults to the base repository (not a fork). */
  readonly headRepository?: string;
}

/** How a route fails. `times` defaults to every request from now on. */
export type Failure =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      /** `message` of the JSON error body; a GitHub-like default per status. */
      readonly message?: string;
      readonly times?: number;
    }
  /** Close the connection without an answer (a network error for the client). */
  | { readonly reset: true; readonly times?: number }
  /** Never answer (until the server stops), to exercise client timeouts. */
  | { readonly hang: true; readonly times?: number };

export interface GitHubServerOptions {
  /** When set, requests whose `Authorization` is not `token <this>` get 401 Bad credentials. */
  readonly token?: string;
  /** Author of comments created through the API. */
  readonly login?: string;
}

export interface GitHubServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests that hit one route. */
  requestsTo(route: RouteName): RecordedRequest[];
  /** Adds comments to an issue, oldest first, after any it already has. */
  seedComments(issue: IssueRef, seeds: ReadonlyArray<string | CommentSeed>): StoredComment[];
  /** The comments of an issue, oldest first (live objects). */
  comments(issue: IssueRef): StoredComment[];
  /** What `GET /repos/:owner/:repo/pulls/:number` answers; unknown pull requests are 404. */
  setPullRequest(owner: string, repo: string, number: number, record: PullRequestRecord): void;
  /** What `GET /repos/:owner/:repo/issues/:number/events` lists (one page). */
  setIssueEvents(issue: IssueRef, events: readonly IssueEvent[]): void;
  /** A user's permission for `GET /repos/:owner/:repo/collaborators/:user/permission`. */
  setPermission(owner: string, repo: string, user: string, permission: string): void;
  /** Makes a route fail; rules stack, the oldest unexhausted one answers first. */
  fail(route: RouteName | '*', failure: Failure): void;
  /**
   * Holds every create-comment request until `count` of them have arrived, then answers them all:
   * two runs that both listed no comment then both create one, deterministically.
   */
  holdCreates(count: number): void;
  /** Forgets comments, pull requests, failure rules and recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

export const DEFAULT_LOGIN = 'github-actions[bot]';
const SEED_LOGIN = 'someone-else';
const MAX_BODY = 65_536;

/**
 * A secondary rate limit answer, as GitHub sends it: 429 (or 403) with `Retry-After` and a
 * message saying "secondary rate limit". For the next `times` requests, default always.
 */
export function secondaryRateLimit(retryAfterSeconds: number, times?: number): Failure {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    ...(times === undefined ? {} : { times }),
  };
}

/**
 * A primary rate limit answer: 403 with `x-ratelimit-remaining: 0` and a reset time. For the
 * next `times` requests, default always.
 */
export function primaryRateLimit(resetInSeconds: number, times?: number): Failure {
  return {
    status: 403,
    headers: {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '1000',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
    },
    message: 'API rate limit exceeded for installation.',
    ...(times === undefined ? {} : { times }),
  };
}

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Problems parsing JSON',
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  422: 'Validation Failed',
  429: 'You have exceeded a secondary rate limit.',
  500: 'Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
};

interface FailureRule {
  readonly route: RouteName | '*';
  readonly failure: Failure;
  remaining: number;
}

interface Matched {
  readonly route: RouteName;
  readonly params: readonly string[];
}

const ROUTES: ReadonlyArray<{ route: RouteName; method: string; pattern: RegExp }> = [
  {
    route: 'listComments',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
  },
  {
    route: 'createComment',
    method: 'POST',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
  },
  {
    route: 'updateComment',
    method: 'PATCH',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
  },
  {
    route: 'deleteComment',
    method: 'DELETE',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
  },
  { route: 'getPullRequest', method: 'GET', pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/ },
  {
    route: 'listIssueEvents',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/events$/,
  },
  {
    route: 'getPermission',
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/,
  },
];

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const login = options.login ?? DEFAULT_LOGIN;
  const requests: RecordedRequest[] = [];
  const issues = new Map<string, StoredComment[]>();
  /** comment id → issue key, for PATCH. */
  const commentIssue = new Map<number, string>();
  const pulls = new Map<string, PullRequestRecord>();
  const issueEvents = new Map<string, readonly IssueEvent[]>();
  const permissions = new Map<string, string>();
  let rules: FailureRule[] = [];
  let createBarrier: { count: number; waiting: (() => void)[] } | undefined;
  let nextId = 1_000;
  let baseUrl = '';

  const issueKey = (owner: string, repo: string, number: number | string): string =>
    `${owner.toLowerCase()}/${repo.toLowerCase()}#${String(number)}`;

  const issueComments = (key: string): StoredComment[] => {
    let list = issues.get(key);
    if (list === undefined) {
      list = [];
      issues.set(key, list);
    }
    return list;
  };

  const addComment = (
    owner: string,
    repo: string,
    number: number,
    body: string,
    author: string,
  ) => {
    const id = nextId++;
    const now = new Date().toISOString();
    const comment: StoredComment = {
      id,
      body,
      html_url: `https://github.com/${owner}/${repo}/pull/${String(number)}#issuecomment-${String(id)}`,
      user: { login: author },
      created_at: now,
      updated_at: now,
    };
    const key = issueKey(owner, repo, number);
    issueComments(key).push(comment);
    commentIssue.set(id, key);
    return comment;
  };

  const handleCreate = (
    response: http.ServerResponse,
    owner: string,
    repo: string,
    id: number,
    body: unknown,
  ): void => {
    const text = commentBody(body);
    if (text === undefined) {
      sendError(response, 422, 'Invalid request.\n\n"body" wasn\'t supplied.');
      return;
    }
    if (text.length > MAX_BODY) {
      sendError(response, 422, 'Validation Failed: body is too long (maximum is 65536 characters)');
      return;
    }
    const comment = addComment(owner, repo, id, text, login);
    sendJson(response, 201, comment, {
      location: `${baseUrl}/repos/${owner}/${repo}/issues/comments/${String(comment.id)}`,
    });
  };

  const takeFailure = (route: RouteName | undefined): Failure | undefined => {
    const rule = rules.find(
      (candidate) =>
        candidate.remaining > 0 && (candidate.route === '*' || candidate.route === route),
    );
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    return rule.failure;
  };

  const sendJson = (
    response: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    response.end(text);
  };

  const sendError = (
    response: http.ServerResponse,
    status: number,
    message?: string,
    headers: Readonly<Record<string, string>> = {},
  ): void => {
    sendJson(
      response,
      status,
      {
        message: message ?? DEFAULT_MESSAGES[status] ?? `HTTP ${String(status)}`,
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      },
      headers,
    );
  };

  const handle = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    rawBody: string,
  ): void => {
    const url = new URL(request.url ?? '/', baseUrl);
    const method = request.method ?? 'GET';
    const matched = match(method, url.pathname);
    const body = parseBody(rawBody);
    const authorization = request.headers.authorization;
    const failure = takeFailure(matched?.route);
    const failedWith =
      failure === undefined
        ? undefined
        : 'reset' in failure
          ? ('reset' as const)
          : 'hang' in failure
            ? ('hang' as const)
            : failure.status;
    requests.push({
      route: matched?.route,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization,
      failedWith,
    });

    if (failure !== undefined) {
      if ('reset' in failure) {
        request.socket.destroy();
      } else if (!('hang' in failure)) {
        sendError(response, failure.status, failure.message, failure.headers);
      }
      return;
    }
    if (options.token !== undefined && authorization !== `token ${options.token}`) {
      sendError(response, 401, 'Bad credentials');
      return;
    }
    if (matched === undefined) {
      sendError(response, 404, 'Not Found');
      return;
    }

    const [owner = '', repo = '', idText = '0'] = matched.params;
    const id = Number(idText);
    switch (matched.route) {
      case 'listComments': {
        const list = issues.get(issueKey(owner, repo, id)) ?? [];
        const perPage = clamp(integerParam(url.searchParams.get('per_page'), 30), 1, 100);
        const page = Math.max(1, integerParam(url.searchParams.get('page'), 1));
        const lastPage = Math.max(1, Math.ceil(list.length / perPage));
        const slice = list.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (list.length > perPage) {
          headers['link'] = linkHeader(url, perPage, page, lastPage);
        }
        sendJson(response, 200, slice, headers);
        return;
      }
      case 'createComment': {
        if (createBarrier !== undefined) {
          const barrier = createBarrier;
          barrier.waiting.push(() => {
            handleCreate(response, owner, repo, id, body);
          });
          if (barrier.waiting.length >= barrier.count) {
            createBarrier = undefined;
            for (const release of barrier.waiting) release();
          }
          return;
        }
        handleCreate(response, owner, repo, id, body);
        return;
      }
      case 'deleteComment': {
        const key = commentIssue.get(id);
        const list = key === undefined ? undefined : issues.get(key);
        const index = list?.findIndex((c) => c.id === id) ?? -1;
        if (list === undefined || index === -1) {
          sendError(response, 404, 'Not Found');
          return;
        }
        list.splice(index, 1);
        commentIssue.delete(id);
        response.writeHead(204);
        response.end();
        return;
      }
      case 'updateComment': {
        const key = commentIssue.get(id);
        const comment = key === undefined ? undefined : issues.get(key)?.find((c) => c.id === id);
        const sameRepository = key?.startsWith(`${owner.toLowerCase()}/${repo.toLowerCase()}#`);
        if (comment === undefined || sameRepository !== true) {
          sendError(response, 404, 'Not Found');
          return;
        }
        const text = commentBody(body);
        if (text === undefined || text.length > MAX_BODY) {
          sendError(response, 422, 'Validation Failed');
          return;
        }
        comment.body = text;
        comment.updated_at = new Date().toISOString();
        sendJson(response, 200, comment);
        return;
      }
      case 'listIssueEvents': {
        sendJson(response, 200, issueEvents.get(issueKey(owner, repo, id)) ?? []);
        return;
      }
      case 'getPermission': {
        const user = decodeURIComponent(idText);
        const permission = permissions.get(`${owner}/${repo}/${user}`.toLowerCase()) ?? 'none';
        sendJson(response, 200, {
          permission,
          role_name: permission,
          user: { login: user },
        });
        return;
      }
      case 'getPullRequest': {
        const record = pulls.get(issueKey(owner, repo, id));
        if (record === undefined) {
          sendError(response, 404, 'Not Found');
          return;
        }
        sendJson(response, 200, {
          number: id,
          state: 'open',
          head: {
            sha: record.headSha,
            repo: { full_name: record.headRepository ?? `${owner}/${repo}` },
          },
          base: { repo: { full_name: `${owner}/${repo}` } },
        });
        return;
      }
    }
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        handle(request, response, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        sendError(response, 500, `mock server bug: ${String(error)}`);
      }
    });
  });
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address: string | AddressInfo | null = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`mock GitHub server: unexpected listen address ${String(address)}`);
  }
  baseUrl = `http://127.0.0.1:${String(address.port)}`;

  return {
    baseUrl,
    requests,
    requestsTo: (route) => requests.filter((request) => request.route === route),
    seedComments: (issue, seeds) =>
      seeds.map((seed) => {
        const { body, login: author = SEED_LOGIN } =
          typeof seed === 'string' ? { body: seed } : seed;
        return addComment(issue.owner, issue.repo, issue.issueNumber, body, author);
      }),
    comments: (issue) => issueComments(issueKey(issue.owner, issue.repo, issue.issueNumber)),
    setPullRequest: (owner, repo, number, record) => {
      pulls.set(issueKey(owner, repo, number), record);
    },
    setIssueEvents: (issue, events) => {
      issueEvents.set(issueKey(issue.owner, issue.repo, issue.issueNumber), events);
    },
    setPermission: (owner, repo, user, permission) => {
      permissions.set(`${owner}/${repo}/${user}`.toLowerCase(), permission);
    },
    fail: (route, failure) => {
      rules.push({ route, failure, remaining: failure.times ?? Number.POSITIVE_INFINITY });
    },
    holdCreates: (count) => {
      createBarrier = { count, waiting: [] };
    },
    reset: () => {
      createBarrier = undefined;
      issues.clear();
      commentIssue.clear();
      pulls.clear();
      issueEvents.clear();
      permissions.clear();
      rules = [];
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }),
  };
}

function match(method: string, pathname: string): Matched | undefined {
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue;
    const found = candidate.pattern.exec(pathname);
    if (found !== null) {
      return {
        route: candidate.route,
        params: found.slice(1).map((part) => decodeURIComponent(part)),
      };
    }
  }
  return undefined;
}

function linkHeader(url: URL, perPage: number, page: number, lastPage: number): string {
  const pageUrl = (target: number): string => {
    const copy = new URL(url.href);
    copy.searchParams.set('per_page', String(perPage));
    copy.searchParams.set('page', String(target));
    return copy.href;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`);
  links.push(`<${pageUrl(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
  return links.join(', ');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function commentBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('body' in body)) return undefined;
  return typeof body.body === 'string' ? body.body : undefined;
}

function integerParam(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const parsed = Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
