import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { commentMarker } from '../../src/report/comment.js';
import { repositoryRoot, runBundledAction, type ActionRun } from '../support/action-runner.js';
import { engineOrSkip, tempDirectory } from '../support/engine.js';
import { startGitHubServer, type GitHubServer } from '../support/github-server.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;

const OWNER = 'acme';
const REPO = 'shop';
const PR = 7;
const HEAD_SHA = 'a'.repeat(40);
const ISSUE = { owner: OWNER, repo: REPO, issueNumber: PR };
const TOKEN = 'ghs_test_token';

/** A copy of examples/ whose worker has grown past its allowed increase (a real change). */
async function workspaceWithGrownWorker(): Promise<string> {
  const workspace = await tempDirectory('comment-workspace');
  await cp(path.join(repositoryRoot, 'examples'), workspace, { recursive: true });
  await writeFile(
    path.join(workspace, 'services', 'worker', 'Dockerfile'),
    'FROM scratch AS runtime\nCOPY src/ /app/\n',
  );
  return workspace;
}

let eventCount = 0;

async function writeEvent(
  directory: string,
  name: string,
  payload: Record<string, unknown>,
): Promise<Record<string, string>> {
  eventCount += 1;
  const eventPath = path.join(directory, `${name}-event-${eventCount}.json`);
  await writeFile(eventPath, JSON.stringify(payload));
  return {
    GITHUB_EVENT_NAME: name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '42',
  };
}

function pullRequestPayload(headRepository = `${OWNER}/${REPO}`): Record<string, unknown> {
  return {
    pull_request: {
      number: PR,
      head: { sha: HEAD_SHA, repo: { full_name: headRepository } },
      base: { repo: { full_name: `${OWNER}/${REPO}` } },
    },
  };
}

