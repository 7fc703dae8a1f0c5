import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { seededBytes } from './bytes.js';
import tarStream from 'tar-stream';

/**
 * Integration tests need a real engine. Outside CI they skip with a loud message when none
 * answers; in CI (CI=true) a missing engine fails them, so they can never silently not run.
 */
export async function engineOrSkip(): Promise<Docker | undefined> {
  const docker = new Docker();
  try {
    await docker.ping();
    return docker;
  } catch (error) {
    if (process.env['CI']) {
      throw new Error(`CI=true but no Docker engine answers: ${String(error)}`, { cause: error });
    }
    console.warn(
      '\n*** No Docker engine answers: integration tests are SKIPPED. Run `npm test` (it starts one) to run them. ***\n',
    );
    return undefined;
  }
}

/** The Debian root filesystem imported by scripts/ensure-test-base.sh. */
export const DEBIAN_BASE = 'image-size-gate-test/debian:bookworm';

export async function tempDirectory(prefix: string): Promise<string> {
  const base = path.join(os.tmpdir(), 'image-size-gate-tests');
  await mkdir(base, { recursive: true });
  return mkdtemp(path.join(base, `${prefix}-`));
}

/** Bytes that look random, derived from a seed (see support/bytes.ts). */
export const pseudoRandomBytes = seededBytes;

export type FixtureFile = number | string | { readonly symlinkTo: string };

/**
 * Writes files into `directory`: a number is that many pseudo-random bytes, a string is the
 * file's text, `{ symlinkTo }` a symlink. Returns the bytes an image layer counts for them:
 * regular-file bytes (a symlink counts nothing).
 */
export async function writeFixture(
  directory: string,
  files: Readonly<Record<string, FixtureFile>>,
): Promise<number> {
  let contentBytes = 0;
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(directory, relative);
    await mkdir(path.dirname(file), { recursive: true });
    if (typeof content === 'number') {
      await writeFile(file, pseudoRandomBytes(content, relative));
      contentBytes += content;
    } else if (typeof content === 'string') {
      await writeFile(file, content);
      contentBytes += Buffer.byteLength(content);
    } else {
      await symlink(content.symlinkTo, file);
    }
  }
  return contentBytes;
}

/** `.Size` as the classic image store reports it: the reference we must equal exactly. */
export async function engineReportedSize(docker: Docker, reference: string): Promise<number> {
  const inspect = await docker.getImage(reference).inspect();
  return inspect.Size;
}

/**
 * Regular-file and symlink-target bytes of an image export, counted by tar-stream: an
 * implementation independent of ours, to check our reader against.
 */
export async function countWithTarStream(
  docker: Docker,
  reference: string,
): Promise<{ fileBytes: number; symlinkBytes: number }> {
  const outer = tarStream.extract();
  const archive = await docker.getImage(reference).get();
  archive.pipe(outer);
  let fileBytes = 0;
  let symlinkBytes = 0;
  for await (const entry of outer) {
    if (entry.header.name.endsWith('layer.tar') || entry.header.name.startsWith('blobs/')) {
      const inner = tarStream.extract();
      const counting = (async () => {
        for await (const file of inner) {
          if (file.header.type === 'file') fileBytes += file.header.size ?? 0;
          if (file.header.type === 'symlink') {
            symlinkBytes += Buffer.byteLength(file.header.linkname ?? '');
          }
          file.resume();
        }
      })();
      entry.pipe(inner);
      await counting;
    } else {
      entry.resume();
    }
  }
  return { fileBytes, symlinkBytes };
}
