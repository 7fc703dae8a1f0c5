import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actionsRuntimeToken, type ActionsCacheRecord } from './fake-actions-cache.js';

/**
 * A fake of GitHub's Actions cache service v2 (what github.com serves; buildx ≥ 0.21 with
 * `ACTIONS_CACHE_SERVICE_V2`): Twirp JSON calls plus an Azure-Blob-shaped store behind signed
 * URLs. Everything stays in memory; it listens on 127.0.0.1 only. Where each fact comes from:
 * - Twirp calls, field names, Bearer token: tonistiigi/go-actions-cache cache_v2.go (the commit
 *   moby/buildkit v0.25.2 go.mod pins): POST `twirp/github.actions.results.api.v1.CacheService/`
 *   CreateCacheEntry {key, version} → {ok, signed_upload_url}; FinalizeCacheEntryUpload {key,
 *   size_bytes (a JSON number), version} → {ok, entry_id (read into a Go string)};
 *   GetCacheEntryDownloadURL {key, restore_keys (the key itself included), version} → {ok,
 *   signed_download_url, matched_key}; `ok: false` is a miss. No list call.
 * - actions/toolkit packages/cache/src/generated/results/api/v1/cache.ts and
 *   cache.twirp-client.ts: proto field names on the wire; entry_id and size_bytes are int64, so
 *   protobuf JSON writes them as strings (toolkit sends `"size_bytes": "123"`).
 *   src/internal/shared/cacheTwirpClient.ts reads an error's `msg`.
 * - Twirp errors `{"code", "msg"}` and their statuses: twitchtv/twirp errors.go. Duplicate create
 *   is 409 `already_exists` "cache entry with the same key, version, and scope already exists"
 *   (runner logs in actions/cache#1541, getodk/central-backend#1444); go-actions-cache cache.go
 *   maps `already_exists` to os.ErrExist, which BuildKit's SaveMutable of `index-…#n` relies on.
 * - Lookup order: docs.github.com "dependency caching reference": exact key, then prefix of the
 *   key, then each restore key as a prefix; the newest match wins. Scoped by version.
 * - Blob store: BuildKit's vendored azblob v1.5.0 blockblob/chunkwriting.go and models.go (1 MiB
 *   blocks, one at a time: under 1 MiB one Put Blob, else Put Block per MiB then Put Block List
 *   of `<Latest>` ids, each a base64 64-byte id); internal/generated/zz_blockblob_client.go (PUT
 *   `?comp=block&blockid=`, `?comp=blocklist` with an XML body, `x-ms-blob-type: BlockBlob` on Put
 *   Blob, 201 expected, the query re-encoded); zz_blob_client.go and internal/exported/exported.go
 *   (GET, `x-ms-range: bytes=N-` only past offset 0, 200 or 206; no HEAD, though the fake answers
 *   one). go-actions-cache uploadV2 dereferences the response's `x-ms-request-id`, so every 201
 *   carries one; its downloadV2 fetches a fresh URL once after a 401/403.
 * The fake's own choices: its SAS (`sv sr sp se sig`, HMAC over path, permission and expiry; 403
 * AuthenticationFailed when missing, tampered or expired), refusing a finalize before any blob is
 * uploaded (`not_found`), a second finalize (`already_exists`), a size mismatch
 * (`invalid_argument`), and a write to a finalized entry's blob (409).
 */
export interface Refusal {
  readonly method: string;
  /** The path without the query (so no signature). */
  readonly path: string;
  readonly status: number;
  /** The Twirp code (`already_exists`…) or the Azure error code (`AuthenticationFailed`…). */
  readonly code: string;
  readonly reason: string;
}

export interface FakeActionsCacheV2 extends ActionsCacheRecord {
  /** `ACTIONS_RESULTS_URL`, with its trailing slash. */
  readonly resultsUrl: string;
  /** Every request it refused, and why. */
  refused(): Refusal[];
}

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';
const METHODS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'];
const BLOBS = '/blobs/actions-cache/';
/** The `x-ms-version` azblob v1.5.0 sends (internal/generated/constants.go). */
const STORAGE_VERSION = '2024-11-04';
const MAX_BODY = 64 * 1024 * 1024;
const MAX_ENTRIES = 10_000;
const MAX_BLOCKS = 50_000;
const TWIRP_STATUS: Readonly<Record<string, number>> = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  resource_exhausted: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
};
const ALREADY_EXISTS = 'cache entry with the same key, version, and scope already exists';

