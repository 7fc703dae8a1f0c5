import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  startFakeActionsCacheV2,
  type FakeActionsCacheV2,
} from '../support/fake-actions-cache-v2.js';

/** go-actions-cache's version(): the same for every key. */
const VERSION = createHash('sha256').update('|go-actionscache-1.0').digest('hex');
const MiB = 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

let cache: FakeActionsCacheV2;

beforeEach(async () => {
  cache = await startFakeActionsCacheV2();
});

afterEach(async () => {
  vi.useRealTimers();
  await cache.close();
});

/** A Twirp JSON call as go-actions-cache's newRequestV2 makes it. */
async function twirp(method: string, body: object, token = cache.token): Promise<Answer> {
  const url = `${cache.resultsUrl}twirp/github.actions.results.api.v1.CacheService/${method}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== '') headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function create(key: string, version = VERSION): Promise<string> {
  const { status, body } = await twirp('CreateCacheEntry', { key, version });
  expect([status, body.ok]).toEqual([200, true]);
  return String(body.signed_upload_url);
}

/** azblob re-encodes the query with its own parameters added, as URL.searchParams does. */
function withQuery(signed: string, extra: Record<string, string>): string {
  const url = new URL(signed);
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  return url.toString();
}

function put(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PUT',
    headers: { 'x-ms-version': '2024-11-04', ...headers },
    body,
  });
}

/** azblob's block id: a 16-byte UUID, the block number big-endian, zeros to 64 bytes. */
function blockId(prefix: Buffer, n: number): string {
  const id = Buffer.alloc(64);
  prefix.copy(id);
  id.writeUInt32BE(n, 16);
  return id.toString('base64');
}

/** UploadStream: 1 MiB blocks then a block list, or one Put Blob under 1 MiB. */
async function upload(signed: string, data: Buffer): Promise<number[]> {
  if (data.length < MiB) {
    const response = await put(signed, data, { 'x-ms-blob-type': 'BlockBlob' });
    expect(response.headers.get('x-ms-request-id')).toBeTruthy();
    return [response.status];
  }
  const prefix = randomBytes(16);
  const ids: string[] = [];
  const statuses: number[] = [];
  for (let offset = 0; offset < data.length; offset += MiB) {
    const id = blockId(prefix, ids.length);
    ids.push(id);
    const block = data.subarray(offset, offset + MiB);
    statuses.push((await put(withQuery(signed, { blockid: id, comp: 'block' }), block)).status);
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
  const list = await put(withQuery(signed, { comp: 'blocklist' }), xml, {
    'Content-Type': 'application/xml',
  });
  expect(list.headers.get('x-ms-request-id')).toBeTruthy();
  return [...statuses, list.status];
}

async function finalize(key: string, size: number | string, version = VERSION): Promise<Answer> {
  return twirp('FinalizeCacheEntryUpload', { key, size_bytes: size, version });
}

async function save(key: string, data: Buffer, version = VERSION): Promise<void> {
  await upload(await create(key, version), data);
  expect((await finalize(key, data.length, version)).body.ok).toBe(true);
}

/** go-actions-cache's loadV2: the first key, and every key again as restore keys. */
function lookup(key: string, restoreKeys = [key], version = VERSION): Promise<Answer> {
  return twirp('GetCacheEntryDownloadURL', { key, restore_keys: restoreKeys, version });
}

describe("a fake of GitHub's Actions cache service v2 (Twirp + Azure blob), as BuildKit drives it", () => {
  test('a 2.5 MiB blob goes up as three 1 MiB blocks and a block list, comes back whole and ranged', async () => {
    const data = randomBytes(2.5 * MiB);
    const signed = await create('buildkit-blob-1-sha256:aaa');
    expect(new URL(signed).searchParams.get('sp')).toBe('cw');
    expect(new URL(signed).searchParams.get('sig')).toBeTruthy();
    expect(await upload(signed, data)).toEqual([201, 201, 201, 201]);
    const finalized = await finalize('buildkit-blob-1-sha256:aaa', data.length);
    expect(finalized).toEqual({ status: 200, body: { ok: true, entry_id: '1' } });
    expect(cache.committedKeys()).toEqual(['buildkit-blob-1-sha256:aaa']);

    const { body } = await lookup('buildkit-blob-1-sha256:aaa');
    expect(body).toMatchObject({ ok: true, matched_key: 'buildkit-blob-1-sha256:aaa' });
    const url = String(body.signed_download_url);
    const whole = await fetch(url, { headers: { 'x-ms-version': '2024-11-04' } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('x-ms-blob-type')).toBe('BlockBlob');
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);

    const offset = MiB + 17;
    const ranged = await fetch(url, { headers: { 'x-ms-range': `bytes=${offset}-` } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(
      `bytes ${offset}-${data.length - 1}/${data.length}`,
    );
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(offset))).toBe(true);
    expect(cache.downloadedKeys()).toEqual([
      'buildkit-blob-1-sha256:aaa',
      'buildkit-blob-1-sha256:aaa',
    ]);
    expect(cache.refused()).toEqual([]);
  });

  test("a blob under 1 MiB is one Put Blob; toolkit's string size_bytes finalizes it too", async () => {
    const data = Buffer.from('{"layers":[]}');
    expect(await upload(await create('index-buildkit-1-abcd1234#1'), data)).toEqual([201]);
    const finalized = await finalize('index-buildkit-1-abcd1234#1', String(data.length));
    expect(finalized.body).toEqual({ ok: true, entry_id: '1' });
    const { body } = await lookup('index-buildkit-1-abcd1234#1');
    const download = await fetch(String(body.signed_download_url));
    expect(await download.text()).toBe('{"layers":[]}');
  });

  test('the exact key first, then each prefix in order, newest first, within one version', async () => {
    await save('index-buildkit-1-abcd1234#1', Buffer.from('one'));
    await save('index-buildkit-1-abcd1234#2', Buffer.from('two'));
    await save('index-buildkit-1-abcd1234#10', Buffer.from('ten'));
    await save('index-buildkit-1-abcd1234#11', Buffer.from('other version'), 'f'.repeat(64));
    const matched = async (key: string, restoreKeys?: string[]): Promise<unknown> =>
      (await lookup(key, restoreKeys)).body.matched_key;
    // SaveMutable looks up `key#` and reserves the next number after the newest.
    expect(await matched('index-buildkit-1-abcd1234#')).toBe('index-buildkit-1-abcd1234#10');
    // `#1` is also a prefix of the newer `#10`; the exact key wins.
    expect(await matched('index-buildkit-1-abcd1234#1')).toBe('index-buildkit-1-abcd1234#1');
    expect(await matched('index-buildkit-1-abcd1234#2')).toBe('index-buildkit-1-abcd1234#2');
    expect(await matched('index-other', ['nothing-', 'index-buildkit-1-'])).toBe(
      'index-buildkit-1-abcd1234#10',
    );
    expect(await matched('index-other', [])).toBe('');
  });

  test('a miss is ok:false: an unknown key, another version, an entry not finalized', async () => {
    const miss = { ok: false, signed_download_url: '', matched_key: '' };
    expect(await lookup('buildkit-blob-1-sha256:none')).toEqual({ status: 200, body: miss });
    await save('buildkit-blob-1-sha256:bbb', Buffer.from('b'));
    expect((await lookup('buildkit-blob-1-sha256:bbb', [], 'e'.repeat(64))).body).toEqual(miss);
    await upload(await create('buildkit-blob-1-sha256:ccc'), Buffer.from('c'));
    expect((await lookup('buildkit-blob-1-sha256:ccc')).body).toEqual(miss);
  });
});

