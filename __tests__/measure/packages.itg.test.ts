import { runGateOn } from '../support/gate.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { imageTag } from '../../src/build/build.js';
import type { PackageChange } from '../../src/compare/packages.js';
import type { ServiceResult } from '../../src/compare/types.js';
import { formatBytes } from '../../src/core/units.js';
import type { PackageUsage } from '../../src/measure/packages/types.js';
import type { GateRun } from '../../src/pipeline.js';
import { renderComment } from '../../src/report/comment.js';
import { DEBIAN_BASE, engineOrSkip, tempDirectory } from '../support/engine.js';
import { engine20, engine26OrSkip, engines28OrSkip, type TestEngine } from '../support/engines.js';

const docker = await engineOrSkip();
const engine26 = await engine26OrSkip();
const engines28 = await engines28OrSkip();

/**
 * Bytes per package on a real `apt-get install`, on every engine: what the report says a dpkg
 * package weighs must equal, to the byte, what the image itself says from inside (`dpkg -L`,
 * then `stat`), and a later check against the baseline must name the package that came in.
 * Docker 26 and 28 build with buildx and load (`load: true`): the image must be there to run.
 */
const paths: { label: string; engine: TestEngine; inputs: Record<string, string> }[] = [
  ...(docker ? [{ label: engine20(docker).label, engine: engine20(docker), inputs: {} }] : []),
  ...(engine26
    ? [
        {
          label: `${engine26.buildx.label}, loaded`,
          engine: engine26.buildx,
          inputs: { load: 'true' },
        },
      ]
    : []),
  ...engines28.map(({ buildx }) => ({
    label: `${buildx.label}, loaded`,
    engine: buildx,
    inputs: { load: 'true' },
  })),
];

const SERVICE = 'package-bytes';
/** The name the gate leaves on the image it measured, for people (the run tag is removed). */
const LATEST = imageTag(SERVICE);
const GCC_RUN =
  'RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*';
const MAKE_RUN =
  'RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*';

/**
 * Run inside the image with the package names as arguments. Per package: the regular files
 * (not symlinks) its `.list` names, each inode once (`stat` follows the merged-/usr directory
 * symlinks, `/bin` → `usr/bin`, as it should), then its dpkg status, architecture and version.
 * Prints `name files bytes status architecture version`.
 */
const FROM_INSIDE = [
  'for name in "$@"; do',
  '  sums=$(dpkg -L "$name" 2>/dev/null | while IFS= read -r p; do',
  '    if [ -f "$p" ] && [ ! -L "$p" ]; then stat -c "%d:%i %s" "$p"; fi',
  "  done | sort -u | awk '{ n += 1; s += $2 } END { print n + 0, s + 0 }')",
  '  about=$(dpkg-query -W -f \'${db:Status-Status} ${Architecture} ${Version}\' "$name" 2>/dev/null)',
  '  echo "$name $sums $about"',
  'done',
].join('\n');

interface InsideView {
  readonly files: number;
  readonly bytes: number;
  readonly installed: boolean;
  readonly architecture: string;
  readonly version: string;
}

/** What the image says about `names` from inside, and the layers it is made of. */
async function fromInside(
  engine: TestEngine,
  names: readonly string[],
): Promise<{ packages: Map<string, InsideView>; diffIds: string[] }> {
  const result = await engine.exec('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    LATEST,
    'sh',
    '-c',
    FROM_INSIDE,
    'sh',
    ...names,
  ]);
  if (result.exitCode !== 0) {
    throw new Error(`docker run ${LATEST} exited ${result.exitCode}: ${result.stderr}`);
  }
  const packages = new Map<string, InsideView>();
  for (const line of result.stdout.split('\n').filter((text) => text !== '')) {
    const [name = '', files = '', bytes = '', status = '', architecture = '', version = ''] =
      line.split(' ');
    packages.set(name, {
      files: Number(files),
      bytes: Number(bytes),
      installed: status === 'installed',
      architecture,
      version,
    });
  }
  const inspect = await engine.docker.getImage(LATEST).inspect();
  return { packages, diffIds: inspect.RootFS.Layers ?? [] };
}

function inside(view: { packages: Map<string, InsideView> }, name: string): InsideView {
  const found = view.packages.get(name);
  if (!found) throw new Error(`the image said nothing about ${name}`);
  return found;
}

async function createRepository(): Promise<string> {
  const root = await tempDirectory('packages-repo');
  await mkdir(path.join(root, 'services', SERVICE), { recursive: true });
  await writeDockerfile(root, [GCC_RUN]);
  await mkdir(path.join(root, '.github'));
  await writeFile(
    path.join(root, '.github', 'image-size.yml'),
    `services:\n  ${SERVICE}:\n    context: services/${SERVICE}\n`,
  );
  return root;
}

async function writeDockerfile(root: string, runs: readonly string[]): Promise<void> {
  await writeFile(
    path.join(root, 'services', SERVICE, 'Dockerfile'),
    [`FROM ${DEBIAN_BASE}`, ...runs, ''].join('\n'),
  );
}

async function gate(
  engine: TestEngine,
  root: string,
  inputs: Record<string, string>,
): Promise<GateRun> {
  return runGateOn(engine, root, inputs);
}

function serviceOf(run: GateRun): ServiceResult {
  const found = run.verdict.services.find((service) => service.name === SERVICE);
  if (!found) throw new Error(`no ${SERVICE} in the verdict`);
  return found;
}

