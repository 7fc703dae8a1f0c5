import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from './support/action-runner.js';
import { tempDirectory } from './support/engine.js';

/**
 * Bad input, one class per row, through the bundled CLI as a user runs it: exit 1, one clear
 * line naming the file, the key or line and the value, no stack trace or process warning, no raw
 * control character, under 500 characters, and every file of the repository byte-identical
 * afterwards. None of these needs a Docker engine: they stop before one is asked.
 */
interface Case {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Run `git init` and `git add` these files first. */
  readonly tracked?: readonly string[];
  readonly parts: readonly string[];
  /** Text that must appear nowhere in the output. */
  readonly never?: string;
}

const DOCKERFILE = 'FROM scratch\nCOPY x /x\n';
const CONFIG = '.github/image-size.yml';
const BASELINE = '.github/image-size-baseline.json';
const VALID = {
  'svc/Dockerfile': DOCKERFILE,
  'svc/x': 'x',
  [CONFIG]: 'services:\n  api:\n    context: svc\n',
};
const BASELINE_ENTRY = '{ "size": 1, "platform": "linux/amd64", "layers": [] }';

const CASES: Case[] = [
  {
    name: '1. report-file is the baseline',
    files: { ...VALID, [BASELINE]: `{"version": 1, "services": {}}\n` },
    args: ['--report-file', BASELINE],
    parts: ['--report-file', 'is the baseline .github/image-size-baseline.json;'],
  },
  {
    name: '1. report-file is the config',
    files: VALID,
    args: ['--report-file', CONFIG],
    parts: ['--report-file', 'is the config file'],
  },
  {
    name: '1. report-file is a compose file',
    files: { ...VALID, 'compose.yaml': 'services: {}\n' },
    args: ['--report-file', 'compose.yaml'],
    parts: ['--report-file', 'is a compose file'],
  },
  {
    name: '1. report-file is a file git tracks',
    files: { ...VALID, 'README.md': '# hello\n' },
    tracked: ['README.md'],
    args: ['--report-file', 'README.md'],
    parts: ['--report-file', 'is a file git tracks', 'README.md'],
  },
  {
    name: '2. 100,000 nested [ in YAML',
    files: { ...VALID, [CONFIG]: `services: ${'['.repeat(100_000)}\n` },
    parts: ['image-size.yml', 'line 1', 'nests brackets more than 64 levels deep'],
  },
  {
    name: '2. 20,000 nested {a: in compose',
    files: { 'compose.yaml': `services: ${'{a: '.repeat(20_000)}\n` },
    parts: ['compose.yaml', 'line 1', 'more than 64 levels deep'],
  },
  {
    name: '2. deeply indented YAML',
    files: {
      ...VALID,
      [CONFIG]: Array.from({ length: 80 }, (_, depth) => `${'  '.repeat(depth)}a:`).join('\n'),
    },
    parts: ['image-size.yml', 'more than 64 levels deep'],
  },
  {
    name: '3. a 100,000-digit budget is echoed cut',
    files: {
      ...VALID,
      [CONFIG]: `services:\n  api:\n    context: svc\n    budget: ${'9'.repeat(100_000)}\n`,
    },
    parts: ['services.api.budget', 'at most 1 PB', '999…'],
  },
  {
    name: '4. ESC and NUL in a key are escaped',
    files: { ...VALID, [CONFIG]: 'services:\n  "a\\epi\\0x":\n    context: svc\n' },
    parts: ['\\u001b', '\\u0000'],
  },
  {
    name: '5. an unclosed bracket is blamed where it opened',
    files: { ...VALID, [CONFIG]: 'services:\n  api: { context: svc\n\n\nmetric: compressed\n' },
    parts: ['image-size.yml', 'line 2', 'the { opened on line 2 is never closed'],
  },
  {
    name: '5. an unclosed quote is blamed where it opened',
    files: { ...VALID, [CONFIG]: 'services:\n  api:\n    context: "svc\n    budget: 1MB\n' },
    parts: ['image-size.yml', 'line 3', 'the " opened on line 3 is never closed'],
  },
  {
    name: '6. a collection as a key is an error, not a process warning',
    files: { ...VALID, [CONFIG]: 'services:\n  ? [api]\n  : { context: svc }\n' },
    parts: ['image-size.yml', 'a key must be plain text'],
  },
  {
    name: '7. a typo in compose build: is named, with the close key',
    files: {
      'compose.yaml': 'services:\n  api:\n    build:\n      contxt: svc\n',
      'svc/Dockerfile': DOCKERFILE,
    },
    parts: ['compose.yaml', 'services.api.build.contxt', 'did you mean `context`'],
  },
  ...['__proto__', 'constructor', 'toString'].map((name): Case => ({
    name: `8. extends: ${name} names nothing`,
    files: {
      'compose.yaml': `services:\n  api:\n    extends: ${name}\n    build: svc\n`,
      'svc/Dockerfile': DOCKERFILE,
    },
    parts: ['compose.yaml', 'services.api.extends', 'must name another service', name],
  })),
  {
    name: '9. a key twice in the baseline JSON',
    files: {
      ...VALID,
      [BASELINE]: `{\n  "version": 1,\n  "services": {\n    "api": ${BASELINE_ENTRY},\n    "api": ${BASELINE_ENTRY}\n  }\n}\n`,
    },
    parts: ['image-size-baseline.json', 'services.api', 'lines 4 and 5'],
  },
  {
    name: '10. a max-increase of 400 nines and % is refused',
    files: VALID,
    args: ['--max-increase', `${'9'.repeat(400)}%`],
    parts: ['--max-increase', 'at most 10000%'],
  },
  {
    name: '11. an invalid image reference is named before any engine call',
    files: { [CONFIG]: 'services:\n  api:\n    image: "Bad/Upper Case:1"\n' },
    parts: [
      'image-size.yml',
      'services.api.image',
      'is not an image reference',
      'Bad/Upper Case:1',
    ],
  },
  {
    name: '12. a platform that is not os/arch',
    files: { ...VALID, [CONFIG]: 'services:\n  api:\n    context: svc\n    platform: amd64\n' },
    parts: ['services.api.platform', 'is not a platform', '"amd64"'],
  },
  {
    // A platform of another OS is not bad input: that service alone fails where it cannot build.
    name: '12. a platform with an empty part',
    files: {
      ...VALID,
      [CONFIG]: 'services:\n  api:\n    context: svc\n    platform: linux//arm64\n',
    },
    parts: ['services.api.platform', 'is not a platform', '"linux//arm64"'],
  },
  {
    name: '16. a missing --compose-file names the file looked for, and the flag once',
    files: { 'svc/Dockerfile': DOCKERFILE, 'svc/x': 'x' },
    args: ['--compose-file', 'deploy/compose.prod.yml'],
    parts: [
      'Bad input: command line: --compose-file: compose file not found: looked for /',
      '/deploy/compose.prod.yml (got "/',
      '/deploy/compose.prod.yml")',
    ],
    never: 'compose-file: compose-file',
  },
  {
    name: '14. --config /dev/zero',
    files: VALID,
    args: ['--config', '/dev/zero'],
    parts: ['/dev/zero', 'is not a regular file'],
  },
  {
    name: '14. a config over 10 MB',
    files: { ...VALID, [CONFIG]: `# ${'x'.repeat(10_000_100)}\nservices: {}\n` },
    parts: ['image-size.yml', 'files over 10 MB are refused'],
  },
  {
    name: '15. a Dockerfile outside the repository is refused, its content never shown',
    files: {
      ...VALID,
      [CONFIG]:
        'services:\n  api:\n    context: svc\n    dockerfile: ../../outside-repo/Dockerfile\n',
      // Beside the repository, not in it.
      '../outside-repo/Dockerfile': 'SECRET=hunter2\n',
    },
    parts: ['services.api.dockerfile', 'must be inside the repository'],
    never: 'hunter2',
  },
  {
    name: '16. a bad flag is named as the flag',
    files: VALID,
    args: ['--parallel', '0'],
    parts: ['--parallel', 'from 1 to 64', '"0"'],
  },
  {
    name: '16. -C of a folder that does not exist',
    files: VALID,
    args: ['-C', '/nonexistent/repository'],
    parts: ['--working-directory', 'directory not found', '/nonexistent/repository'],
  },
  {
    name: '16. a nested baseline says what it got',
    files: { ...VALID, [BASELINE]: '{"version": 1, "services": {"api": [[[1]]]}}\n' },
    parts: ['image-size-baseline.json', 'services.api', 'must be an object (got [[[1]]])'],
  },
  {
    name: '13. DOCKER_HOST garbage names its value',
    files: VALID,
    env: { DOCKER_HOST: 'garbage' },
    parts: ['Error: DOCKER_HOST "garbage" is not a Docker engine address', 'unix:///'],
  },
  {
    // dockerode throws for this one itself, naming neither the variable nor the value.
    name: '13. DOCKER_HOST that is no URL names its value',
    files: VALID,
    env: { DOCKER_HOST: 'bi not a url' },
    parts: ['Error: DOCKER_HOST "bi not a url" is not a Docker engine address', 'tcp://host:2376'],
    never: 'should be something like',
  },
];

