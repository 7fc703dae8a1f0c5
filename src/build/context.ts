import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import type { SyncedDirectory } from './session/session.js';

/**
 * The context's ignore rules as the docker CLI reads them: `<Dockerfile>.dockerignore` first,
 * else the context's `.dockerignore`, plus the exceptions that keep the build's own files.
 */
function readContextRules(context: string, dockerfile: string): ContextRules {
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
  return new ContextRules(patterns);
}

/** Docker's `.dockerignore` semantics, including when an excluded folder must still be read. */
class ContextRules {
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

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/**
 * The folders a build reads through the session, under the names BuildKit's Dockerfile frontend
 * asks for: `context` with the `.dockerignore` rules applied on our side too (as the docker CLI
 * does), and `dockerfile`, the Dockerfile's own folder, wherever it lives.
 */
export function buildContextDirectories(
  context: string,
  dockerfile: string,
): Readonly<Record<'context' | 'dockerfile', SyncedDirectory>> {
  const rules = readContextRules(context, dockerfile);
  return {
    context: {
      root: context,
      extraRule: (relative, isDirectory) => {
        if (!rules.excludes(relative)) return 'send';
        return isDirectory && rules.mayHoldExceptions(relative) ? 'walk-hidden' : 'skip';
      },
    },
    dockerfile: { root: path.dirname(dockerfile) },
  };
}