function dpkgPackage(result: ServiceResult, name: string): PackageUsage | undefined {
  return result.measurement?.analysis?.packages.packages.find(
    (usage) => usage.ecosystem === 'dpkg' && usage.name === name,
  );
}

/** What changed per package against the baseline: the one place that reads the field. */
function packageChangesOf(result: ServiceResult): readonly PackageChange[] {
  return result.packages?.changes ?? [];
}

/** The index of the layer the RUN made (its instruction names the package it installs). */
function layerOf(result: ServiceResult, run: string): number {
  const suffix = run.slice('RUN '.length);
  return result.measurement?.layers.findIndex((layer) => layer.instruction.includes(suffix)) ?? -1;
}

if (paths.length === 0) {
  describe.skip('bytes per package from a real apt-get install (no engine answers)', () => {
    test('needs an engine', () => undefined);
  });
}

describe.each(paths)('bytes per package from a real apt-get install on $label', (enginePath) => {
  const { engine } = enginePath;
  let updateRun: GateRun;
  let checkRun: GateRun;
  /** The image of the update run (gcc), then of the check run (gcc, then make), from inside. */
  let gccImage: Awaited<ReturnType<typeof fromInside>>;
  let makeImage: Awaited<ReturnType<typeof fromInside>>;

  beforeAll(async () => {
    const repository = await createRepository();
    updateRun = await gate(engine, repository, { ...enginePath.inputs, mode: 'update' });
    gccImage = await fromInside(engine, ['gcc-12', 'make']);
    // A later RUN: the gcc layer comes from the build cache, the baseline is the update's.
    await writeDockerfile(repository, [GCC_RUN, MAKE_RUN]);
    checkRun = await gate(engine, repository, { ...enginePath.inputs, 'ignore-below': '1kB' });
    makeImage = await fromInside(engine, ['gcc-12', 'make']);
  }, 600_000);

  test(`${LATEST} is the image each run measured`, () => {
    expect(serviceOf(updateRun).measurement?.layers.map((layer) => layer.diffId)).toEqual(
      gccImage.diffIds,
    );
    expect(serviceOf(checkRun).measurement?.layers.map((layer) => layer.diffId)).toEqual(
      makeImage.diffIds,
    );
  });

  test('gcc-12 weighs its regular files as the image has them, to the byte', () => {
    const update = serviceOf(updateRun);
    const expected = inside(gccImage, 'gcc-12');
    expect(expected.installed).toBe(true);
    expect(expected.bytes).toBeGreaterThan(10_000_000);
    const layer = layerOf(update, GCC_RUN);
    expect(layer).toBeGreaterThan(0);
    expect(dpkgPackage(update, 'gcc-12')).toMatchObject({
      version: expected.version,
      architecture: expected.architecture,
      bytes: expected.bytes,
      files: expected.files,
      installs: 1,
      layers: [{ layer, bytes: expected.bytes }],
    });
    // make is not installed yet (dpkg may know its name, not as installed).
    expect(inside(gccImage, 'make').installed).toBe(false);
    expect(dpkgPackage(update, 'make')).toBeUndefined();
    // A real Debian image's databases read cleanly: no warning for anyone to chase.
    expect(update.measurement?.analysis?.packages.warnings).toEqual([]);
  });

  test('a later check lists make as added at its bytes from inside, and not gcc-12', () => {
    const check = serviceOf(checkRun);
    // The gcc RUN came from the build cache: the same layer, measured again.
    const gccLayer = layerOf(serviceOf(updateRun), GCC_RUN);
    expect(layerOf(check, GCC_RUN)).toBe(gccLayer);
    expect(check.measurement?.layers[gccLayer]?.diffId).toBe(
      serviceOf(updateRun).measurement?.layers[gccLayer]?.diffId,
    );
    expect(check.build?.steps?.cached).toBeGreaterThanOrEqual(1);
    const make = inside(makeImage, 'make');
    expect(make.installed).toBe(true);
    expect(make.bytes).toBeGreaterThan(100_000);
    const layer = layerOf(check, MAKE_RUN);
    expect(dpkgPackage(check, 'make')).toMatchObject({
      version: make.version,
      bytes: make.bytes,
      files: make.files,
      layers: [{ layer, bytes: make.bytes }],
    });
    const makeChanges = packageChangesOf(check).filter((change) => change.name === 'make');
    expect(makeChanges).toEqual([
      {
        ecosystem: 'dpkg',
        name: 'make',
        kind: 'added',
        versionBefore: undefined,
        versionAfter: make.version,
        bytesBefore: undefined,
        bytesAfter: make.bytes,
        delta: make.bytes,
      },
    ]);
    // gcc-12 is unchanged: the same bytes from inside both images, and no change reported.
    expect(inside(makeImage, 'gcc-12')).toEqual(inside(gccImage, 'gcc-12'));
    expect(dpkgPackage(check, 'gcc-12')?.bytes).toBe(inside(gccImage, 'gcc-12').bytes);
    expect(packageChangesOf(check).map((change) => change.name)).not.toContain('gcc-12');
  });

  test('the PR comment names make with its bytes', () => {
    const comment = renderComment(checkRun.verdict, { key: '', refreshHint: '' });
    const bytes = formatBytes(inside(makeImage, 'make').bytes);
    // A package row: not the RUN instruction's row, not a file path such as /usr/bin/make.
    const rows = comment
      .split('\n')
      .filter((line) => /(^|[^\w/.-])make([^\w/.-]|$)/.test(line) && !line.includes('apt-get'));
    expect(rows.some((line) => line.includes(bytes))).toBe(true);
  });
});