async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}.git${path.sep}`)) continue;
    files.set(path.relative(root, file), await readFile(file, 'base64'));
  }
  return files;
}

describe('bad input: one clear line, exit 1, nothing written (bundled CLI)', () => {
  test.each(CASES)('$name', async ({ files, args = [], env = {}, tracked = [], parts, never }) => {
    const root = await tempDirectory('hardening');
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), content);
    }
    if (tracked.length > 0) {
      spawnSync('git', ['init', '-q'], { cwd: root });
      spawnSync('git', ['add', ...tracked], { cwd: root });
    }
    const before = await snapshot(root);

    const result = spawnSync(
      process.execPath,
      [path.join(repositoryRoot, 'dist', 'cli.js'), 'check', '-C', root, ...args],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      },
    );

    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(1);
    // Progress lines may come first; the error is one line of its own.
    const errors = result.stderr.split('\n').filter((line) => /^(Bad input|Error): /.test(line));
    expect(errors, result.stderr).toHaveLength(1);
    for (const part of parts) expect(errors[0]).toContain(part);
    expect(errors[0]?.length).toBeLessThan(500);
    expect(output).not.toMatch(/\n\s+at |Warning:|\(node:\d+\)/);
    // eslint-disable-next-line no-control-regex
    expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    if (never !== undefined) expect(output).not.toContain(never);
    expect(await snapshot(root)).toEqual(before);
  });
});
