import { runGateOn } from '../support/gate.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ServiceResult } from '../../src/compare/types.js';
import type { PackageInventory } from '../../src/measure/packages/types.js';
import type { GateRun } from '../../src/pipeline.js';
import { engineOrSkip, tempDirectory } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';
import {
  BROKEN_PACKAGE_JSON,
  BROKEN_RECORD,
  CORE_GROWTH,
  HELLO_LIST,
  HELLO_LIST_RELATIVE_LINE,
  attributionFixture,
  brokenFixture,
  coverageProblems,
  dpkgListFixture,
  expectedUnowned,
  expectedUsage,
  imageBytes,
  writeService,
  type PackageFixture,
} from '../support/package-fixtures.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();

/**
 * Bytes per package on `FROM scratch` images whose databases and files the test writes
 * (support/package-fixtures.ts), through the real pipeline on every engine: each package
 * weighs exactly the files its database names, owned plus unowned is the image, unreadable
 * databases are warnings that change neither a size nor a verdict, and a check after update
 * names the package that grew and the one whose version changed.
 */
const paths: { label: string; engine: TestEngine; inputs: Record<string, string> }[] = [
  ...(docker ? [{ label: engine20(docker).label, engine: engine20(docker), inputs: {} }] : []),
  ...(engine26 ? [{ label: engine26.buildx.label, engine: engine26.buildx, inputs: {} }] : []),
  ...engines28.map(({ buildx }) => ({ label: buildx.label, engine: buildx, inputs: {} })),
];

const FIRST = [attributionFixture(1), brokenFixture(), dpkgListFixture()] as const;
const SECOND = [attributionFixture(2), brokenFixture(), dpkgListFixture()] as const;

async function writeRepository(root: string, fixtures: readonly PackageFixture[]): Promise<void> {
  const entries: string[] = [];
  for (const fixture of fixtures) {
    await writeService(path.join(root, 'services', fixture.service), fixture);
    entries.push(`  ${fixture.service}:\n    context: services/${fixture.service}`);
  }
  await mkdir(path.join(root, '.github'), { recursive: true });
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    `services:\n${entries.join('\n')}\n`,
  );
}

/**
 * Every image is read, also in the check right after the update (which would otherwise take the
 * unchanged images from the baseline): what is tested is the analysis of each image.
 */
async function gate(
  engine: TestEngine,
  root: string,
  inputs: Record<string, string>,
): Promise<GateRun> {
  return runGateOn(engine, root, { parallel: '3', ...inputs }, undefined, {
    readEveryImage: true,
  });
}

function serviceOf(run: GateRun, fixture: PackageFixture): ServiceResult {
  const found = run.verdict.services.find((service) => service.name === fixture.service);
  if (!found) throw new Error(`no ${fixture.service} in the verdict`);
  if (found.error !== undefined) throw new Error(`${fixture.service}: ${found.error}`);
  return found;
}

function inventoryOf(result: ServiceResult): PackageInventory {
  const inventory = result.measurement?.analysis?.packages;
  if (!inventory) throw new Error(`${result.name} has no package inventory`);
  return inventory;
}

const byName = <T extends { ecosystem: string; name: string }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => `${a.ecosystem}/${a.name}`.localeCompare(`${b.ecosystem}/${b.name}`));

/** Package and unowned bytes as the fixture says they must be, to the byte. */
function expectAttribution(result: ServiceResult, fixture: PackageFixture): void {
  const inventory = inventoryOf(result);
  const measurement = result.measurement;
  expect(measurement?.layers).toHaveLength(fixture.layers.length);
  fixture.layers.forEach(({ context }, layer) => {
    expect(measurement?.layers[layer]?.instruction).toContain(`${context}/`);
  });
  expect(measurement?.size).toBe(imageBytes(fixture));
  expect(byName(inventory.packages)).toEqual(
    byName(fixture.packages.map((expected) => expectedUsage(fixture, expected))),
  );
  const folders = (rows: readonly { folder: string }[]) =>
    [...rows].sort((a, b) => a.folder.localeCompare(b.folder));
  expect(folders(inventory.unowned)).toEqual(folders(expectedUnowned(fixture)));
  const owned = inventory.packages.reduce((sum, usage) => sum + usage.bytes, 0);
  const unowned = inventory.unowned.reduce((sum, folder) => sum + folder.bytes, 0);
  expect(owned + unowned).toBe(measurement?.size);
  // Largest first, as documented.
  const bytes = inventory.packages.map((usage) => usage.bytes);
  expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
}

