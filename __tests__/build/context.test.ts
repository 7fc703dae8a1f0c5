import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildContextDirectories } from '../../src/build/context.js';
import { receiveDirectory } from '../support/diff-copy-receiver.js';

let scratch = '';

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'image-size-gate-context-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function writeFiles(root: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

interface SentContext {
  /** Regular files received, sorted, with a digest of their content. */
  readonly files: ReadonlyMap<string, string>;
  /** Folders sent. */
  readonly directories: ReadonlySet<string>;
}

/** What the build reads of the `context` folder through the session. */
async function pack(context: string, dockerfile: string): Promise<SentContext> {
  return receiveDirectory(buildContextDirectories(context, dockerfile).context);
}

/** What BuildKit's Dockerfile frontend reads of the `dockerfile` folder. */
async function sendDockerfile(context: string, dockerfile: string): Promise<SentContext> {
  const name = path.basename(dockerfile);
  return receiveDirectory(buildContextDirectories(context, dockerfile).dockerfile, {
    followPaths: [name, `${name}.dockerignore`],
  });
}

function digest(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

const DOCKERIGNORE = ['node_modules', '*.log', '!keep.log', 'docs/**', '**/*.tmp', ''].join('\n');

/** Every file of the context, and whether Docker sends it under DOCKERIGNORE. */
const CONTEXT_FILES: ReadonlyArray<readonly [string, boolean]> = [
  ['Dockerfile', true],
  ['.dockerignore', true],
  ['app.js', true],
  ['src/index.js', true],
  // `node_modules` matches the top-level directory and everything under it.
  ['node_modules/pkg/index.js', false],
  ['node_modules/.bin/tool', false],
  // Patterns without `**` are anchored at the context root.
  ['packages/a/node_modules/dep/index.js', true],
  ['debug.log', false],
  ['keep.log', true],
  ['logs/app.log', true],
  ['docs/readme.md', false],
  ['docs/deep/guide.md', false],
  ['documentation.md', true],
  ['scratch.tmp', false],
  ['src/cache.tmp', false],
  ['src/deep/er/cache.tmp', false],
  ['src/cache.tmp.keep', true],
];

describe('the build context is sent with .dockerignore applied as Docker does', () => {
  test('exactly the files Docker would send are in the archive, with their content', async () => {
    const context = path.join(scratch, 'context');
    const contents: Record<string, string> = {};
    for (const [name] of CONTEXT_FILES) {
      contents[name] = name === '.dockerignore' ? DOCKERIGNORE : `content of ${name}\n`;
    }
    await writeFiles(context, contents);
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    const expected = CONTEXT_FILES.filter(([, sent]) => sent).map(([name]) => name);
    expect([...packed.files.keys()]).toEqual([...expected].sort());
    for (const name of expected) expect(packed.files.get(name)).toBe(digest(contents[name] ?? ''));
  });

  test('without .dockerignore everything is sent', async () => {
    const context = path.join(scratch, 'plain');
    await writeFiles(context, {
      Dockerfile: 'FROM scratch\n',
      'a.log': 'a',
      'node_modules/x.js': 'x',
      'deep/er/file.txt': 'f',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual([
      'Dockerfile',
      'a.log',
      'deep/er/file.txt',
      'node_modules/x.js',
    ]);
  });

  test('the Dockerfile and .dockerignore are sent even when .dockerignore excludes them', async () => {
    const context = path.join(scratch, 'self-ignoring');
    await writeFiles(context, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'Dockerfile\n.dockerignore\n*.txt\n',
      'a.txt': 'a',
      'b.bin': 'b',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual(['.dockerignore', 'Dockerfile', 'b.bin']);
  });

  test('a Dockerfile in a subdirectory is sent under its relative path, even when ignored', async () => {
    const context = path.join(scratch, 'sub-dockerfile');
    await writeFiles(context, {
      'docker/app.Dockerfile': 'FROM scratch\n',
      '.dockerignore': 'docker/*.Dockerfile\n',
      'app.js': 'x',
    });
    const packed = await pack(context, path.join(context, 'docker', 'app.Dockerfile'));
    expect([...packed.files.keys()]).toEqual(['.dockerignore', 'app.js', 'docker/app.Dockerfile']);
  });

  test('an exception re-includes a file inside an ignored directory', async () => {
    const context = path.join(scratch, 'exception-in-dir');
    await writeFiles(context, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'vendor\n!vendor/keep.txt\n',
      'vendor/keep.txt': 'k',
      'vendor/drop.txt': 'd',
      'vendor/sub/drop.txt': 'd',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual(['.dockerignore', 'Dockerfile', 'vendor/keep.txt']);
  });

  test('without exceptions, ignored directories are not sent at all', async () => {
    const context = path.join(scratch, 'no-exceptions');
    await writeFiles(context, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'node_modules\n',
      'node_modules/pkg/index.js': 'x',
      'src/a.js': 'a',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    expect([...packed.directories].filter((name) => name.startsWith('node_modules'))).toEqual([]);
    expect(packed.directories.has('src')).toBe(true);
  });

  // Docker only walks into an excluded directory when an exception pattern starts with it, and
  // never sends the excluded directory itself (else `COPY . .` would create `node_modules/`).
  test('with an unrelated exception, ignored directories are still not sent', async () => {
    const context = path.join(scratch, 'unrelated-exception');
    await writeFiles(context, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'node_modules\n*.log\n!keep.log\n',
      'node_modules/pkg/index.js': 'x',
      'keep.log': 'k',
      'src/a.js': 'a',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual([
      '.dockerignore',
      'Dockerfile',
      'keep.log',
      'src/a.js',
    ]);
    expect(packed.directories.has('src')).toBe(true);
    expect([...packed.directories].filter((name) => name.startsWith('node_modules'))).toEqual([]);
  });

  // The docker CLI adds `!<dockerfile>` to the exclusions (TrimBuildFilesFromExcludes), so a
  // Dockerfile inside an ignored directory is still sent, alone.
  test('a Dockerfile inside an ignored directory is still sent', async () => {
    const context = path.join(scratch, 'ignored-dir');
    await writeFiles(context, {
      'build/Dockerfile': 'FROM scratch\n',
      'build/other.txt': 'not sent',
      '.dockerignore': 'build\n',
      'app.js': 'x',
    });
    const packed = await pack(context, path.join(context, 'build', 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual(['.dockerignore', 'app.js', 'build/Dockerfile']);
  });
});

describe('<Dockerfile>.dockerignore', () => {
  test("takes precedence over the context's .dockerignore", async () => {
    const context = path.join(scratch, 'own-ignore');
    await writeFiles(context, {
      'Dockerfile.web': 'FROM scratch\n',
      'Dockerfile.web.dockerignore': 'web-only-ignored.txt\n',
      '.dockerignore': 'context-ignored.txt\n',
      'web-only-ignored.txt': 'w',
      'context-ignored.txt': 'c',
      'app.js': 'a',
    });
    const packed = await pack(context, path.join(context, 'Dockerfile.web'));
    expect([...packed.files.keys()]).toEqual([
      '.dockerignore',
      'Dockerfile.web',
      'Dockerfile.web.dockerignore',
      'app.js',
      'context-ignored.txt',
    ]);
  });

  test('next to a Dockerfile in a subdirectory, it applies to the whole context', async () => {
    const context = path.join(scratch, 'own-ignore-sub');
    await writeFiles(context, {
      'services/api/Dockerfile': 'FROM scratch\n',
      'services/api/Dockerfile.dockerignore': 'services/web\n',
      'services/api/main.go': 'api',
      'services/web/index.html': 'web',
    });
    const packed = await pack(context, path.join(context, 'services', 'api', 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual([
      'services/api/Dockerfile',
      'services/api/Dockerfile.dockerignore',
      'services/api/main.go',
    ]);
  });
});

describe('a Dockerfile outside the context', () => {
  test('comes from its own folder, alone; the context keeps its own Dockerfile', async () => {
    const context = path.join(scratch, 'ctx');
    const dockerfileContent = 'FROM scratch\nCOPY app.js /app.js\n';
    await writeFiles(context, { 'app.js': 'console.log(1)\n', Dockerfile: 'FROM other\n' });
    await writeFiles(scratch, {
      'elsewhere/Dockerfile': dockerfileContent,
      'elsewhere/secret.env': 'never sent',
    });
    const dockerfile = path.join(scratch, 'elsewhere', 'Dockerfile');
    const fromItsFolder = await sendDockerfile(context, dockerfile);
    expect([...fromItsFolder.files.entries()]).toEqual([['Dockerfile', digest(dockerfileContent)]]);
    const sent = await pack(context, dockerfile);
    expect([...sent.files.keys()]).toEqual(['Dockerfile', 'app.js']);
    expect(sent.files.get('Dockerfile')).toBe(digest('FROM other\n'));
  });

  test("the context's .dockerignore still applies to the context", async () => {
    const context = path.join(scratch, 'ctx2');
    await writeFiles(context, { 'app.js': 'a', 'secret.env': 's', '.dockerignore': '*.env\n' });
    await writeFiles(scratch, { 'df/Dockerfile': 'FROM scratch\n' });
    const packed = await pack(context, path.join(scratch, 'df', 'Dockerfile'));
    expect([...packed.files.keys()]).toEqual(['.dockerignore', 'app.js']);
  });
});
