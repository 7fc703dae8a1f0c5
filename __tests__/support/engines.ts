import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { execCommand, type Exec } from '../../src/exec.js';
import { repositoryRoot } from './action-runner.js';

/**
 * The engines integration tests run against, side by side on one machine:
 * A, Docker 20.10 on the classic image store (no buildx), on the default socket;
 * B, Docker 26.1 on the containerd image store with buildx 0.13.1;
 * C, Docker 28.5 with buildx 0.29.1, twice: on the classic store (28) and the containerd store (28c).
 * scripts/ensure-engine.sh starts B and C, each on a socket of its own.
 */
export interface TestEngine {
  /** For test titles: which engine, which store, which build path. */
  readonly label: string;
  readonly store: 'classic' | 'containerd';
  readonly docker: Docker;
  /** The environment the gate sees: DOCKER_HOST, DOCKER_CONFIG and PATH for this engine. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs this engine's own docker CLI for `docker …`; other programs as they are. */
  readonly exec: Exec;
  /** True when `docker buildx` works against this engine with `env`. */
  readonly buildx: boolean;
}

/** A DOCKER_CONFIG without CLI plugins: `docker buildx` is missing there. */
function configWithoutBuildx(): string {
  const directory = path.join(repositoryRoot, '.tmp', 'docker-config-without-buildx');
  mkdirSync(directory, { recursive: true });
  return directory;
}

function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Engine A as the tests have always used it: the default socket, no buildx. */
export function engine20(docker: Docker): TestEngine {
  const env = { ...baseEnvironment(), DOCKER_CONFIG: configWithoutBuildx() };
  return {
    label: 'Docker 20.10, classic store, engine BuildKit',
    store: 'classic',
    docker,
    env,
    exec: (command, args, options) =>
      execCommand(command, args, { env: { ...env, ...(options?.env ?? {}) } }),
    buildx: false,
  };
}

/** The engines scripts/ensure-engine.sh starts from Debian packages, each on a socket of its own. */
const MODERN_ENGINES = {
  '26': { title: 'Docker 26' },
  '28': { title: 'Docker 28' },
  '28c': { title: 'Docker 28' },
} as const;
export type ModernEngineName = keyof typeof MODERN_ENGINES;

interface EnginePaths {
  readonly host: string;
  readonly bin: string;
  readonly dockerConfig: string;
  readonly containerdStore: boolean;
}

function envFileOf(name: ModernEngineName): string {
  return path.join(repositoryRoot, 'scripts', `engine${name}.env`);
}

function readEnginePaths(name: ModernEngineName): EnginePaths | undefined {
  const file = envFileOf(name);
  if (!existsSync(file)) return undefined;
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const host = values.get('ENGINE_HOST');
  const bin = values.get('ENGINE_BIN');
  const dockerConfig = values.get('ENGINE_DOCKER_CONFIG');
  const containerdStore = values.get('ENGINE_CONTAINERD_STORE') === 'true';
  return host && bin && dockerConfig ? { host, bin, dockerConfig, containerdStore } : undefined;
}

/** One modern engine through each build path: buildx, and the engine's BuildKit alone. */
export interface ModernEngine {
  readonly name: ModernEngineName;
  readonly buildx: TestEngine;
  readonly engineOnly: TestEngine;
}

/**
 * A modern engine twice: through buildx (its docker driver), and with a DOCKER_CONFIG without
 * the buildx plugin, so the gate falls back to the engine's BuildKit. Outside CI, a machine
 * that cannot run it skips these tests loudly; in CI they fail.
 */
export async function modernEngineOrSkip(
  name: ModernEngineName,
): Promise<ModernEngine | undefined> {
  const paths = readEnginePaths(name);
  const { title } = MODERN_ENGINES[name];
  let problem: string | undefined;
  let docker: Docker | undefined;
  if (!paths) {
    problem = `${path.relative(repositoryRoot, envFileOf(name))} is missing (scripts/ensure-engine.sh ${name} writes it)`;
  } else {
    docker = new Docker({ socketPath: paths.host.replace(/^unix:\/\//, '') });
    try {
      await docker.ping();
    } catch (error) {
      problem = `no engine answers on ${paths.host}: ${String(error)}`;
    }
  }
  if (problem !== undefined || !paths || !docker) {
    if (process.env['CI'])
      throw new Error(`CI=true but engine ${name} is not available: ${problem}`);
    console.warn(
      `\n*** Engine ${name} (${title}) is not available: its integration tests are SKIPPED (${problem}). Run \`npm test\` as root on Debian to start it. ***\n`,
    );
    return undefined;
  }
  const store = paths.containerdStore ? 'containerd' : 'classic';
  const make = (label: string, dockerConfig: string, buildx: boolean): TestEngine => {
    const env = {
      ...baseEnvironment(),
      PATH: `${paths.bin}:${process.env['PATH'] ?? ''}`,
      DOCKER_HOST: paths.host,
      DOCKER_CONFIG: dockerConfig,
    };
    return {
      label,
      store,
      docker,
      env,
      exec: (command, args, options) =>
        execCommand(command === 'docker' ? path.join(paths.bin, 'docker') : command, args, {
          env: { ...env, ...(options?.env ?? {}) },
        }),
      buildx,
    };
  };
  return {
    name,
    buildx: make(`${title}, ${store} store, buildx`, paths.dockerConfig, true),
    engineOnly: make(`${title}, ${store} store, engine BuildKit`, configWithoutBuildx(), false),
  };
}

export const engine26OrSkip = (): Promise<ModernEngine | undefined> => modernEngineOrSkip('26');

/** Engines 28 (classic store) and 28c (containerd store): what GitHub's runners have today. */
export async function engines28OrSkip(): Promise<ModernEngine[]> {
  const found = [await modernEngineOrSkip('28'), await modernEngineOrSkip('28c')];
  return found.filter((engine) => engine !== undefined);
}