/** The inventory's warnings: which file, which line, and words of the message. */
function expectWarnings(
  inventory: PackageInventory,
  expected: readonly (readonly [string, number | undefined, RegExp])[],
): void {
  expect(inventory.warnings.map(({ file, line }) => [file, line])).toEqual(
    expected.map(([file, line]) => [file, line]),
  );
  expected.forEach(([, , words], index) => {
    expect(inventory.warnings[index]?.message).toMatch(words);
  });
}

/** The service's warnings as the verdict words them: `/file[ line N]: message`. */
function warningPrefixes(result: ServiceResult): string[] {
  return (result.packages?.warnings ?? []).map((warning) =>
    warning.slice(0, warning.indexOf(': ')),
  );
}

test('each fixture names every final file exactly once', () => {
  expect([...FIRST, ...SECOND].flatMap(coverageProblems)).toEqual([]);
});

if (paths.length === 0) {
  describe.skip('bytes per package on written fixtures (no engine answers)', () => {
    test('needs an engine', () => undefined);
  });
}

describe.each(paths)('bytes per package on written fixtures on $label', (enginePath) => {
  const { engine } = enginePath;
  const [attribution1, broken, dpkgList] = FIRST;
  const [attribution2] = SECOND;
  let updateRun: GateRun;
  let checkRun: GateRun;

  beforeAll(async () => {
    const root = await tempDirectory('package-fixtures');
    await writeRepository(root, FIRST);
    updateRun = await gate(engine, root, { ...enginePath.inputs, mode: 'update' });
    await writeRepository(root, SECOND);
    checkRun = await gate(engine, root, { ...enginePath.inputs, mode: 'check' });
  }, 600_000);

  test('dpkg, apk, Python and npm packages weigh their files; the rest is unowned by folder', () => {
    expectAttribution(serviceOf(updateRun, attribution1), attribution1);
    expectAttribution(serviceOf(checkRun, attribution2), attribution2);
  });

  test('a file claimed by apk and by a Python RECORD counts once, for apk, as a conflict', () => {
    const inventory = inventoryOf(serviceOf(updateRun, attribution1));
    expect(inventory.conflictCount).toBe(1);
    expect(inventory.conflicts).toEqual([
      {
        path: 'usr/bin/demo-cli',
        owner: { ecosystem: 'apk', name: 'tool', version: '3.0-r1', architecture: 'x86_64' },
        alsoClaimedBy: [{ ecosystem: 'python', name: 'demo', version: '1.2.3' }],
      },
    ]);
    // A .list naming deleted docs is no problem: nothing to warn about.
    expect(inventory.warnings).toEqual([]);
    expect(serviceOf(updateRun, attribution1).packages?.warnings).toEqual([]);
  });

  test('a new service adds every package at its bytes', () => {
    const result = serviceOf(updateRun, attribution1);
    const expected = attribution1.packages.map((pkg) => {
      const usage = expectedUsage(attribution1, pkg);
      return {
        ecosystem: usage.ecosystem,
        name: usage.name,
        kind: 'added',
        versionBefore: undefined,
        versionAfter: usage.version,
        bytesBefore: undefined,
        bytesAfter: usage.bytes,
        delta: usage.bytes,
      };
    });
    expect(byName(result.packages?.changes ?? [])).toEqual(byName(expected));
  });

  test('the check after update: demo grew by exactly its file, inner changed version', () => {
    const result = serviceOf(checkRun, attribution2);
    const usage = (fixture: PackageFixture, name: string) => {
      const found = fixture.packages.find((pkg) => pkg.name === name);
      if (!found) throw new Error(`no ${name} in ${fixture.service}`);
      return expectedUsage(fixture, found);
    };
    const [demoBefore, demoAfter] = [usage(attribution1, 'demo'), usage(attribution2, 'demo')];
    const [innerBefore, innerAfter] = [usage(attribution1, 'inner'), usage(attribution2, 'inner')];
    expect(demoAfter.bytes - demoBefore.bytes).toBe(CORE_GROWTH);
    expect(result.packages?.comparable).toBe(true);
    expect(result.packages?.changes).toEqual([
      {
        ecosystem: 'python',
        name: 'demo',
        kind: 'grown',
        versionBefore: '1.2.3',
        versionAfter: '1.2.3',
        bytesBefore: demoBefore.bytes,
        bytesAfter: demoAfter.bytes,
        delta: CORE_GROWTH,
      },
      {
        ecosystem: 'npm',
        name: 'inner',
        kind: 'version-changed',
        versionBefore: '1.0.0',
        versionAfter: '1.1.0',
        bytesBefore: innerBefore.bytes,
        bytesAfter: innerAfter.bytes,
        delta: innerAfter.bytes - innerBefore.bytes,
      },
    ]);
    // The grown layer (python's) lists its packages by the bytes each wrote into it.
    const pythonLayer = attribution2.layers.findIndex(({ context }) => context === 'layer-python');
    const inLayer = attribution2.packages
      .map((pkg) => expectedUsage(attribution2, pkg))
      .flatMap(({ ecosystem, name, layers }) =>
        layers
          .filter(({ layer }) => layer === pythonLayer)
          .map(({ bytes }) => ({ ecosystem, name, bytes })),
      )
      .sort((a, b) => b.bytes - a.bytes);
    expect(result.packages?.grownLayers).toEqual([{ layer: pythonLayer, packages: inLayer }]);
    const python = result.packages?.totals.find((total) => total.ecosystem === 'python');
    expect(python?.delta).toBe(CORE_GROWTH);
    expect(result.change).toBe(imageBytes(attribution2) - imageBytes(attribution1));
  });

  test('unreadable databases are warnings naming the file; sizes and verdict unchanged', () => {
    for (const run of [updateRun, checkRun]) {
      const result = serviceOf(run, broken);
      expectAttribution(result, broken);
      expectWarnings(inventoryOf(result), [
        ['var/lib/dpkg/status', undefined, /binary/],
        [BROKEN_RECORD, 2, /quote/],
        [BROKEN_RECORD, 3, /path,hash,size/],
        [BROKEN_PACKAGE_JSON, undefined, /not JSON/],
      ]);
      expect(warningPrefixes(result)).toEqual([
        '/var/lib/dpkg/status',
        `/${BROKEN_RECORD} line 2`,
        `/${BROKEN_RECORD} line 3`,
        `/${BROKEN_PACKAGE_JSON}`,
      ]);
      // Judged like the clean service next to it: the warnings are no breach.
      const clean = serviceOf(run, run === updateRun ? attribution1 : attribution2);
      expect(result.status).toBe(clean.status);
      expect(result.breaches).toEqual([]);
      expect(result.failsGate).toBe(false);
    }
    expect(serviceOf(checkRun, broken).status).toBe('pass');
    expect(serviceOf(checkRun, broken).packages?.changes).toEqual([]);
    expect(checkRun.verdict.passed).toBe(true);
  });

  test('a dpkg .list: a relative line and a path the image lacks are warnings; deleted docs and removed packages are not', () => {
    for (const run of [updateRun, checkRun]) {
      const result = serviceOf(run, dpkgList);
      expectAttribution(result, dpkgList);
      expectWarnings(inventoryOf(result), [
        [HELLO_LIST, HELLO_LIST_RELATIVE_LINE, /absolute/],
        [
          HELLO_LIST,
          undefined,
          /names a path the image does not have \(first: \/usr\/share\/hello\/never-there\.txt\)/,
        ],
      ]);
      expect(warningPrefixes(result)).toEqual([
        `/${HELLO_LIST} line ${HELLO_LIST_RELATIVE_LINE}`,
        `/${HELLO_LIST}`,
      ]);
      expect(result.breaches).toEqual([]);
    }
  });
});
