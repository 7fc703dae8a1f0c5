import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './support/action-runner.js';

/**
 * The shape the README promises: stage folders that take only types from each other (the
 * shared vocabulary lives in `src/core`), and no file too long to hold in one's head.
 */

const SOURCE = path.join(repositoryRoot, 'src');
const STAGES = ['services', 'build', 'measure', 'baseline', 'compare', 'report'];
const MAX_LINES = 400;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

const IMPORT = /^import\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)';/gm;

function importsOf(text: string): Import[] {
  return Array.from(text.matchAll(IMPORT), (match) => {
    const clause = match[2] ?? '';
    const members = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1];
    const everyMemberTyped =
      members !== undefined &&
      members
        .split(',')
        .map((member) => member.trim())
        .filter((member) => member !== '')
        .every((member) => member.startsWith('type '));
    return { specifier: match[3] ?? '', typeOnly: match[1] !== undefined || everyMemberTyped };
  });
}

/** The stage folder a source file sits in, or undefined for `src/*.ts` and `src/core`. */
function stageOf(file: string): string | undefined {
  const [first, second] = path.relative(SOURCE, file).split(path.sep);
  return second !== undefined && first !== undefined && STAGES.includes(first) ? first : undefined;
}

describe('source structure', () => {
  const files = sourceFiles(SOURCE);

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it(`keeps every source file at ${MAX_LINES} lines or fewer`, () => {
    const long = files
      .filter((file) => readFileSync(file, 'utf8').split('\n').length - 1 > MAX_LINES)
      .map((file) => path.relative(repositoryRoot, file));
    expect(long).toEqual([]);
  });

  it('lets a stage take only types from another stage', () => {
    const reaches: string[] = [];
    for (const file of files) {
      const stage = stageOf(file);
      if (stage === undefined) continue;
      for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.') || typeOnly) continue;
        const target = stageOf(path.resolve(path.dirname(file), specifier));
        if (target !== undefined && target !== stage) {
          reaches.push(`${path.relative(repositoryRoot, file)} → ${specifier}`);
        }
      }
    }
    expect(reaches).toEqual([]);
  });

  it('would notice a value imported across stages', () => {
    const [imported] = importsOf("import { diffLayers } from '../compare/layers.js';\n");
    expect(imported).toEqual({ specifier: '../compare/layers.js', typeOnly: false });
    const [typed] = importsOf("import {\n  type A,\n  type B,\n} from '../compare/types.js';\n");
    expect(typed?.typeOnly).toBe(true);
  });
});