describeWithEngine(
  'the bundled action and the sticky PR comment (GitHub API: local mock server)',
  () => {
    let github: GitHubServer;
    let workspace: string;
    let pullRequestEnv: Record<string, string>;

    const run = (inputs: Record<string, string> = {}, env: Record<string, string> = {}) =>
      runBundledAction(
        workspace,
        { 'github-token': TOKEN, ...inputs },
        {
          ...pullRequestEnv,
          GITHUB_API_URL: github.baseUrl,
          IMAGE_SIZE_GATE_TEST_RETRY_BASE_MS: '1',
          ...env,
        },
      );
    const ourComments = (key = '') =>
      github.comments(ISSUE).filter((comment) => comment.body.startsWith(commentMarker(key)));

    beforeAll(async () => {
      github = await startGitHubServer({ token: TOKEN });
      workspace = await workspaceWithGrownWorker();
      pullRequestEnv = await writeEvent(workspace, 'pull_request', pullRequestPayload());
    });
    afterAll(async () => {
      await github.stop();
    });
    beforeEach(() => {
      github.reset();
    });

    test('the first run creates one comment; a second run with other sizes updates it', async () => {
      const first = await run();
      expect(first.exitCode).toBe(1);
      expect(ourComments()).toHaveLength(1);
      expect(github.requestsTo('createComment')).toHaveLength(1);
      expect(ourComments()[0]?.body).toContain('| worker |');

      // The worker grows further: same pull request, new numbers, still one comment.
      await writeFile(
        path.join(workspace, 'services', 'worker', 'src', 'extra.bin'),
        'x'.repeat(5000),
      );
      const second = await run();
      expect(second.exitCode).toBe(1);
      expect(ourComments()).toHaveLength(1);
      expect(github.requestsTo('createComment')).toHaveLength(1);
      expect(github.requestsTo('updateComment')).toHaveLength(1);
      expect(ourComments()[0]?.body).not.toBe(first.outputs['markdown']);
      await writeFile(path.join(workspace, 'services', 'worker', 'src', 'extra.bin'), '');
    });

    test('our comment on page 3 of 250 comments is found and updated, not duplicated', async () => {
      const others = Array.from({ length: 250 }, (_, index) => `comment ${index + 1}`);
      github.seedComments(ISSUE, others.slice(0, 220));
      github.seedComments(ISSUE, [
        { body: `${commentMarker('')}\nold numbers`, login: 'github-actions[bot]' },
      ]);
      github.seedComments(ISSUE, others.slice(220));

      const result = await run();

      expect(result.exitCode).toBe(1);
      expect(github.requestsTo('createComment')).toHaveLength(0);
      expect(github.requestsTo('updateComment')).toHaveLength(1);
      expect(github.requestsTo('listComments').length).toBeGreaterThanOrEqual(3);
      expect(github.comments(ISSUE)).toHaveLength(251);
      expect(ourComments()[0]?.body).toContain('| worker |');
    });

    test('a 403 leaves the exit code and every output exactly as without comments', async () => {
      const withoutComment = await run({ comment: 'never' });
      github.reset();
      github.fail('*', { status: 403, message: 'Resource not accessible by integration' });

      const forbidden = await run();

      expect(forbidden.exitCode).toBe(withoutComment.exitCode);
      expect(stableOutputs(forbidden)).toEqual(stableOutputs(withoutComment));
      expect(forbidden.stdout).toMatch(
        /::warning::Could not post the pull request comment.*pull-requests: write/,
      );
      expect(ourComments()).toHaveLength(0);
    });

    test('an API that answers 500 to everything only costs a warning', async () => {
      github.fail('*', { status: 500, message: 'boom' });
      const result = await run();
      expect(result.exitCode).toBe(1);
      expect(result.outputs['passed']).toBe('false');
      expect(result.stdout).toMatch(/::warning::.*GitHub API unavailable after retries/);
    });

    test('two runs at once on one pull request leave one comment', async () => {
      // Both runs list no comment before either creates one: the race of a quick second push.
      github.holdCreates(2);
      const results = await Promise.all([run(), run()]);
      expect(results.map((result) => result.exitCode)).toEqual([1, 1]);
      expect(github.requestsTo('createComment')).toHaveLength(2);
      expect(ourComments()).toHaveLength(1);
      expect(github.requestsTo('deleteComment')).toHaveLength(1);
    });

    test('two comment-keys keep two comments', async () => {
      await run({ 'comment-key': 'amd64' });
      await run({ 'comment-key': 'arm64' });
      await run({ 'comment-key': 'amd64' });
      expect(ourComments('amd64')).toHaveLength(1);
      expect(ourComments('arm64')).toHaveLength(1);
      expect(github.requestsTo('createComment')).toHaveLength(2);
    });

    test('a fork pull request gets no API call and one clear warning', async () => {
      const forkEnv = await writeEvent(
        workspace,
        'pull_request',
        pullRequestPayload('someone/shop'),
      );
      const result = await run({}, forkEnv);
      expect(result.exitCode).toBe(1);
      expect(github.requestsTo('createComment')).toHaveLength(0);
      expect(result.stdout).toMatch(
        /::warning::No pull request comment: #7 comes from a fork.*mode: report/,
      );
    });

    test('comment: auto with nothing changed posts nothing; an existing comment is still updated', async () => {
      const unchanged = await tempDirectory('comment-unchanged');
      await cp(path.join(repositoryRoot, 'examples'), unchanged, { recursive: true });
      const quiet = await runBundledAction(
        unchanged,
        { 'github-token': TOKEN },
        {
          ...pullRequestEnv,
          GITHUB_API_URL: github.baseUrl,
          IMAGE_SIZE_GATE_TEST_RETRY_BASE_MS: '1',
        },
      );
      expect(quiet.exitCode).toBe(0);
      expect(github.requestsTo('createComment')).toHaveLength(0);

      github.seedComments(ISSUE, [
        { body: `${commentMarker('')}\nstale numbers`, login: 'github-actions[bot]' },
      ]);
      const refreshed = await runBundledAction(
        unchanged,
        { 'github-token': TOKEN },
        {
          ...pullRequestEnv,
          GITHUB_API_URL: github.baseUrl,
          IMAGE_SIZE_GATE_TEST_RETRY_BASE_MS: '1',
        },
      );
      expect(github.requestsTo('updateComment'), refreshed.stdout).toHaveLength(1);
      expect(ourComments()[0]?.body).not.toContain('stale numbers');
    });

    test('mode: report relays a report to the verified pull request of a workflow_run', async () => {
      // The untrusted job: measures on its pull_request event and keeps the report.
      const reports = path.join(workspace, 'downloaded-artifact');
      await mkdir(reports, { recursive: true });
      const measured = await run({
        comment: 'never',
        'report-file': path.join(reports, 'report.json'),
      });
      expect(measured.exitCode).toBe(1);
      const report = JSON.parse(await readFile(path.join(reports, 'report.json'), 'utf8')) as {
        pullRequest: { number: number; headSha: string };
      };
      expect(report.pullRequest).toEqual({ number: PR, headSha: HEAD_SHA });

      // The trusted job: a workflow_run event; the PR number is checked against the head SHA.
      const relayEnv = await writeEvent(workspace, 'workflow_run', {
        workflow_run: {
          head_sha: HEAD_SHA,
          head_repository: { full_name: 'someone/shop' },
          event: 'pull_request',
          pull_requests: [],
        },
      });
      github.setPullRequest(OWNER, REPO, PR, { headSha: HEAD_SHA, headRepository: 'someone/shop' });
      const relayed = await run({ mode: 'report', reports: 'downloaded-artifact' }, relayEnv);
      expect(relayed.exitCode).toBe(1);
      expect(relayed.outputs['failed-services']).toBe('worker');
      expect(ourComments()).toHaveLength(1);

      // A report naming a pull request whose head is another commit is not trusted.
      github.reset();
      github.setPullRequest(OWNER, REPO, PR, {
        headSha: 'b'.repeat(40),
        headRepository: 'someone/shop',
      });
      const mismatched = await run({ mode: 'report', reports: 'downloaded-artifact' }, relayEnv);
      expect(mismatched.exitCode).toBe(1);
      expect(github.requestsTo('createComment')).toHaveLength(0);
      expect(mismatched.stdout).toMatch(/is not at a{12}/);

      // The same commit pushed to the attacker's own fork does not make the victim's PR theirs.
      github.reset();
      github.setPullRequest(OWNER, REPO, PR, { headSha: HEAD_SHA, headRepository: 'someone/shop' });
      const attackerEnv = await writeEvent(workspace, 'workflow_run', {
        workflow_run: {
          head_sha: HEAD_SHA,
          head_repository: { full_name: 'attacker/shop' },
          event: 'pull_request',
          pull_requests: [],
        },
      });
      const forged = await run({ mode: 'report', reports: 'downloaded-artifact' }, attackerEnv);
      expect(forged.exitCode).toBe(1);
      expect(github.requestsTo('createComment')).toHaveLength(0);
      expect(forged.stdout).toMatch(/from attacker\/shop/);
    });
  },
);

/** Outputs that do not depend on where the runner put its temporary files. */
/** The outputs without what differs between two runs: the report path and build times. */
function stableOutputs(run: ActionRun): Record<string, string> {
  return Object.fromEntries(
    Object.entries(run.outputs)
      .filter(([name]) => name !== 'report')
      .map(([name, value]) => [name, value.replace(/\| \d+\.\d s \|/g, '| (time) |')]),
  );
}
