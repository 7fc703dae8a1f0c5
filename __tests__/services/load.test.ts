import { limits } from '../support/fixtures.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  COMPOSE_FILE_NAMES,
  loadServices,
  type LoadServicesOptions,
} from '../../src/services/load.js';
import { expectInputErrorAsync } from './expect-input-error.js';

const CONFIG_PATH = '.github/image-size.yml';

let root = '';

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'image-size-gate-services-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [relativePath, content] of Object.entries(files)) {
    const absolutePath = path.join(root, relativePath);
    await mkdir(path.dirname(absolutePath), { recursive: true });
    await writeFile(absolutePath, content);
  }
}

function load(overrides: Partial<LoadServicesOptions> = {}) {
  return loadServices({
    workingDirectory: root,
    configPath: CONFIG_PATH,
    configExplicit: false,
    composeFiles: undefined,
    filter: [],
    env: {},
    runDefaults: limits(),
    ...overrides,
  });
}

const DOCKERFILE = 'FROM scratch\n';

describe('loadServices', () => {
  it('reads the config alone, without looking for compose files', async () => {
    await writeFiles({
      [CONFIG_PATH]: 'services:\n  api:\n    context: services/api\n  db:\n    image: postgres',
      'services/api/Dockerfile': DOCKERFILE,
      // Present but not imported: the config decides.
      'compose.yaml': 'services:\n  web:\n    build: web',
    });
    const plan = await load();
    expect(plan.all.map((service) => service.name)).toEqual(['api', 'db']);
    expect(plan.selected).toEqual(plan.all);
    expect(plan.fullRun).toBe(true);
    expect(plan).not.toHaveProperty('origins');
    expect(plan.all[0]?.build?.dockerfile).toBe(path.join(root, 'services/api/Dockerfile'));
  });

  it('imports the compose files the config names, relative to the repository root', async () => {
    await writeFiles({
      [CONFIG_PATH]: 'compose: deploy/compose.yaml\nservices:\n  api:\n    budget: 100MB',
      'deploy/compose.yaml':
        'services:\n  api:\n    build:\n      context: ../api\n      args: [VERSION]\n  db:\n    image: postgres',
      'api/Dockerfile': DOCKERFILE,
    });
    const plan = await load({ env: { VERSION: '1.2.3' } });
    expect(plan.all).toHaveLength(1);
    expect(plan.all[0]).toMatchObject({
      name: 'api',
      definedIn: 'deploy/compose.yaml',
      build: { context: path.join(root, 'api'), args: { VERSION: '1.2.3' } },
      limits: { budget: 100e6 },
    });
  });

  it('lets the compose-file input win over the config, merging files in order', async () => {
    await writeFiles({
      [CONFIG_PATH]: 'compose: unused.yaml\nservices:\n  api:\n    budget: 100MB',
      'ci/compose.yaml': 'services:\n  api:\n    build: ../api',
      'ci/compose.ci.yaml': 'services:\n  api:\n    build:\n      dockerfile: Dockerfile.ci',
      'api/Dockerfile.ci': DOCKERFILE,
    });
    const plan = await load({ composeFiles: ['ci/compose.yaml', 'ci/compose.ci.yaml'] });
    // Compose paths of every file resolve against the first file's directory.
    expect(plan.all[0]?.build?.dockerfile).toBe(path.join(root, 'api/Dockerfile.ci'));
  });

  it.each(COMPOSE_FILE_NAMES.map((name, index) => [name, COMPOSE_FILE_NAMES.slice(index)]))(
    'auto-detects %s before the names after it',
    async (expected, present) => {
      const files: Record<string, string> = { 'app/Dockerfile': DOCKERFILE };
      for (const name of present) {
        files[name] = `services:\n  ${name.replace(/\W/g, '-')}:\n    build: app`;
      }
      await writeFiles(files);
      const plan = await load();
      expect(plan.all.map((service) => service.definedIn)).toEqual([expected]);
    },
  );

  it('explains that neither a config nor a compose file was found', async () => {
    await expectInputErrorAsync(
      () => load(),
      [
        `workflow inputs: config: no config file and no compose file: looked for ${CONFIG_PATH}, ${COMPOSE_FILE_NAMES.join(', ')} in `,
      ],
    );
  });

  it('rejects an explicit config that does not exist', async () => {
    await writeFiles({ 'compose.yaml': 'services:\n  api:\n    build: .', Dockerfile: DOCKERFILE });
    await expect(load()).resolves.toBeDefined();
    await expectInputErrorAsync(
      () => load({ configPath: 'ci/sizes.yml', configExplicit: true }),
      [
        `workflow inputs: config: config file not found: looked for ${path.join(root, 'ci/sizes.yml')} (got "ci/sizes.yml")`,
      ],
    );
  });

  it.each([
    [
      'the compose-file input',
      { composeFiles: ['missing.yml'] },
      {},
      'workflow inputs: compose-file: compose file not found',
    ],
    [
      'the config',
      {},
      { [CONFIG_PATH]: 'compose: missing.yml' },
      `${CONFIG_PATH}: compose: compose file not found`,
    ],
  ])(
    'rejects a missing compose file named by %s, naming the file',
    async (_, options, files, start) => {
      await writeFiles(files);
      await expectInputErrorAsync(
        () => load(options),
        [`${start}: looked for ${path.join(root, 'missing.yml')} (got "missing.yml")`],
      );
    },
  );

  it.each([
    [
      'a missing config context',
      { [CONFIG_PATH]: 'services:\n  api:\n    context: services/api' },
      [CONFIG_PATH, 'services.api.context', '"services/api"', 'not found'],
    ],
    [
      'a config context that is a file',
      { [CONFIG_PATH]: 'services:\n  api:\n    context: README.md', 'README.md': '' },
      [CONFIG_PATH, 'services.api.context', '"README.md"', 'not a directory'],
    ],
    [
      'a missing default Dockerfile',
      { [CONFIG_PATH]: 'services:\n  api:\n    context: api', 'api/main.go': '' },
      [CONFIG_PATH, 'services.api.dockerfile', '"Dockerfile"', path.join('api', 'Dockerfile')],
    ],
    [
      'a missing compose context',
      { 'compose.yml': 'services:\n  web:\n    build: ./web' },
      ['compose.yml', 'services.web.build', '"./web"', 'build context directory not found'],
    ],
    [
      'a missing compose dockerfile',
      {
        'compose.yml':
          'services:\n  web:\n    build:\n      context: web\n      dockerfile: prod.Dockerfile',
        'web/Dockerfile': DOCKERFILE,
      },
      ['compose.yml', 'services.web.build.dockerfile', '"prod.Dockerfile"', 'Dockerfile not found'],
    ],
  ])('rejects %s', async (_, files, parts) => {
    await writeFiles(files);
    await expectInputErrorAsync(() => load(), parts);
  });

  it('checks the build paths of the selected services only', async () => {
    await writeFiles({
      'compose.yaml': 'services:\n  api:\n    build: api\n  legacy:\n    build: gone',
      'api/Dockerfile': DOCKERFILE,
    });
    const plan = await load({ filter: ['api'] });
    expect(plan.selected.map((service) => service.name)).toEqual(['api']);
    expect(plan.fullRun).toBe(false);
    await expectInputErrorAsync(() => load(), ['compose.yaml', 'services.legacy.build', '"gone"']);
  });

  it('rejects a repository without any service', async () => {
    await writeFiles({ 'compose.yaml': 'services:\n  db:\n    image: postgres' });
    await expectInputErrorAsync(() => load(), ['compose.yaml', 'no service to measure']);
  });

  it('resolves a relative working directory', async () => {
    await writeFiles({ 'compose.yaml': 'services:\n  api:\n    build: .', Dockerfile: DOCKERFILE });
    const plan = await load({ workingDirectory: path.relative(process.cwd(), root) });
    expect(plan.all[0]?.build?.context).toBe(root);
  });
});
