import Docker from 'dockerode';
import { describeValue, errorMessage } from './core/errors.js';
import type { Environment } from './core/model.js';

/** Schemes whose rest is a path (a socket or a named pipe), not a URL. */
const PATH_SCHEMES = ['unix://', 'npipe://'];
/** Schemes docker-modem reads as a URL with a host. */
const URL_SCHEMES = ['tcp:', 'http:', 'https:', 'ssh:'];

/**
 * Why DOCKER_HOST names no engine, naming the variable and its value, or undefined when it is
 * unset (the default socket) or an address. dockerode's own message ("DOCKER_HOST env variable
 * should be something like tcp://localhost:1234") leaves out the value, and some values it
 * accepts, only to fail on connect with a host name made of them.
 */
export function dockerHostProblem(env: Environment): string | undefined {
  const host = env['DOCKER_HOST'];
  if (host === undefined || host === '') return undefined;
  if (PATH_SCHEMES.some((scheme) => host.startsWith(scheme) && host.length > scheme.length)) {
    return undefined;
  }
  if (URL.canParse(host)) {
    const url = new URL(host);
    if (URL_SCHEMES.includes(url.protocol) && url.hostname !== '') return undefined;
  }
  return `DOCKER_HOST ${describeValue(host)} is not a Docker engine address: use unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host or npipe:////./pipe/docker_engine, or unset it to use /var/run/docker.sock.`;
}

/**
 * A Docker client for the engine DOCKER_HOST names. dockerode reads process.env itself, so
 * `env` must be process.env (tests pass their own DOCKER_HOST there too).
 */
export function dockerClient(env: Environment): Docker {
  const problem = dockerHostProblem(env);
  if (problem !== undefined) throw new Error(problem);
  try {
    return new Docker();
  } catch (error) {
    // DOCKER_CERT_PATH without its files, for one: dockerode reads them here.
    throw new Error(
      `Cannot set up a Docker client for ${engineWhere(env)}: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Which engine a message is about: DOCKER_HOST's, or the default socket. */
export function engineWhere(env: Environment): string {
  const host = env['DOCKER_HOST'];
  return host === undefined || host === ''
    ? 'the Docker engine at /var/run/docker.sock (DOCKER_HOST is not set)'
    : `the Docker engine at DOCKER_HOST=${describeValue(host)}`;
}
