import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import tarStream from 'tar-stream';

/** What tar-stream's `pack.entry` takes: a name, the rest defaulted. */
type EntryHeader = Parameters<tarStream.Pack['entry']>[0];

/** Where the Dockerfile lands inside the context tar when it lives outside the context. */
export const OUTSIDE_DOCKERFILE_NAME = '.image-size-gate.Dockerfile';

export interface BuildContextArchive {
  /** A streamx readable; it pipes like a Node.js stream. */
  readonly stream: tarStream.Pack;
  /** The Dockerfile's path inside the archive, for the engine's `dockerfile` parameter. */
  readonly dockerfileInArchive: string;
}

/**
 * Packs a build context as the docker CLI sends it: `.dockerignore` (or the Dockerfile's own
 * `<Dockerfile>.dockerignore`) applied with Docker's rules, and the Dockerfile and
 * `.dockerignore` always sent, even from an ignored folder or from outside the context.
 */
export function packBuildContext(context: string, dockerfile: string): BuildContextArchive {
  const { rules, dockerfileInside, relativeDockerfile } = readContextRules(context, dockerfile);

  const pack = tarStream.pack();
  void (async () => {
    await addDirectory(pack, context, '', rules);
    if (!dockerfileInside) {
      await addEntry(pack, { name: OUTSIDE_DOCKERFILE_NAME }, readFileSync(dockerfile));
    }
    pack.finalize();
  })().catch((error: unknown) => {
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return {
    stream: pack,
    dockerfileInArchive: dockerfileInside ? relativeDockerfile : OUTSIDE_DOCKERFILE_NAME,
  };
}

/**
 * The context's ignore rules as the docker CLI reads them: `<Dockerfile>.dockerignore` first,
 * else the context's `.dockerignore`, plus the exceptions that keep the build's own files.
 */
export function readContextRules(
  context: string,
  dockerfile: string,
): { rules: ContextRules; dockerfileInside: boolean; relativeDockerfile: string } {
  const relativeDockerfile = toPosix(path.relative(context, dockerfile));
  const dockerfileInside =
    !relativeDockerfile.startsWith('../') && !path.isAbsolute(relativeDockerfile);
  const ignoreFile = [`${dockerfile}.dockerignore`, path.join(context, '.dockerignore')].find(
    (candidate) => existsSync(candidate),
  );
  const patterns = (ignoreFile ? readFileSync(ignoreFile, 'utf8') : '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  // The docker CLI appends these exceptions so the build can always read its own files.
  patterns.push('!.dockerignore');
  if (dockerfileInside) patterns.push(`!${relativeDockerfile}`);
  return { rules: new ContextRules(patterns), dockerfileInside, relativeDockerfile };
}

/** Docker's `.dockerignore` semantics, including when an excluded folder must still be read. */
export class ContextRules {
  private readonly matcher;
  private readonly exceptions: string[];

  constructor(patterns: readonly string[]) {
    this.matcher = dockerignoreModule.default({ ignorecase: false }).add([...patterns]);
    this.exceptions = patterns
      .filter((pattern) => pattern.startsWith('!'))
      .map((pattern) => path.posix.normalize(pattern.slice(1).replace(/^\/+/, '')));
  }

  excludes(relative: string): boolean {
    return this.matcher.ignores(relative);
  }

  /**
   * An excluded folder is read only when an exception pattern lies inside it, as the docker CLI
   * decides; the folder itself is not sent then, only what the exceptions keep.
   */
  mayHoldExceptions(relativeDirectory: string): boolean {
    const prefix = `${relativeDirectory}/`;
    return this.exceptions.some((exception) => `${exception}/`.startsWith(prefix));
  }
}

async function addDirectory(
  pack: tarStream.Pack,
  root: string,
  relativeDirectory: string,
  rules: ContextRules,
): Promise<void> {
  const absoluteDirectory = path.join(root, relativeDirectory);
  const entries = (await readdir(absoluteDirectory, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const relative = relativeDirectory ? `${relativeDirectory}/${entry.name}` : entry.name;
    const absolute = path.join(root, relative);
    const excluded = rules.excludes(relative);
    const info = await lstat(absolute);
    if (info.isDirectory()) {
      if (!excluded) {
        await addEntry(pack, header(relative, info, 'directory'));
        await addDirectory(pack, root, relative, rules);
      } else if (rules.mayHoldExceptions(relative)) {
        await addDirectory(pack, root, relative, rules);
      }
      continue;
    }
    if (excluded) continue;
    if (info.isSymbolicLink()) {
      await addEntry(pack, {
        ...header(relative, info, 'symlink'),
        linkname: await readlink(absolute),
      });
    } else if (info.isFile()) {
      await addFile(pack, { ...header(relative, info, 'file'), size: info.size }, absolute);
    }
    // Sockets, fifos and devices cannot be copied into an image; docker skips them too.
  }
}

function header(
  name: string,
  info: { mode: number; mtime: Date },
  type: 'file' | 'directory' | 'symlink',
): EntryHeader {
  return { name, type, mode: info.mode & 0o7777, mtime: info.mtime };
}

function addEntry(pack: tarStream.Pack, entryHeader: EntryHeader, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null): void => {
      if (error) reject(error);
      else resolve();
    };
    if (content) pack.entry(entryHeader, content, done);
    else pack.entry(entryHeader, done);
  });
}

/** Streams a file into the archive; never read whole into memory. */
function addFile(pack: tarStream.Pack, entryHeader: EntryHeader, absolute: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(entryHeader, (error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
    const source = createReadStream(absolute);
    source.on('error', (error) => {
      entry.destroy(error);
      reject(error);
    });
    source.pipe(entry);
  });
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