describe("the fake of GitHub's Actions cache service v2 refuses what the real one refuses", () => {
  test('a wrong or missing token: Twirp unauthenticated, 401', async () => {
    const wrong = await twirp(
      'CreateCacheEntry',
      { key: 'k', version: VERSION },
      `${cache.token}x`,
    );
    expect(wrong).toEqual({
      status: 401,
      body: { code: 'unauthenticated', msg: 'missing or invalid bearer token' },
    });
    expect(
      (await twirp('GetCacheEntryDownloadURL', { key: 'k', version: VERSION }, '')).status,
    ).toBe(401);
    expect(cache.unauthorized()).toBe(2);
    expect(cache.refused().map((one) => [one.status, one.code])).toEqual([
      [401, 'unauthenticated'],
      [401, 'unauthenticated'],
    ]);
  });

  test('a missing, tampered or expired signature: 403 AuthenticationFailed', async () => {
    const signed = await create('buildkit-blob-1-sha256:ddd');
    const url = new URL(signed);
    const sig = url.searchParams.get('sig') ?? '';
    const tampered = withQuery(signed, {
      sig: `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`,
    });
    const unsigned = new URL(signed);
    unsigned.searchParams.delete('sig');
    const longer = withQuery(signed, { se: '2999-01-01T00:00:00Z' });
    const otherBlob = signed.replace(/\/1\?/, '/2?');
    for (const target of [tampered, unsigned.toString(), longer, otherBlob]) {
      const response = await put(target, 'x', { 'x-ms-blob-type': 'BlockBlob' });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
      expect(await response.text()).toContain('<Code>AuthenticationFailed</Code>');
    }
    expect(await upload(signed, Buffer.from('d'))).toEqual([201]);
    expect((await finalize('buildkit-blob-1-sha256:ddd', 1)).body.ok).toBe(true);
    const download = String((await lookup('buildkit-blob-1-sha256:ddd')).body.signed_download_url);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    const expired = await fetch(download);
    vi.useRealTimers();
    expect(expired.status).toBe(403);
    expect(cache.unauthorized()).toBe(5);
    expect(cache.refused().at(-1)).toMatchObject({
      method: 'GET',
      path: '/blobs/actions-cache/1',
      code: 'AuthenticationFailed',
      reason: 'signed expiry time has passed',
    });
    expect(cache.downloadedKeys()).toEqual([]);
  });

  test('a read URL cannot write; Put Blob needs its blob type; a block list names staged blocks', async () => {
    await save('buildkit-blob-1-sha256:eee', Buffer.from('e'));
    const download = String((await lookup('buildkit-blob-1-sha256:eee')).body.signed_download_url);
    expect((await put(download, 'x', { 'x-ms-blob-type': 'BlockBlob' })).status).toBe(403);
    const signed = await create('buildkit-blob-1-sha256:fff');
    expect((await put(signed, 'x')).status).toBe(400);
    const unstaged = `<BlockList><Latest>${blockId(randomBytes(16), 0)}</Latest></BlockList>`;
    expect((await put(withQuery(signed, { comp: 'blocklist' }), unstaged)).status).toBe(400);
    expect(
      (await put(withQuery(signed, { comp: 'block', blockid: 'not base64!' }), 'x')).status,
    ).toBe(400);
    expect(cache.refused().map((one) => one.code)).toEqual([
      'AuthorizationPermissionMismatch',
      'MissingRequiredHeader',
      'InvalidBlockList',
      'InvalidQueryParameterValue',
    ]);
    expect(cache.unauthorized()).toBe(0);
  });

  test('a duplicate create: 409 already_exists, for the same key and version only', async () => {
    await create('index-buildkit-1-abcd1234#1');
    const again = await twirp('CreateCacheEntry', {
      key: 'index-buildkit-1-abcd1234#1',
      version: VERSION,
    });
    expect(again).toEqual({
      status: 409,
      body: {
        code: 'already_exists',
        msg: 'cache entry with the same key, version, and scope already exists',
      },
    });
    await create('index-buildkit-1-abcd1234#1', 'f'.repeat(64));
  });

  test('finalize: nothing uploaded 404, a wrong size 400, twice 409, then no more writes', async () => {
    expect(await finalize('never-created', 1)).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    const signed = await create('buildkit-blob-1-sha256:ggg');
    expect((await finalize('buildkit-blob-1-sha256:ggg', 0)).status).toBe(404);
    await upload(signed, Buffer.from('ggg'));
    expect(await finalize('buildkit-blob-1-sha256:ggg', 4)).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument', msg: 'size_bytes 4 is not the 3 uploaded' },
    });
    expect(cache.committedKeys()).toEqual([]);
    expect((await finalize('buildkit-blob-1-sha256:ggg', 3)).body.ok).toBe(true);
    expect(await finalize('buildkit-blob-1-sha256:ggg', 3)).toMatchObject({
      status: 409,
      body: { code: 'already_exists' },
    });
    expect((await put(signed, 'late', { 'x-ms-blob-type': 'BlockBlob' })).status).toBe(409);
    expect(cache.committedKeys()).toEqual(['buildkit-blob-1-sha256:ggg']);
    const download = String((await lookup('buildkit-blob-1-sha256:ggg')).body.signed_download_url);
    const beyond = await fetch(download, { headers: { 'x-ms-range': 'bytes=3-' } });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, 'bytes */3']);
    expect(cache.refused().map((one) => `${one.status} ${one.code}`)).toEqual([
      '404 not_found',
      '404 not_found',
      '400 invalid_argument',
      '409 already_exists',
      '409 BlobImmutableDueToPolicy',
      '416 InvalidRange',
    ]);
  });
});