interface Entry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  readonly staged: Map<string, Buffer>;
  committedBlocks: Map<string, Buffer>;
  content?: Buffer;
  finalized?: true;
  modified?: Date;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly twirp: boolean,
  ) {
    super(message);
  }
}

const twirpError = (code: string, message: string): Refused =>
  new Refused(TWIRP_STATUS[code] ?? 500, code, message, true);
const blobError = (status: number, code: string, message: string): Refused =>
  new Refused(status, code, message, false);

export async function startFakeActionsCacheV2(): Promise<FakeActionsCacheV2> {
  const entries: Entry[] = [];
  const committed: string[] = [];
  const downloaded: string[] = [];
  const refusals: Refusal[] = [];
  let unauthorized = 0;
  const token = actionsRuntimeToken();
  const secret = randomBytes(32);

  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    handle(request, response).catch((error: unknown) => {
      const refusal =
        error instanceof Refused ? error : twirpError('internal', `fake failed: ${String(error)}`);
      const { status, code, message } = refusal;
      if (code === 'unauthenticated' || code === 'AuthenticationFailed') unauthorized += 1;
      refusals.push({ method: request.method ?? '', path, status, code, reason: message });
      if (refusal.twirp) return json(response, status, { code, msg: message });
      const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      const headers = { 'Content-Type': 'application/xml', 'x-ms-error-code': code };
      return reply(response, status, headers, request.method === 'HEAD' ? undefined : xml);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<Sent> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(request);
    if (url.pathname.startsWith(BLOBS)) return blob(request, response, url, body);
    if (request.headers.authorization !== `Bearer ${token}`) {
      throw twirpError('unauthenticated', 'missing or invalid bearer token');
    }
    const method = url.pathname.startsWith(SERVICE) ? url.pathname.slice(SERVICE.length) : '';
    const isJson = (request.headers['content-type'] ?? '').startsWith('application/json');
    if (request.method !== 'POST' || !METHODS.includes(method) || !isJson) {
      throw twirpError('bad_route', `no route for ${request.method ?? ''} ${url.pathname}`);
    }
    const input = parseObject(body);
    const key = text(input, 'key');
    const version = text(input, 'version');
    if (key === '' || version === '') throw twirpError('invalid_argument', 'key and version');
    const entry = entries.find((one) => one.key === key && one.version === version);
    if (method === 'CreateCacheEntry') {
      if (entry) throw twirpError('already_exists', ALREADY_EXISTS);
      if (entries.length >= MAX_ENTRIES) throw twirpError('resource_exhausted', 'too many');
      const id = entries.length + 1;
      const created: Entry = { id, key, version, staged: new Map(), committedBlocks: new Map() };
      entries.push(created);
      return json(response, 200, { ok: true, signed_upload_url: sign(created, 'cw') });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const size = int64(input.size_bytes);
      if (entry?.content === undefined) {
        throw twirpError('not_found', 'cache entry not found (no blob was uploaded for it)');
      }
      if (entry.finalized) throw twirpError('already_exists', 'cache entry already finalized');
      if (size !== entry.content.length) {
        const uploaded = entry.content.length;
        throw twirpError('invalid_argument', `size_bytes ${size} is not the ${uploaded} uploaded`);
      }
      entry.finalized = true;
      committed.push(entry.key);
      return json(response, 200, { ok: true, entry_id: String(entry.id) });
    }
    const restoreKeys = input.restore_keys ?? [];
    if (!Array.isArray(restoreKeys) || !restoreKeys.every((one) => typeof one === 'string')) {
      throw twirpError('malformed', 'restore_keys must be a list of strings');
    }
    const match = lookup(key, restoreKeys, version);
    return json(response, 200, {
      ok: match !== undefined,
      signed_download_url: match ? sign(match, 'r') : '',
      matched_key: match?.key ?? '',
    });
  }

  function lookup(key: string, restoreKeys: string[], version: string): Entry | undefined {
    const done = entries.filter((one) => one.finalized === true && one.version === version);
    const newestFirst = [...done].reverse();
    return (
      done.find((one) => one.key === key) ??
      [key, ...restoreKeys]
        .map((prefix) => newestFirst.find((one) => one.key.startsWith(prefix)))
        .find((one) => one !== undefined)
    );
  }

  function signature(path: string, permission: string, expiry: string): string {
    return createHmac('sha256', secret)
      .update([path, permission, expiry, STORAGE_VERSION, 'b'].join('\n'))
      .digest('base64');
  }

  function sign(entry: Entry, permission: 'cw' | 'r'): string {
    const path = `${BLOBS}${entry.id}`;
    const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = new URLSearchParams({ sv: STORAGE_VERSION, sr: 'b', sp: permission, se: expiry });
    query.set('sig', signature(path, permission, expiry));
    return `http://127.0.0.1:${port()}${path}?${query.toString()}`;
  }

  function blob(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Sent {
    const query = url.searchParams;
    const permission = query.get('sp') ?? '';
    const expiry = query.get('se') ?? '';
    const signed =
      query.get('sig') === signature(url.pathname, permission, expiry) &&
      query.get('sv') === STORAGE_VERSION &&
      query.get('sr') === 'b';
    if (!signed) throw blobError(403, 'AuthenticationFailed', 'signature missing or mismatched');
    if (!(Date.parse(expiry) > Date.now())) {
      throw blobError(403, 'AuthenticationFailed', 'signed expiry time has passed');
    }
    const entry = entries.find((one) => `${BLOBS}${one.id}` === url.pathname);
    if (!entry) throw blobError(404, 'BlobNotFound', 'the specified blob does not exist');
    const write = request.method === 'PUT';
    if (!write && request.method !== 'GET' && request.method !== 'HEAD') {
      throw blobError(405, 'UnsupportedHttpVerb', `${request.method ?? ''} is not supported`);
    }
    if (!permission.includes(write ? 'w' : 'r')) {
      throw blobError(403, 'AuthorizationPermissionMismatch', `the signature lacks ${permission}`);
    }
    if (write) {
      store(entry, query, body, request.headers['x-ms-blob-type']);
      const encrypted = { 'x-ms-request-server-encrypted': 'true' };
      return reply(response, 201, { ...blobHeaders(entry), ...encrypted });
    }
    // Only a finalized entry's URL is ever signed for reading.
    const content = entry.content;
    if (content === undefined) throw blobError(404, 'BlobNotFound', 'the blob has no content');
    const headers = {
      ...blobHeaders(entry),
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
    };
    const ranges = request.headers['x-ms-range'] ?? request.headers.range;
    const range = Array.isArray(ranges) ? ranges[0] : ranges;
    if (request.method === 'HEAD' || range === undefined) {
      if (request.method === 'GET') downloaded.push(entry.key);
      return reply(response, 200, { ...headers, 'Content-Length': `${content.length}` }, content);
    }
    const parts = /^bytes=(\d+)-(\d*)$/.exec(range);
    const start = Number(parts?.[1] ?? NaN);
    if (!parts || !(start < content.length)) {
      response.setHeader('Content-Range', `bytes */${content.length}`);
      throw blobError(416, 'InvalidRange', `the range ${range} cannot be satisfied`);
    }
    const end = Math.min(parts[2] ? Number(parts[2]) : Infinity, content.length - 1);
    downloaded.push(entry.key);
    const slice = content.subarray(start, end + 1);
    const sliced = {
      'Content-Length': `${slice.length}`,
      'Content-Range': `bytes ${start}-${end}/${content.length}`,
    };
    return reply(response, 206, { ...headers, ...sliced }, slice);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (): number => (server.address() as AddressInfo).port;
  return {
    resultsUrl: `http://127.0.0.1:${port()}/`,
    token,
    committedKeys: () => [...committed],
    downloadedKeys: () => [...downloaded],
    unauthorized: () => unauthorized,
    refused: () => [...refusals],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function store(entry: Entry, query: URLSearchParams, body: Buffer, blobType: unknown): void {
  if (entry.finalized === true) {
    throw blobError(409, 'BlobImmutableDueToPolicy', 'the cache entry is already finalized');
  }
  const comp = query.get('comp');
  if (comp === 'block') {
    const id = query.get('blockid') ?? '';
    const decoded = Buffer.from(id, 'base64');
    if (id === '' || decoded.toString('base64') !== id || decoded.length > 64) {
      throw blobError(400, 'InvalidQueryParameterValue', 'blockid must be base64, ≤ 64 bytes');
    }
    if ([...entry.staged.keys()].some((one) => one.length !== id.length)) {
      throw blobError(400, 'InvalidBlobOrBlock', 'block ids of one blob differ in length');
    }
    if (entry.staged.size >= MAX_BLOCKS) throw blobError(409, 'BlockCountExceedsLimit', 'full');
    entry.staged.set(id, body);
  } else if (comp === 'blocklist') {
    const xml = body.toString('utf8');
    if (!/^(<\?xml[^>]*\?>)?\s*<BlockList>[\s\S]*<\/BlockList>\s*$/.test(xml)) {
      throw blobError(400, 'InvalidXmlDocument', 'the body is not a BlockList');
    }
    const chosen = new Map<string, Buffer>();
    const parts: Buffer[] = [];
    for (const [, kind, id = ''] of xml.matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)</g)) {
      const staged = kind === 'Committed' ? undefined : entry.staged.get(id);
      const block = staged ?? (kind === 'Uncommitted' ? undefined : entry.committedBlocks.get(id));
      if (!block) throw blobError(400, 'InvalidBlockList', `no block ${id} to commit`);
      chosen.set(id, block);
      parts.push(block);
    }
    entry.committedBlocks = chosen;
    entry.content = Buffer.concat(parts);
    entry.staged.clear();
  } else if (comp === null) {
    if (blobType !== 'BlockBlob') {
      throw blobError(400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required');
    }
    entry.content = body;
    entry.committedBlocks = new Map();
    entry.staged.clear();
  } else {
    throw blobError(400, 'InvalidQueryParameterValue', `comp=${comp} is not supported`);
  }
  entry.modified = new Date();
}

function blobHeaders(entry: Entry): Headers {
  const modified = entry.modified ?? new Date();
  return {
    ETag: `"0x${modified.getTime().toString(16).toUpperCase()}"`,
    'Last-Modified': modified.toUTCString(),
    'x-ms-version': STORAGE_VERSION,
  };
}

/** Says the response went out, so a handler can `return reply(…)`. */
type Sent = 'sent';
type Headers = Record<string, string>;
type Body = string | Buffer;

/** Every reply carries an `x-ms-request-id`: go-actions-cache's uploadV2 dereferences it. */
function reply(response: ServerResponse, status: number, headers: Headers, body?: Body): Sent {
  response.writeHead(status, { ...headers, 'x-ms-request-id': randomBytes(16).toString('hex') });
  response.end(body);
  return 'sent';
}

function json(response: ServerResponse, status: number, body: unknown): Sent {
  return reply(response, status, { 'Content-Type': 'application/json' }, JSON.stringify(body));
}

function parseObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw twirpError('malformed', 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw twirpError('malformed', 'the body is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A proto3 string field: absent reads as ''. */
function text(input: Record<string, unknown>, name: string): string {
  const value = input[name] ?? '';
  if (typeof value !== 'string') throw twirpError('malformed', `${name} must be a string`);
  return value;
}

/** A proto3 int64 field: a JSON number (go-actions-cache) or a decimal string (toolkit). */
function int64(value: unknown): number {
  if (value === undefined) return 0;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw twirpError('malformed', 'size_bytes must be a non-negative integer');
  }
  return number;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY) throw blobError(413, 'RequestBodyTooLarge', `over ${MAX_BODY} bytes`);
  return Buffer.concat(chunks);
}
