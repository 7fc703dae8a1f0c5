import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the GitHub Actions cache service at GitHub's boundary, v1 API (`_apis/artifactcache`,
 * what BuildKit 0.13 speaks and what GitHub Enterprise Server may still serve): look up by key
 * with prefix matching (newest first), reserve, upload chunks with Content-Range, commit, and
 * download the archive with Range. Everything stays in memory; it listens on 127.0.0.1 only.
 */
export interface CacheEntry {
  readonly key: string;
  readonly version: string;
  readonly id: number;
  readonly chunks: Map<number, Buffer>;
  size: number | undefined;
}

/** What both fakes of the cache service (v1 here, v2 beside it) let a test see. */
export interface ActionsCacheRecord {
  /** A token BuildKit accepts (a JWT with the `ac`, `exp` and `nbf` claims; unsigned). */
  readonly token: string;
  /** Committed (v2: finalized) entries' keys, in that order. */
  committedKeys(): string[];
  /** Keys whose archives (v2: blobs) were downloaded, one per GET, in order. */
  downloadedKeys(): string[];
  /** Requests refused for a missing or wrong token (v2: or signature). */
  unauthorized(): number;
  close(): Promise<void>;
}

export interface FakeActionsCache extends ActionsCacheRecord {
  /** `ACTIONS_CACHE_URL`, with its trailing slash. */
  readonly url: string;
}

export async function startFakeActionsCache(): Promise<FakeActionsCache> {
  const entries: CacheEntry[] = [];
  const committed: string[] = [];
  const downloaded: string[] = [];
  let unauthorized = 0;
  const token = actionsRuntimeToken();

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<Sent | undefined> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(request);
    const download = /^\/download\/(\d+)$/.exec(url.pathname);
    if (download) {
      const entry = entries.find((candidate) => candidate.id === Number(download[1]));
      if (!entry || entry.size === undefined) return send(response, 404);
      const content = assemble(entry);
      downloaded.push(entry.key);
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
      if (!range) {
        response.writeHead(200, { 'Content-Length': content.length });
        response.end(content);
        return;
      }
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      response.writeHead(206, {
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${content.length}`,
      });
      response.end(content.subarray(start, end + 1));
      return;
    }

    if (request.headers.authorization !== `Bearer ${token}`) {
      unauthorized += 1;
      return send(response, 401, { message: 'unauthorized' });
    }
    const path = url.pathname.replace(/^\/_apis\/artifactcache\//, '');
    if (request.method === 'GET' && path === 'cache') {
      const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
      const version = url.searchParams.get('version') ?? '';
      const done = entries.filter((entry) => entry.size !== undefined && entry.version === version);
      for (const key of keys) {
        const match =
          done.find((entry) => entry.key === key) ??
          [...done].reverse().find((entry) => entry.key.startsWith(key));
        if (match) {
          return send(response, 200, {
            cacheKey: match.key,
            scope: 'refs/heads/main',
            archiveLocation: `http://127.0.0.1:${port()}/download/${match.id}`,
          });
        }
      }
      return send(response, 204);
    }
    if (request.method === 'POST' && path === 'caches') {
      const { key, version } = JSON.parse(body.toString('utf8')) as {
        key: string;
        version: string;
      };
      if (entries.some((entry) => entry.key === key && entry.version === version)) {
        return send(response, 409, {
          message: `Cache already exists. Scope: refs/heads/main, Key: ${key}`,
          typeKey: 'ArtifactCacheItemAlreadyExistsException',
        });
      }
      const entry: CacheEntry = {
        key,
        version,
        id: entries.length + 1,
        chunks: new Map(),
        size: undefined,
      };
      entries.push(entry);
      return send(response, 201, { cacheId: entry.id });
    }
    const byId = /^caches\/(\d+)$/.exec(path);
    const entry = byId ? entries.find((candidate) => candidate.id === Number(byId[1])) : undefined;
    if (byId && !entry) return send(response, 404, { message: 'no such cache' });
    if (entry && request.method === 'PATCH') {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(request.headers['content-range'] ?? '');
      if (!range) return send(response, 400, { message: 'Content-Range missing' });
      entry.chunks.set(Number(range[1]), body);
      return send(response, 204);
    }
    if (entry && request.method === 'POST') {
      const { size } = JSON.parse(body.toString('utf8')) as { size: number };
      if (assemble(entry).length !== size) {
        return send(response, 400, { message: `size ${size} does not match the uploaded bytes` });
      }
      entry.size = size;
      committed.push(entry.key);
      return send(response, 204);
    }
    return send(response, 404, { message: `no route for ${request.method ?? ''} ${url.pathname}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (): number => (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port()}/`,
    token,
    committedKeys: () => [...committed],
    downloadedKeys: () => [...downloaded],
    unauthorized: () => unauthorized,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function assemble(entry: CacheEntry): Buffer {
  const offsets = [...entry.chunks.keys()].sort((a, b) => a - b);
  return Buffer.concat(offsets.map((offset) => entry.chunks.get(offset) ?? Buffer.alloc(0)));
}

/** Says the response went out, so a handler can `return send(…)`. */
type Sent = 'sent';

function send(response: ServerResponse, status: number, body?: unknown): Sent {
  if (body === undefined) {
    response.writeHead(status);
    response.end();
    return 'sent';
  }
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
  return 'sent';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An `ACTIONS_RUNTIME_TOKEN` BuildKit accepts: go-actions-cache parses it unverified and needs the
 * `ac` (a JSON string of scopes; permission 3 is read and write), `exp` and `nbf` claims.
 */
export function actionsRuntimeToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]),
    nbf: now - 60,
    exp: now + 3600,
  });
}

export function unsignedJwt(claims: Readonly<Record<string, unknown>>): string {
  const encode = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.${Buffer.from('unsigned').toString('base64url')}`;
}
