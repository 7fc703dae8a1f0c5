import { MemoryLog } from '../support/memory-log.js';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import { execCommand } from '../../src/exec.js';
import { parseInputs } from '../../src/inputs.js';
import { runGate } from '../../src/pipeline.js';
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
    ['garbage', /DOCKER_HOST="garbage": it is not an engine address \(unix:\/\/\/path/],
    [
      'unix:///nonexistent/docker.sock',
      /DOCKER_HOST="unix:\/\/\/nonexistent\/docker\.sock": connect ENOENT/,
    ],
    ['tcp://127.0.0.1:1', /DOCKER_HOST="tcp:\/\/127\.0\.0\.1:1": connect ECONNREFUSED/],
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
    await expect(run).rejects.toThrow(/^Cannot reach the Docker engine at DOCKER_HOST=/);
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
