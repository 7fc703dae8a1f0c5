import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { afterEach, describe, expect, it } from 'vitest';
import { renderTables } from '../scripts/readme-tables.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'scripts', 'readme-tables.mjs');

const SMALL_ACTION = `
name: Small
inputs:
  config:
    description: Config file.
    default: .github/x.yml
  mode:
    description: "\`a|b\` picks one | or the other."
    required: false
  parallel:
    description: >
      How many
      at once.
    default: 2
outputs:
  passed:
    description: "\`true\` or \`false\`."
  report:
    description: Path | of the report.
`;

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, trimmed. */
function between(text: string, name: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  expect(from, `README.md has ${start}`).toBeGreaterThanOrEqual(0);
  expect(to, `README.md has ${end} after ${start}`).toBeGreaterThan(from);
  return text.slice(from + start.length, to).trim();
}

describe('renderTables', () => {
  it('renders aligned inputs and outputs tables from action.yml', () => {
    const { inputs, outputs } = renderTables(SMALL_ACTION);
    expect(inputs).toBe(
      [
        '| Input      | Default         | Description                       |',
        '| ---------- | --------------- | --------------------------------- |',
        '| `config`   | `.github/x.yml` | Config file.                      |',
        '| `mode`     | —               | `a\\|b` picks one \\| or the other. |',
        '| `parallel` | `2`             | How many at once.                 |',
      ].join('\n'),
    );
    expect(outputs).toBe(
      [
        '| Output   | Description            |',
        '| -------- | ---------------------- |',
        '| `passed` | `true` or `false`.     |',
        '| `report` | Path \\| of the report. |',
      ].join('\n'),
    );
  });

  it('escapes pipes in defaults and fences defaults that contain backticks', () => {
    const { inputs } = renderTables(
      'inputs:\n  a:\n    description: x\n    default: "p|q"\n  b:\n    description: y\n    default: "a`b"\n  c:\n    description: z\n    default: ""\n',
    );
    expect(inputs.split('\n').slice(2)).toEqual([
      '| `a`   | `p\\|q`  | x           |',
      '| `b`   | ``a`b`` | y           |',
      "| `c`   | `''`    | z           |",
    ]);
  });

  it('renders header-only tables when action.yml has no inputs or outputs', () => {
    expect(renderTables('name: Empty\n')).toEqual({
      inputs: '| Input | Default | Description |\n| ----- | ------- | ----------- |',
      outputs: '| Output | Description |\n| ------ | ----------- |',
    });
  });

  it('emits the real tables exactly as Prettier formats them', async () => {
    const tables = renderTables(await readFile(join(ROOT, 'action.yml'), 'utf8'));
    const options = { ...(await resolveConfig(join(ROOT, 'README.md'))), parser: 'markdown' };
    for (const table of [tables.inputs, tables.outputs]) {
      expect(await format(`${table}\n`, options)).toBe(`${table}\n`);
    }
  });
});

describe('README.md', () => {
  it('has the inputs and outputs tables of action.yml between its markers', async () => {
    const [actionYml, readme] = await Promise.all([
      readFile(join(ROOT, 'action.yml'), 'utf8'),
      readFile(join(ROOT, 'README.md'), 'utf8'),
    ]);
    const tables = renderTables(actionYml);
    expect(between(readme, 'inputs'), 'run npm run readme').toBe(tables.inputs);
    expect(between(readme, 'outputs'), 'run npm run readme').toBe(tables.outputs);
  });
});

describe('scripts/readme-tables.mjs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A scratch copy of the repository layout the script expects: scripts/, action.yml, README.md. */
  async function scratch(readme: string): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'readme-tables-'));
    await mkdir(join(dir, 'scripts'));
    await copyFile(SCRIPT, join(dir, 'scripts', 'readme-tables.mjs'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'junction');
    await writeFile(join(dir, 'action.yml'), SMALL_ACTION);
    await writeFile(join(dir, 'README.md'), readme);
    return dir;
  }

  function run(root: string, ...args: string[]) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(root, 'scripts', 'readme-tables.mjs'), ...args],
        { cwd: root },
        (error, stdout, stderr) => {
          done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  it('rewrites the tables, then --check passes', async () => {
    const root = await scratch(
      '# X\n\n<!-- inputs:start -->\nold\n<!-- inputs:end -->\n\n## Outputs\n\n<!-- outputs:start -->\n<!-- outputs:end -->\n',
    );
    const stale = await run(root, '--check');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      'README.md tables are out of date with action.yml: run npm run readme',
    );

    expect((await run(root)).code).toBe(0);
    const { inputs, outputs } = renderTables(SMALL_ACTION);
    expect(await readFile(join(root, 'README.md'), 'utf8')).toBe(
      `# X\n\n<!-- inputs:start -->\n\n${inputs}\n\n<!-- inputs:end -->\n\n## Outputs\n\n<!-- outputs:start -->\n\n${outputs}\n\n<!-- outputs:end -->\n`,
    );
    expect((await run(root, '--check')).code).toBe(0);
  });

  it('fails naming a missing marker', async () => {
    const root = await scratch(
      '<!-- inputs:start -->\n<!-- inputs:end -->\n<!-- outputs:start -->\n',
    );
    for (const args of [[], ['--check']]) {
      const result = await run(root, ...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('<!-- outputs:end -->');
    }
    expect(await readFile(join(root, 'README.md'), 'utf8')).toBe(
      '<!-- inputs:start -->\n<!-- inputs:end -->\n<!-- outputs:start -->\n',
    );
  });
});
