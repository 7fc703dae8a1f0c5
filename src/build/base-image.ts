import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { finalStageBase } from '../dockerfile.js';
import type { BuildSpec } from '../services/types.js';

/** The base image's diffIDs when the engine has it; the measure stage marks those layers. */
export async function baseLayerDiffIds(
  docker: Docker,
  reference: string,
): Promise<readonly string[] | undefined> {
  try {
    const inspected = await docker.getImage(reference).inspect();
    return inspected.RootFS.Layers ?? [];
  } catch {
    return undefined;
  }
}

/** Reads the Dockerfile of a build and names its base image, or undefined. */
export async function baseImageOf(
  build: BuildSpec,
  buildArgs: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  try {
    return finalStageBase(await readFile(build.dockerfile, 'utf8'), build.target, buildArgs);
  } catch {
    return undefined;
  }
}
