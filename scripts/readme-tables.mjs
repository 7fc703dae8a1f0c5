// Generates the README's inputs and outputs tables from action.yml.
//
//   node scripts/readme-tables.mjs          rewrite README.md between the markers
//   node scripts/readme-tables.mjs --check  exit 1 when README.md is out of date
//
// The tables are emitted already column-aligned the way Prettier formats markdown tables, so
// `prettier --check .` and `--check` here never disagree about README.md.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ACTION_YML = join(ROOT, 'action.yml');
const README = join(ROOT, 'README.md');
const SECTIONS = /** @type {const} */ (['inputs', 'outputs']);
const NONE = '—';

/**
 * Renders the inputs and outputs tables of an action.yml.
 * @param {string} actionYmlText
 * @returns {{ inputs: string, outputs: string }}
 */
export function renderTables(actionYmlText) {
  const action = parse(actionYmlText) ?? {};
  if (!isMapping(action)) throw new Error('action.yml: expected a mapping at the top level');
  const inputs = entries(action, 'inputs').map(([name, spec]) => [
    code(name),
    spec.default == null ? NONE : code(oneLine(String(spec.default)) || "''"),
    cell(spec.description),
  ]);
  const outputs = entries(action, 'outputs').map(([name, spec]) => [
    code(name),
    cell(spec.description),
  ]);
  return {
    inputs: table(['Input', 'Default', 'Description'], inputs),
    outputs: table(['Output', 'Description'], outputs),
  };
}

/** @returns {Array<[string, Record<string, unknown>]>} */
function entries(action, key) {
  const section = action[key];
  if (section == null) return [];
  if (!isMapping(section)) throw new Error(`action.yml: \`${key}\` must be a mapping`);
  return Object.entries(section).map(([name, spec]) => {
    if (spec == null) return [name, {}];
    if (!isMapping(spec)) throw new Error(`action.yml: \`${key}.${name}\` must be a mapping`);
    return [name, spec];
  });
}

function isMapping(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneLine(text) {
  return text.replace(/\s+/g, ' ').trim();
}

function escapePipes(text) {
  return text.replace(/\|/g, '\\|');
}

function cell(description) {
  return escapePipes(oneLine(description == null ? '' : String(description)));
}

/**
 * A code span that survives backticks (the shortest fence whose length no backtick run in the
 * value has, padded when the value starts or ends with one) and pipes (escaped), as Prettier
 * prints it.
 */
function code(text) {
  const runs = new Set((text.match(/`+/g) ?? []).map((run) => run.length));
  let size = 1;
  while (runs.has(size)) size += 1;
  const fence = '`'.repeat(size);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${escapePipes(text)}${pad}${fence}`;
}

/** Left-aligned table padded like Prettier's markdown printer. */
function table(header, rows) {
  const widths = header.map((title, column) =>
    Math.max(3, width(title), ...rows.map((row) => width(row[column]))),
  );
  const line = (cells) =>
    `| ${cells.map((text, column) => text + ' '.repeat(widths[column] - width(text))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Display width as Prettier measures it: wide East Asian and emoji count 2, combining marks 0. */
function width(text) {
  let total = 0;
  for (const character of text) {
    const point = character.codePointAt(0) ?? 0;
    if (point <= 0x1f || (point >= 0x7f && point <= 0x9f)) continue;
    if (point >= 0x300 && point <= 0x36f) continue;
    total += isWide(point) ? 2 : 1;
  }
  return total;
}

function isWide(point) {
  return (
    (point >= 0x1100 && point <= 0x115f) ||
    (point >= 0x2e80 && point <= 0xa4cf && point !== 0x303f) ||
    (point >= 0xac00 && point <= 0xd7a3) ||
    (point >= 0xf900 && point <= 0xfaff) ||
    (point >= 0xfe30 && point <= 0xfe4f) ||
    (point >= 0xff00 && point <= 0xff60) ||
    (point >= 0xffe0 && point <= 0xffe6) ||
    (point >= 0x1f300 && point <= 0x1f64f) ||
    (point >= 0x1f900 && point <= 0x1f9ff) ||
    (point >= 0x20000 && point <= 0x3fffd)
  );
}

/** Replaces what sits between each section's markers; throws naming a missing marker. */
function replaceSections(readme, tables) {
  let result = readme;
  for (const section of SECTIONS) {
    const start = `<!-- ${section}:start -->`;
    const end = `<!-- ${section}:end -->`;
    for (const marker of [start, end]) {
      const count = result.split(marker).length - 1;
      if (count === 0) throw new Error(`README.md is missing the marker ${marker}`);
      if (count > 1) throw new Error(`README.md has the marker ${marker} ${count} times`);
    }
    const from = result.indexOf(start) + start.length;
    const to = result.indexOf(end);
    if (to < from) throw new Error(`README.md has ${end} before ${start}`);
    result = `${result.slice(0, from)}\n\n${tables[section]}\n\n${result.slice(to)}`;
  }
  return result;
}

async function main(args) {
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    throw new Error(`unknown argument ${unknown.join(' ')}; usage: readme-tables.mjs [--check]`);
  }
  const check = args.includes('--check');
  const [actionYml, readme] = await Promise.all([
    readFile(ACTION_YML, 'utf8'),
    readFile(README, 'utf8'),
  ]);
  const updated = replaceSections(readme, renderTables(actionYml));
  if (updated === readme) {
    if (check) process.stdout.write('README.md tables are up to date with action.yml\n');
    return 0;
  }
  if (check) {
    process.stderr.write('README.md tables are out of date with action.yml: run npm run readme\n');
    return 1;
  }
  await writeFile(README, updated);
  process.stdout.write('README.md tables updated from action.yml\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`readme-tables: ${error instanceof Error ? error.message : error}\n`);
      process.exitCode = 1;
    },
  );
}
