import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { BuildSpec } from '../services/types.js';

/**
 * The image the final stage (or `target`) is built FROM, following stage aliases and
 * substituting build args: `undefined` for `FROM scratch` or when it cannot be told (a
 * variable without a value). Only what is needed to name the base: not a Dockerfile parser.
 */
export function finalStageBase(
  dockerfile: string,
  target: string | undefined,
  buildArgs: Readonly<Record<string, string>>,
): string | undefined {
  const globalArgs: Record<string, string> = {};
  const stages: Array<{ base: string; name: string | undefined }> = [];
  for (const instruction of logicalLines(dockerfile)) {
    const [keyword = '', ...rest] = instruction.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      for (const declaration of rest) {
        const equals = declaration.indexOf('=');
        const name = equals === -1 ? declaration : declaration.slice(0, equals);
        const fallback = equals === -1 ? undefined : unquote(declaration.slice(equals + 1));
        const value = buildArgs[name] ?? fallback;
        if (value !== undefined) globalArgs[name] = value;
      }
    } else if (upper === 'FROM') {
      const words = rest.filter((word) => !word.startsWith('--'));
      const base = words[0];
      if (base === undefined) return undefined;
      const name = words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined;
      stages.push({ base, name });
    }
  }
  let stage = target
    ? stages.find((candidate) => candidate.name === target.toLowerCase())
    : stages.at(-1);
  for (let hops = 0; stage && hops < stages.length; hops += 1) {
    const base = substitute(stage.base, globalArgs);
    if (base === undefined) return undefined;
    const earlier = stages.find((candidate) => candidate.name === base.toLowerCase());
    if (!earlier || earlier === stage) return base.toLowerCase() === 'scratch' ? undefined : base;
    stage = earlier;
  }
  return undefined;
}

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

function logicalLines(dockerfile: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of dockerfile.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

function substitute(text: string, args: Readonly<Record<string, string>>): string | undefined {
  let missing = false;
  const result = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      _match,
      braced: string | undefined,
      fallback: string | undefined,
      bare: string | undefined,
    ) => {
      const name = braced ?? bare ?? '';
      const value = args[name] ?? fallback;
      if (value === undefined) missing = true;
      return value ?? '';
    },
  );
  return missing ? undefined : result;
}

function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, '$2');
}
