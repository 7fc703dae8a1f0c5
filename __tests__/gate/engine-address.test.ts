import { MemoryLog } from '../support/memory-log.js';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import { execCommand } from '../../src/exec.js';
import { parseInputs } from '../../src/inputs.js';
import { runGate } from '../../src/pipeline.js';
import { dockerClient, dockerHostProblem } from '../../src/engine-address.js';
import { tempDirectory } from '../support/engine.js';

/** A repository with one service; nothing may be written to it when the engine is unreachable. */
async function repository(): Promise<string> {
  const root = await tempDirectory('engine-address');
  await mkdir(path.join(root, 'app'), { recursive: true });
  await writeFile(path.join(root, 'app', 'Dockerfile'), 'FROM scratch\nCOPY x /x\n');
  await writeFile(path.join(root, 'app', 'x'), 'x');
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    'services:\n  app:\n    context: app\n',
  );
  return root;
}

describe('DOCKER_HOST that names no engine (dockerode against nothing, no engine needed)', () => {
  test.each([
    ['garbage', /^DOCKER_HOST "garbage" is not a Docker engine address: use unix:\/\/\//],
    [
      'unix:///nonexistent/docker.sock',
      /^Cannot reach the Docker engine at DOCKER_HOST="unix:\/\/\/nonexistent\/docker\.sock": connect ENOENT/,
    ],
    [
      'tcp://127.0.0.1:1',
      /^Cannot reach the Docker engine at DOCKER_HOST="tcp:\/\/127\.0\.0\.1:1": connect ECONNREFUSED/,
    ],
  ])('%s: one error naming the variable and its value; nothing written', async (host, message) => {
    const root = await repository();
    const before = await readdir(path.join(root, '.github'));
    const env = { DOCKER_HOST: host };
    const values: Record<string, string> = { 'working-directory': root, mode: 'update' };
    const run = runGate(
      parseInputs((name) => values[name] ?? '', env, root),
      {
        // dockerode reads DOCKER_HOST itself; malformed values make it throw or fail on connect.
        docker: dockerFor(host),
        exec: execCommand,
        log: new MemoryLog(),
        env,
      },
    );
    await expect(run).rejects.toThrow(message);
    expect(await readdir(path.join(root, '.github'))).toEqual(before);
  });
});

function dockerFor(host: string): Docker {
  const saved = process.env['DOCKER_HOST'];
  process.env['DOCKER_HOST'] = host;
  try {
    return new Docker();
  } finally {
    if (saved === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = saved;
  }
}

describe('DOCKER_HOST is checked before a Docker client reads it', () => {
  const problem = (host: string) =>
    `DOCKER_HOST ${JSON.stringify(host)} is not a Docker engine address: use unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host or npipe:////./pipe/docker_engine, or unset it to use /var/run/docker.sock.`;

  test.each([
    // dockerode throws "should be something like tcp://localhost:1234" for these, without the value.
    ['bi not a url', problem('bi not a url')],
    ['tcp://bi not a url', problem('tcp://bi not a url')],
    // dockerode would take these as host names and fail on connect.
    ['garbage', problem('garbage')],
    ['localhost:2375', problem('localhost:2375')],
    ['ftp://host', problem('ftp://host')],
    ['unix://', problem('unix://')],
    ['tcp://', problem('tcp://')],
    ['', undefined],
    ['unix:///var/run/docker.sock', undefined],
    ['tcp://127.0.0.1:2376', undefined],
    ['https://docker.example:2376', undefined],
    ['ssh://deploy@build-host', undefined],
    ['npipe:////./pipe/docker_engine', undefined],
  ])('%j', (host, expected) => {
    expect(dockerHostProblem({ DOCKER_HOST: host })).toBe(expected);
  });

  test('unset is the default socket', () => {
    expect(dockerHostProblem({})).toBeUndefined();
  });

  test('the client is never made from a bad value, and a good one makes a client', () => {
    withDockerHost('bi not a url', () => {
      expect(() => dockerClient(process.env)).toThrow(problem('bi not a url'));
    });
    withDockerHost('unix:///nonexistent/docker.sock', () => {
      expect(dockerClient(process.env)).toBeInstanceOf(Docker);
    });
  });

  test('a client dockerode cannot set up names DOCKER_HOST and the cause', () => {
    const saved = process.env['DOCKER_CERT_PATH'];
    process.env['DOCKER_CERT_PATH'] = '/nonexistent/certs';
    try {
      withDockerHost('tcp://127.0.0.1:2376', () => {
        expect(() => dockerClient(process.env)).toThrow(
          /^Cannot set up a Docker client for the Docker engine at DOCKER_HOST="tcp:\/\/127\.0\.0\.1:2376": ENOENT/,
        );
      });
    } finally {
      if (saved === undefined) delete process.env['DOCKER_CERT_PATH'];
      else process.env['DOCKER_CERT_PATH'] = saved;
    }
  });
});

function withDockerHost(host: string, run: () => void): void {
  const saved = process.env['DOCKER_HOST'];
  process.env['DOCKER_HOST'] = host;
  try {
    run();
  } finally {
    if (saved === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = saved;
  }
}
