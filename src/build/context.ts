import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import tar from 'tar-fs';

/** Where the Dockerfile lands inside the context tar when it lives outside the context. */
export const OUTSIDE_DOCKERFILE_NAME = '.image-size-gate.Dockerfile';

export interface BuildContextArchive {
  /** A streamx readable; it pipes like a Node.js stream. */
  readonly stream: tar.Pack;
  /** The Dockerfile's path inside the archive, for the engine's `dockerfile` parameter. */
  readonly dockerfileInArchive: string;
}

/**
 * Packs a build context as the docker CLI sends it: `.dockerignore` (or the Dockerfile's own
 * `<Dockerfile>.dockerignore`) applied with Docker's matching rules, the Dockerfile always
 * included, even when it lives outside the context.
 */
export function packBuildContext(context: string, dockerfile: string): BuildContextArchive {
  const relativeDockerfile = path.relative(context, dockerfile);
  const dockerfileInside =
    !relativeDockerfile.startsWith('..') && !path.isAbsolute(relativeDockerfile);
  const ignoreFile = [`${dockerfile}.dockerignore`, path.join(context, '.dockerignore')].find(
    (candidate) => existsSync(candidate),
  );
  const patterns = ignoreFile ? readFileSync(ignoreFile, 'utf8') : '';
  const matcher = dockerignoreModule.default({ ignorecase: false }).add(patterns);
  const keep = matcher.createFilter();
  // With an exception pattern (`!dir/keep`) an ignored directory may still hold kept files, so
  // it must be walked; Docker does the same.
  const hasExceptions = /^\s*!/m.test(patterns);
  const alwaysSent = new Set([
    '.dockerignore',
    dockerfileInside ? toPosix(relativeDockerfile) : '',
  ]);

  const isIgnored = (absolute: string): boolean => {
    const relative = toPosix(path.relative(context, absolute));
    if (relative === '' || alwaysSent.has(relative)) return false;
    if (keep(relative)) return false;
    if (hasExceptions && statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) return false;
    return true;
  };

  const stream = tar.pack(context, {
    ignore: isIgnored,
    finalize: dockerfileInside,
    finish: dockerfileInside
      ? undefined
      : (pack) => {
          pack.entry({ name: OUTSIDE_DOCKERFILE_NAME }, readFileSync(dockerfile));
          pack.finalize();
        },
  });
  return {
    stream,
    dockerfileInArchive: dockerfileInside ? toPosix(relativeDockerfile) : OUTSIDE_DOCKERFILE_NAME,
  };
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
