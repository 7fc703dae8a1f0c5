import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/action-runner.js';
import { DEBIAN_BASE, engineOrSkip, tempDirectory, writeFixture } from '../support/engine.js';
import { engine20 } from '../support/engines.js';

const docker = await engineOrSkip();
const isRoot = process.getuid?.() === 0;
// It takes engine A's bridge away for a moment, so it runs alone (an exclusive test) and as root.
const describeWithBridge = docker && isRoot ? describe : describe.skip;

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
}

function bridgeAddress(): string | undefined {
  const result = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' });
  return /inet (\S+)/.exec(result.stdout)?.[1];
}

describeWithBridge(
  'an engine that answers but cannot build (Docker 20.10 without its bridge)',
  () => {
    test('the service that needs the bridge is an error with the engine’s reason; the other is measured; exit 1; baseline untouched', async () => {
      const root = await tempDirectory('no-bridge');
      await mkdir(path.join(root, 'services', 'runs'), { recursive: true });
      const scratchBytes = await writeFixture(path.join(root, 'services', 'copies'), {
        'data.bin': 12_345,
      });
      await writeFile(
        path.join(root, 'services', 'copies', 'Dockerfile'),
        'FROM scratch\nCOPY data.bin /data.bin\n',
      );
      const writeRunDockerfile = (nonce: string) =>
        writeFile(
          path.join(root, 'services', 'runs', 'Dockerfile'),
          `FROM ${DEBIAN_BASE}\nRUN echo ${nonce} > /nonce\n`,
        );
      await writeRunDockerfile(randomBytes(6).toString('hex'));
      await mkdir(path.join(root, '.github'));
      await writeFile(
        path.join(root, '.github', 'image-size.yml'),
        'services:\n  runs:\n    context: services/runs\n  copies:\n    context: services/copies\n',
      );
      const env = engine20(docker as NonNullable<typeof docker>).env;
      const cli = (command: string) =>
        spawnSync(
          process.execPath,
          [path.join(repositoryRoot, 'dist', 'cli.js'), command, '-C', root],
          { encoding: 'utf8', env: { ...env }, timeout: 300_000 },
        );
      expect(cli('update').status).toBe(0);
      const baseline = path.join(root, '.github', 'image-size-baseline.json');
      const baselineBefore = await readFile(baseline, 'utf8');

      // A new nonce: the RUN step must really run, and it cannot without docker0.
      await writeRunDockerfile(randomBytes(6).toString('hex'));
      const address = bridgeAddress();
      expect(address).toBeDefined();
      ip('link', 'del', 'docker0');
      let check: ReturnType<typeof cli>;
      try {
        check = cli('check');
      } finally {
        ip('link', 'add', 'docker0', 'type', 'bridge');
        ip('addr', 'add', address ?? '172.17.0.1/16', 'dev', 'docker0');
        ip('link', 'set', 'docker0', 'up');
      }

      expect(check.status).toBe(1);
      const output = `${check.stdout}\n${check.stderr}`;
      expect(check.stdout).toMatch(/^runs: build failed: .*could not find bridge docker0/m);
      expect(check.stdout).toMatch(/^copies +.*pass$/m);
      expect(output).not.toMatch(/\n\s+at /);
      expect(await readFile(baseline, 'utf8')).toBe(baselineBefore);
      expect(baselineBefore).toContain(`"size": ${scratchBytes}`);
    });
  },
);
