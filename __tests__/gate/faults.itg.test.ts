import { MemoryLog } from '../support/memory-log.js';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, test } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { runGate } from '../../src/pipeline.js';
import { repositoryRoot } from '../support/action-runner.js';
import { DEBIAN_BASE, engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20 } from '../support/engines.js';

const docker = await engineOrSkip();
const describeWithEngine = docker ? describe : describe.skip;
const isRoot = process.getuid?.() === 0;

const CLI = path.join(repositoryRoot, 'dist', 'cli.js');

async function scratchService(root: string, name: string, bytes: number): Promise<void> {
  const directory = path.join(root, 'services', name);
  await writeFixture(directory, { 'data.bin': bytes });
  await writeFile(path.join(directory, 'Dockerfile'), 'FROM scratch\nCOPY data.bin /data.bin\n');
}

async function writeConfig(root: string, names: readonly string[]): Promise<void> {
  await mkdir(path.join(root, '.github'), { recursive: true });
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    `services:\n${names.map((name) => `  ${name}:\n    context: services/${name}\n`).join('')}`,
  );
}

async function githubFolder(root: string): Promise<string[]> {
  return (await readdir(path.join(root, '.github'))).sort();
}

/**
 * A unix socket in front of the engine that passes everything through, except that it cuts an
 * image export (`GET …/images/…/get`) after `cutAfter` bytes of the answer.
 */
async function cuttingProxy(
  target: string,
  cutAfter: number,
): Promise<{ socket: string; close(): Promise<void> }> {
  const socketPath = path.join(await tempDirectory('proxy'), 'docker.sock');
  const server = net.createServer((client) => {
    const engine = net.connect(target);
    let isExport = false;
    let sent = 0;
    // Connections are kept alive: every request on one is looked at, not just the first.
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^(GET|POST|HEAD|PUT|DELETE) /.test(text)) {
        isExport = /^GET \S*\/images\/\S+\/get/.test(text);
        sent = 0;
      }
      engine.write(chunk);
    });
    engine.on('data', (chunk: Buffer) => {
      if (isExport && sent + chunk.length > cutAfter) {
        client.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
        client.destroy();
        engine.destroy();
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    engine.on('end', () => client.end());
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socket: socketPath,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

describeWithEngine('faults against the real engine (Docker 20.10)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('the engine connection cut in the middle of an export: that service is an error, the other is measured', async () => {
    const root = await tempDirectory('cut-export');
    await scratchService(root, 'large', 2_000_000);
    await scratchService(root, 'small', 1_000);
    await writeConfig(root, ['large', 'small']);
    // The small image's whole export is well under 64 kB; the large one's is not.
    const proxy = await cuttingProxy('/var/run/docker.sock', 64 * 1024);
    cleanups.push(() => proxy.close());
    const engine = engine20(new Docker({ socketPath: proxy.socket }));
    const values: Record<string, string> = {
      'working-directory': root,
      'report-file': path.join(root, 'report.json'),
    };
    const run = await runGate(
      parseInputs((name) => values[name] ?? '', engine.env, root),
      {
        docker: engine.docker,
        exec: engine.exec,
        log: new MemoryLog(),
        env: engine.env,
      },
    );
    const large = run.verdict.services.find((service) => service.name === 'large');
    const small = run.verdict.services.find((service) => service.name === 'small');
    expect(large?.status).toBe('error');
    expect(large?.error).not.toContain('\n');
    expect(large?.error).toMatch(
      /^the engine's export of the image broke off after \d+ bytes \(aborted\); is the engine still running\?$/,
    );
    expect(run.verdict.failures.join('\n')).toMatch(/^large: measure failed: /m);
    expect(small?.status).toBe('new');
    expect(small?.current).toBe(1_000);
    expect(run.verdict.passed).toBe(false);
  });

  test('SIGTERM in the middle of an update: exit 143, one clear line, baseline untouched, no temporary file', async () => {
    const root = await tempDirectory('sigterm');
    await scratchService(root, 'quick', 1_000);
    const slow = path.join(root, 'services', 'slow');
    await mkdir(slow, { recursive: true });
    // A nonce, so the sleep really runs rather than coming from the build cache.
    await writeFile(
      path.join(slow, 'Dockerfile'),
      `FROM ${DEBIAN_BASE}\nRUN echo ${randomBytes(6).toString('hex')} && sleep 20\n`,
    );
    await writeConfig(root, ['quick', 'slow']);
    const baseline = path.join(root, '.github', 'image-size-baseline.json');
    await writeFile(baseline, '{\n  "version": 1,\n  "services": {}\n}\n');
    const before = await githubFolder(root);
    const baselineBefore = await readFile(baseline, 'utf8');

    const child = spawn(process.execPath, [CLI, 'update', '-C', root], {
      env: { ...engine20(docker as Docker).env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    // Wait until the slow build is under way, then stop the run as a cancelled workflow would.
    for (let waited = 0; waited < 60_000 && !stderr.includes('slow: building'); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));

    expect(code).toBe(143);
    expect(stderr).toMatch(
      /^Stopped by SIGTERM before the gate finished; .*no temporary file is left\.$/m,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(baseline, 'utf8')).toBe(baselineBefore);
    expect(await githubFolder(root)).toEqual(before);
  });

  (isRoot ? test : test.skip)(
    'the disk fills while the baseline is written (a small tmpfs): exit 1, the reason, the old baseline intact, no temporary file',
    async () => {
      const mountPoint = await tempDirectory('tmpfs');
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
      expect(mounted.status, String(mounted.stderr)).toBe(0);
      cleanups.push(async () => {
        spawnSync('umount', [mountPoint]);
        await rm(mountPoint, { recursive: true, force: true });
      });
      const root = path.join(mountPoint, 'repository');
      await scratchService(root, 'app', 1_000);
      await writeConfig(root, ['app']);
      const baseline = path.join(root, '.github', 'image-size-baseline.json');
      const baselineBefore = '{\n  "version": 1,\n  "services": {}\n}\n';
      await writeFile(baseline, baselineBefore);
      // Fill the rest of the filesystem.
      spawnSync('dd', ['if=/dev/zero', `of=${path.join(mountPoint, 'filler')}`, 'bs=4096'], {
        encoding: 'utf8',
      });
      const before = await githubFolder(root);

      const result = spawnSync(process.execPath, [CLI, 'update', '-C', root], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...engine20(docker as Docker).env },
      });

      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^Error: could not write the baseline .*image-size-baseline\.json \(ENOSPC: no space left on device.*\); the file is unchanged$/m,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await readFile(baseline, 'utf8')).toBe(baselineBefore);
      expect(await githubFolder(root)).toEqual(before);
    },
  );
});
