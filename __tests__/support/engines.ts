import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { execCommand, type Exec } from '../../src/exec.js';
import { repositoryRoot } from './action-runner.js';

/**
 * The engines integration tests run against, side by side on one machine:
 * A, Docker 20.10 on the classic image store (no buildx), on the default socket;
 * B, Docker 26.1 on the containerd image store with buildx 0.13.1, started by
 * scripts/ensure-engine26.sh on a socket of its own.
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

const ENGINE26_ENV_FILE = path.join(repositoryRoot, 'scripts', 'engine26.env');

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

interface Engine26Paths {
  readonly host: string;
  readonly bin: string;
  readonly dockerConfig: string;
}

function readEngine26Paths(): Engine26Paths | undefined {
  if (!existsSync(ENGINE26_ENV_FILE)) return undefined;
  const values = new Map<string, string>();
  for (const line of readFileSync(ENGINE26_ENV_FILE, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const host = values.get('ENGINE26_HOST');
  const bin = values.get('ENGINE26_BIN');
  const dockerConfig = values.get('ENGINE26_DOCKER_CONFIG');
  return host && bin && dockerConfig ? { host, bin, dockerConfig } : undefined;
}

/**
 * Engine B twice: through buildx (its docker driver on the containerd store), and with a
 * DOCKER_CONFIG without the buildx plugin, so the gate falls back to the engine's BuildKit.
 * Outside CI, a machine that cannot run it skips these tests loudly; in CI they fail.
 */
export async function engine26OrSkip(): Promise<
  { readonly buildx: TestEngine; readonly engineOnly: TestEngine } | undefined
> {
  const paths = readEngine26Paths();
  let problem: string | undefined;
  let docker: Docker | undefined;
  if (!paths) {
    problem = `${path.relative(repositoryRoot, ENGINE26_ENV_FILE)} is missing (scripts/ensure-engine26.sh writes it)`;
  } else {
    docker = new Docker({ socketPath: paths.host.replace(/^unix:\/\//, '') });
    try {
      await docker.ping();
    } catch (error) {
      problem = `no engine answers on ${paths.host}: ${String(error)}`;
    }
  }
  if (problem !== undefined || !paths || !docker) {
    if (process.env['CI']) throw new Error(`CI=true but Docker 26 is not available: ${problem}`);
    console.warn(
      `\n*** Docker 26 (containerd store) is not available: its integration tests are SKIPPED (${problem}). Run \`npm test\` as root on Debian to start it. ***\n`,
    );
    return undefined;
  }
  const make = (label: string, dockerConfig: string, buildx: boolean): TestEngine => {
    const env = {
      ...baseEnvironment(),
      PATH: `${paths.bin}:${process.env['PATH'] ?? ''}`,
      DOCKER_HOST: paths.host,
      DOCKER_CONFIG: dockerConfig,
    };
    return {
      label,
      store: 'containerd',
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
    buildx: make('Docker 26, containerd store, buildx', paths.dockerConfig, true),
    engineOnly: make('Docker 26, containerd store, engine BuildKit', configWithoutBuildx(), false),
  };
}
