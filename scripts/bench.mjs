// Benchmarks the measure stage against `docker save` on a generated image in the real engine:
//
//   node scripts/bench.mjs [--size-mb 1024] [--layers 20] [--repeat 1] [--phases] [--cpu-prof]
//                          [--no-buildx-engines] [--no-many]
//
// The image has a realistic Debian package set under generated data: the Debian test base image
// (scripts/ensure-test-base.sh), one `RUN apt-get install` layer (gcc g++ make python3 perl: 10,000+
// files and a real dpkg database), then one COPY of a mixed-content file per layer up to
// --size-mb in all, --layers layers in all. Both images are built once with the engine's BuildKit
// and kept by tag (image-size-gate-bench:debian-packages, image-size-gate-bench:1g-debian at the
// default size); later runs reuse them. Every figure comes from its own child process
// (`--child`), so peak RSS does not mix; each child times only its task, not its start.
// --phases adds one run whose bundle times the deep analysis's steps (scripts/bench/phase-clock.ts);
// --cpu-prof adds one run under `node --cpu-prof` and lists the functions with the most self time.
// The many-services row runs the whole gate on 20 prebuilt services of 50 MB (FROM scratch, one
// random file each, kept by tag), one of them changed, against the same check reading every image.
// Not a test: vitest never picks it up.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY_SOURCE = path.join(ROOT, 'scripts', 'bench', 'entry.ts');
const ENTRY_BUNDLE = path.join(ROOT, '.tmp', 'bench-entry.mjs');
/** The same entry, with the deep analysis's steps timed (`--phases`). */
const PHASES_BUNDLE = path.join(ROOT, '.tmp', 'bench-entry-phases.mjs');
const MiB = 1024 * 1024;
/** The Debian test base image (__tests__/support/engine.ts `DEBIAN_BASE`). */
const DEBIAN_BASE = 'image-size-gate-test/debian:bookworm';
/** The packages layer: a realistic Debian package set, 10,000+ files and a real dpkg database. */
const APT_PACKAGES = ['gcc', 'g++', 'make', 'python3', 'perl'];
const PACKAGES_TAG = 'image-size-gate-bench:debian-packages';
const PACKAGES_RUN =
  'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ' +
  `--no-install-recommends ${APT_PACKAGES.join(' ')} && rm -rf /var/lib/apt/lists/*`;
/** What a deep analysis with packages may cost, in times the sizes-only pass (issue 10). */
const PACKAGES_TARGET = 1.1;
const MANY_SERVICES = 20;
const MANY_SERVICE_BYTES = 50_000_000;
/** Issue 11: a check where one of 20 services changed costs at most this much of reading them all. */
const MANY_TARGET = 0.3;

/**
 * The modern engines whose buildx paths the bench compares (scripts/ensure-engine.sh NAME). Declared
 * before the top-level await below, which reads it.
 */
const BUILDX_ENGINES = [
  { name: '26', title: 'Docker 26, containerd store, buildx 0.13' },
  { name: '28c', title: 'Docker 28, containerd store, buildx 0.29' },
  { name: '28', title: 'Docker 28, classic store, buildx 0.29' },
];

if (process.argv[2] === '--child') {
  await runChild(JSON.parse(process.argv[3] ?? '{}'), process.argv[4] ?? ENTRY_BUNDLE);
} else {
  await main(parseFlags(process.argv.slice(2)));
}

/** A child: runs one task and prints its result as one JSON line. */
async function runChild(task, bundle) {
  const { runBenchTask } = await import(pathToFileURL(bundle).href);
  const result = await runBenchTask(task);
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({
      ...result,
      maxRssMiB: usage.maxRSS / 1024,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    })}\n`,
  );
}

function parseFlags(argv) {
  const flags = {
    sizeMb: 1024,
    layers: 20,
    repeat: 1,
    phases: false,
    cpuProf: false,
    buildxEngines: true,
    many: true,
  };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const toggle = {
      '--phases': 'phases',
      '--cpu-prof': 'cpuProf',
      '--no-buildx-engines': 'buildxEngines',
      '--no-many': 'many',
    }[flag];
    if (toggle) {
      // --no-… flags turn a default off; the others turn an extra on.
      flags[toggle] = !flag.startsWith('--no-');
      continue;
    }
    const value = Number(argv[index + 1]);
    const key = { '--size-mb': 'sizeMb', '--layers': 'layers', '--repeat': 'repeat' }[flag];
    // The Debian base and the packages layer take two layers: at least one more is generated.
    const least = key === 'layers' ? 3 : 1;
    if (!key || !Number.isInteger(value) || value < least) {
      printError(
        'usage: node scripts/bench.mjs [--size-mb N] [--layers N ≥ 3] [--repeat N] [--phases] ' +
          '[--cpu-prof] [--no-buildx-engines] [--no-many]',
      );
      process.exit(2);
    }
    flags[key] = value;
    index += 1;
  }
  return flags;
}

async function main({ sizeMb, layers, repeat, phases, cpuProf, buildxEngines, many }) {
  await bundleEntry(ENTRY_BUNDLE, false);
  if (phases) await bundleEntry(PHASES_BUNDLE, true);
  const entry = await import(pathToFileURL(ENTRY_BUNDLE).href);
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  await docker.ping().catch((error) => {
    printError(`no Docker engine answers (${error.message})`);
    process.exit(1);
  });

  const tag =
    sizeMb === 1024 && layers === 20
      ? 'image-size-gate-bench:1g-debian'
      : `image-size-gate-bench:${sizeMb}m-${layers}l-debian`;
  const image = await ensureImage(docker, entry, tag, sizeMb, layers);
  const cores = os.availableParallelism();
  print(
    `image ${tag} (${image.built}): Debian base + apt-get install ${APT_PACKAGES.join(' ')} ` +
      `(${mib(image.packagesBytes)}, ${image.packagesLayers} layers), then ${image.dataLayers} ` +
      `layers × ${image.layerMb} MiB of generated data; ${cores} cores, load ${os
        .loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}; best of ${repeat}`,
  );

  // Warm the page cache so that the first timed run is not the only cold one.
  await child({ kind: 'save', reference: tag });

  const rows = [];
  const add = async (id, label, task, target) => {
    const result = await best(task, repeat);
    rows.push({ id, label, target, ...result });
    return result;
  };
  await add('a', 'docker save (API stream), drained', { kind: 'save', reference: tag }, 'baseline');
  if (await hasDockerCli()) {
    await add('a2', 'docker save (CLI) > /dev/null', { kind: 'save-cli', reference: tag }, '');
  }
  const gzip = await add(
    'b',
    'docker save | gzip -6 | wc -c',
    { kind: 'save-gzip', reference: tag },
    '',
  );
  const nodeGzip = await add(
    'b2',
    'docker save | zlib gzip level 6 (Node)',
    { kind: 'save-zlib', reference: tag },
    '',
  );
  const measure = (compressed, analyse, knownCompressed) => ({
    kind: 'measure',
    reference: tag,
    compressed,
    analyse,
    ...(analyse ? { inventory: true } : {}),
    ...(knownCompressed ? { knownCompressed } : {}),
  });
  // c and e run in turns, round by round, so that both see the same machine.
  const [sizesOnly, deep] = await bestOfPair(measure(false, false), measure(false, true), repeat);
  rows.push({ id: 'c', label: 'measure: sizes only', target: '≤ 1.2× a', ...sizesOnly });
  const estimated = await add(
    'd',
    'measure: + compressed (estimate)',
    measure(true, false),
    '≤ 0.6× b',
  );
  rows.push({
    id: 'e',
    label: 'measure: + deep analysis with packages',
    target: `≤ ${PACKAGES_TARGET}× c`,
    ...deep,
  });
  await add('f', 'measure: + compressed + analysis', measure(true, true), '');
  const known = Object.fromEntries(
    (estimated.layers ?? [])
      .filter((layer) => layer.compressed !== undefined)
      .map((layer) => [layer.diffId, layer.compressed]),
  );
  await add(
    'g',
    'measure: + compressed, all layers known',
    measure(true, false, Object.keys(known).length > 0 ? known : undefined),
    '≈ c',
  );

  printTable(rows, gzip.seconds);
  printPackages(sizesOnly, deep);
  printAccuracy(estimated, gzip, nodeGzip);
  if (phases) await printPhases(measure(false, true), sizesOnly, repeat);
  if (cpuProf) await printCpuProfile(measure(false, true));
  if (buildxEngines) await benchBuildxEngines(repeat);
  if (many) await benchManyServices(docker, entry, repeat);
}

/**
 * 20 services of 50 MB, one changed: the whole check (one inspect per unchanged image, one full
 * read) against the same check streaming every image, in turns (bestOfPair).
 */
async function benchManyServices(docker, entry, repeat) {
  const tags = [];
  for (let index = 1; index <= MANY_SERVICES; index += 1) {
    tags.push(
      await ensureScratchImage(docker, entry, `many-${String(index).padStart(2, '0')}`, index),
    );
  }
  // The changed service grew by 1 MB.
  const changedTag = await ensureScratchImage(
    docker,
    entry,
    'many-01-changed',
    1,
    MANY_SERVICE_BYTES + 1_000_000,
  );
  const root = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-many-'));
  const writeConfig = (first) =>
    mkdir(path.join(root, '.github'), { recursive: true }).then(() =>
      writeFile(
        path.join(root, '.github', 'image-size.yml'),
        [
          'defaults:',
          '  ignore-below: 1kB',
          'services:',
          ...tags.flatMap((tag, index) => [
            `  service-${String(index + 1).padStart(2, '0')}:`,
            `    image: ${index === 0 ? first : tag}`,
          ]),
          '',
        ].join('\n'),
      ),
    );
  try {
    await writeConfig(tags[0]);
    await child({ kind: 'gate', root, mode: 'update', readEveryImage: true });
    await writeConfig(changedTag);
    const [fast, full] = await bestOfPair(
      { kind: 'gate', root, mode: 'check', readEveryImage: false },
      { kind: 'gate', root, mode: 'check', readEveryImage: true },
      repeat,
    );
    const ratio = fast.seconds / full.seconds;
    print('');
    print(
      `${MANY_SERVICES} services × ${MANY_SERVICE_BYTES / 1e6} MB (prebuilt, engine A), one changed: ` +
        `the whole check ${fast.seconds.toFixed(2)} s (${fast.fromBaseline} images not read again, ` +
        `${fast.changed} changed), reading every image ${full.seconds.toFixed(2)} s: ` +
        `${ratio.toFixed(2)}× (target ≤ ${MANY_TARGET}×) ${ratio <= MANY_TARGET ? 'ok' : 'MISSED'}; ` +
        `peak RSS ${fast.maxRssMiB.toFixed(0)} / ${full.maxRssMiB.toFixed(0)} MiB`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** A FROM scratch image of one random file (50 MB unless said), kept by tag and recipe label. */
async function ensureScratchImage(docker, entry, name, seed, bytes = MANY_SERVICE_BYTES) {
  const tag = `image-size-gate-bench/${name}:latest`;
  const recipe = `scratch + ${bytes} random bytes, seed ${seed}, v1`;
  try {
    const inspected = await docker.getImage(tag).inspect();
    if (inspected.Config?.Labels?.['image-size-gate-bench'] === recipe) return tag;
  } catch {
    // Not there yet.
  }
  const context = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-scratch-'));
  try {
    const key = createHash('sha256').update(recipe).digest();
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    await writeFile(path.join(context, 'data.bin'), cipher.update(Buffer.alloc(bytes)));
    await writeFile(
      path.join(context, 'Dockerfile'),
      `FROM scratch\nCOPY data.bin /data.bin\nLABEL image-size-gate-bench=${JSON.stringify(recipe)}\n`,
    );
    await entry.buildBenchImage(context, tag);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Runs two tasks `repeat` times in turns (a, b, a, b…), each in a fresh child; keeps each one's
 * fastest time and largest RSS. The machine is shared: turns keep a slow spell from landing on
 * one side only.
 */
async function bestOfPair(first, second, repeat) {
  const chosen = [undefined, undefined];
  const rss = [0, 0];
  for (let round = 0; round < repeat; round += 1) {
    for (const [side, task] of [first, second].entries()) {
      const result = await child(task);
      rss[side] = Math.max(rss[side], result.maxRssMiB);
      if (!chosen[side] || result.seconds < chosen[side].seconds) chosen[side] = result;
    }
  }
  return chosen.map((result, side) => ({ ...result, maxRssMiB: rss[side] }));
}

/** Sizes only against the deep analysis with packages, and what the attribution found. */
function printPackages(sizesOnly, deep) {
  const ratio = deep.seconds / sizesOnly.seconds;
  print('');
  print(
    `deep analysis with packages (e) / sizes only (c): ${deep.seconds.toFixed(2)} s / ` +
      `${sizesOnly.seconds.toFixed(2)} s = ${ratio.toFixed(2)}× — target ≤ ${PACKAGES_TARGET}× ` +
      `sizes only: ${ratio <= PACKAGES_TARGET ? 'met' : 'MISSED'}; peak RSS ` +
      `${deep.maxRssMiB.toFixed(0)} MiB vs ${sizesOnly.maxRssMiB.toFixed(0)} MiB ` +
      `(${(deep.maxRssMiB - sizesOnly.maxRssMiB).toFixed(0)} MiB more); CPU ` +
      `${deep.cpuSeconds.toFixed(1)} s vs ${sizesOnly.cpuSeconds.toFixed(1)} s`,
  );
  const inventory = deep.inventory;
  if (!inventory) {
    print('packages: the deep analysis returned no package inventory');
    return;
  }
  const ecosystems = Object.entries(inventory.packagesByEcosystem)
    .map(([ecosystem, count]) => `${count} ${ecosystem}`)
    .join(', ');
  const share = (part, whole) => `${((part / Math.max(1, whole)) * 100).toFixed(1)}%`;
  print(
    `packages: the final filesystem has ${inventory.files} regular files (${mib(inventory.bytes)}); ` +
      `${ecosystems || 'no'} packages; the attribution assigned ${inventory.ownedBytes} B ` +
      `(${mib(inventory.ownedBytes)}, ${inventory.ownedFiles} files) to packages, dpkg ` +
      `${inventory.dpkgBytes} B in ${inventory.dpkgFiles} files (${share(inventory.dpkgFiles, inventory.files)} ` +
      `of the files); ${inventory.conflicts} conflicts, ${inventory.warnings} warnings, ` +
      `${inventory.hints} hints, ${mib(inventory.wastedBytes)} wasted`,
  );
  print(
    `  largest: ${inventory.largest.map((usage) => `${usage.name} ${mib(usage.bytes)}`).join(', ')}`,
  );
}

/**
 * The deep analysis once more with its steps timed (the `--phases` bundle routes its imports
 * through scripts/bench/phase-clock.ts): what the analysis after the pass costs, step by step,
 * and, from CPU time (wall time waits on the engine and moves with the machine), what is left
 * for recording entries during the pass (CPU of this run − CPU of c − analyseLayers).
 */
async function printPhases(task, sizesOnly, repeat) {
  const result = await best(task, repeat, PHASES_BUNDLE);
  const phases = result.phases ?? {};
  print('');
  print(
    `phases (--phases, best of ${repeat}): deep analysis with packages ${result.seconds.toFixed(2)} s; ` +
      `sizes only (c) ${sizesOnly.seconds.toFixed(2)} s`,
  );
  const after = phases.analyseLayers ?? 0;
  for (const [name, ms] of Object.entries(phases)) {
    if (name.endsWith(' #')) continue;
    print(
      `  ${name.padEnd(36)} ${(ms / 1000).toFixed(3).padStart(7)} s  ${String(phases[`${name} #`]).padStart(6)} calls`,
    );
  }
  const extraCpu = result.cpuSeconds - sizesOnly.cpuSeconds;
  print(
    `  CPU: ${result.cpuSeconds.toFixed(2)} s vs ${sizesOnly.cpuSeconds.toFixed(2)} s for c: ` +
      `${extraCpu.toFixed(2)} s more, of which analyseLayers ${(after / 1000).toFixed(2)} s; ` +
      `recording entries in the pass (paths, database bytes, ELF scans) ≈ ` +
      `${(extraCpu - after / 1000).toFixed(2)} s`,
  );
}

/** One deep analysis under `node --cpu-prof`: the functions with the most self time. */
async function printCpuProfile(task) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-prof-'));
  try {
    const result = await child(task, ENTRY_BUNDLE, [
      '--cpu-prof',
      `--cpu-prof-dir=${directory}`,
      '--cpu-prof-interval=200',
    ]);
    const [file] = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('node wrote no .cpuprofile');
    const profile = JSON.parse(await readFile(path.join(directory, file), 'utf8'));
    const self = new Map();
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const deltas = profile.timeDeltas ?? [];
    let total = 0;
    profile.samples.forEach((id, index) => {
      const node = byId.get(id);
      const ms = (deltas[index] ?? 0) / 1000;
      total += ms;
      const frame = node.callFrame;
      const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + ms);
    });
    print('');
    print(
      `cpu profile (--cpu-prof, one run of e: ${result.seconds.toFixed(2)} s timed, ` +
        `${(total / 1000).toFixed(2)} s sampled incl. start): most self time`,
    );
    const idle = self.get('(idle)') ?? 0;
    self.delete('(idle)');
    print(
      `  ${((total - idle) / 1000).toFixed(3).padStart(7)} s  busy in all (${(idle / 1000).toFixed(2)} s idle: waiting on the engine)`,
    );
    for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      print(`  ${(ms / 1000).toFixed(3).padStart(7)} s  ${key}`);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * On each modern engine, one service whose build steps are all cached: what getting the image
 * out costs per service, `--load` + the engine's export against an OCI layout measured where
 * buildx wrote it (the docker driver on the classic store has only `--load`). An engine that is
 * not running is skipped with a line saying so.
 */
async function benchBuildxEngines(repeat) {
  const context = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-buildx-'));
  try {
    const layers = 4;
    const layerMb = 50;
    const lines = ['FROM scratch'];
    const textPool = Array.from({ length: 16 }, (_, index) => logText(MiB, index));
    for (let layer = 1; layer <= layers; layer += 1) {
      const name = `layer${layer}.bin`;
      writeMixedFile(path.join(context, name), layerMb * MiB, 100 + layer, textPool);
      lines.push(`COPY ${name} /data/${name}`);
    }
    await writeFile(path.join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    print(`\nbuildx: one ${layers * layerMb} MiB service, every step cached, per engine`);
    const header = ['engine, run', 'total s', 'buildx s', 'measure s', 'peak RSS', 'pull size'];
    const table = [header];
    const row = (label, result) => [
      label,
      result.seconds.toFixed(2),
      result.buildSeconds.toFixed(2),
      (result.seconds - result.buildSeconds).toFixed(2),
      `${result.maxRssMiB.toFixed(0)} MiB`,
      result.compressed === undefined
        ? 'not measured'
        : `${mib(result.compressed)}${result.compressedEstimated ? ' (estimated)' : ' (exact)'}`,
    ];
    const ratios = [];
    for (const { name, title } of BUILDX_ENGINES) {
      const engine = await readModernEngine(name);
      if (!engine) {
        print(
          `${title}: skipped, scripts/engine${name}.env is missing or its engine does not answer.`,
        );
        continue;
      }
      // The first build fills BuildKit's cache: the timed runs only export and measure.
      await child({ kind: 'buildx-load', context, engine });
      const load = await best({ kind: 'buildx-load', context, engine }, repeat);
      table.push(row(`${title}: --load, then docker save`, load));
      if (!engine.containerdStore) continue;
      const oci = await best({ kind: 'buildx-oci', context, engine }, repeat);
      table.push(row(`${title}: OCI layout, measured in place`, oci));
      ratios.push(`${title}: OCI layout / load ${(oci.seconds / load.seconds).toFixed(2)}×`);
    }
    const widths = header.map((_, column) =>
      Math.max(...table.map((cells) => cells[column].length)),
    );
    for (const cells of table) {
      print(
        cells
          .map((cell, column) =>
            column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
          )
          .join('  '),
      );
    }
    for (const ratio of ratios) print(`${ratio} the time per service`);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function readModernEngine(name) {
  let text;
  try {
    text = await readFile(path.join(ROOT, 'scripts', `engine${name}.env`), 'utf8');
  } catch {
    return undefined;
  }
  const values = Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter(Boolean)
      .map((match) => [match[1], match[2]]),
  );
  const socket = (values.ENGINE_HOST ?? '').replace(/^unix:\/\//, '');
  if (!socket || !values.ENGINE_BIN || !values.ENGINE_DOCKER_CONFIG) return undefined;
  const { default: Docker } = await import('dockerode');
  const answers = await new Docker({ socketPath: socket })
    .ping()
    .then(() => true)
    .catch(() => false);
  if (!answers) return undefined;
  return {
    socket,
    docker: path.join(values.ENGINE_BIN, 'docker'),
    dockerConfig: values.ENGINE_DOCKER_CONFIG,
    containerdStore: values.ENGINE_CONTAINERD_STORE === 'true',
  };
}

/** Runs a task `repeat` times, each in a fresh child; keeps the fastest time and largest RSS. */
async function best(task, repeat, bundle = ENTRY_BUNDLE) {
  let chosen;
  let maxRssMiB = 0;
  for (let round = 0; round < repeat; round += 1) {
    const result = await child(task, bundle);
    maxRssMiB = Math.max(maxRssMiB, result.maxRssMiB);
    if (!chosen || result.seconds < chosen.seconds) chosen = result;
  }
  return { ...chosen, maxRssMiB };
}

function child(task, bundle = ENTRY_BUNDLE, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      [...nodeFlags, fileURLToPath(import.meta.url), '--child', JSON.stringify(task), bundle],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    process_.stdout.setEncoding('utf8').on('data', (text) => {
      output += text;
    });
    process_.once('error', reject);
    process_.once('close', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`the ${task.kind} child exited with ${code}`));
      else resolve(JSON.parse(line));
    });
  });
}

function printTable(rows, gzipSeconds) {
  const baseline = rows.find((row) => row.id === 'a')?.seconds ?? NaN;
  const sizesOnly = rows.find((row) => row.id === 'c')?.seconds ?? NaN;
  const header = ['', 'run', 'seconds', '× a', '× b', '× c', 'peak RSS', 'CPU s', 'target', 'note'];
  const lines = rows.map((row) => {
    const notes = [];
    if (row.unsupported?.length) notes.push(`ignored: ${row.unsupported.join(', ')}`);
    if (row.streamBytes !== undefined) notes.push(`${mib(row.streamBytes)} stream`);
    if (row.firstByteSeconds !== undefined) {
      notes.push(`first byte after ${row.firstByteSeconds.toFixed(2)} s`);
    }
    if (row.gzipBytes !== undefined) notes.push(`→ ${mib(row.gzipBytes)}`);
    if (row.id === 'b') notes.push('RSS: node only, gzip apart');
    if (row.id === 'e' || row.id === 'f') {
      const inventory = row.inventory;
      notes.push(
        !row.analysed
          ? 'no analysis'
          : inventory
            ? `files, waste, hints, ${Object.values(inventory.packagesByEcosystem).reduce((a, b) => a + b, 0)} packages`
            : 'analysed, no packages',
      );
    }
    return [
      row.id,
      row.label,
      row.seconds.toFixed(2),
      (row.seconds / baseline).toFixed(2),
      ['a', 'a2', 'b'].includes(row.id) ? '' : (row.seconds / gzipSeconds).toFixed(2),
      ['c', 'd', 'e', 'f', 'g'].includes(row.id) ? (row.seconds / sizesOnly).toFixed(2) : '',
      row.id === 'a2' ? '—' : `${row.maxRssMiB.toFixed(0)} MiB`,
      row.id === 'a2' ? '—' : row.cpuSeconds.toFixed(1),
      row.target,
      notes.join('; '),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const numeric = (column) => column >= 2 && column <= 7;
  const format = (line) =>
    line
      .map((cell, column) =>
        numeric(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  print('');
  print(format(header));
  print(format(widths.map((width) => '-'.repeat(width))));
  for (const line of lines) print(format(line));
  print('');
  print(
    'targets (issue): measurement ≤ 1.2× the stream; deep analysis with packages ≤ ' +
      `${PACKAGES_TARGET}× sizes only (e ≤ ${PACKAGES_TARGET}× c); compressed sizes ≤ 0.6× the ` +
      'gzip pipe on 2 cores; ~0 extra time for cached layers (g ≈ c).',
  );
}

function printAccuracy(estimated, gzip, nodeGzip) {
  if (estimated.compressed === undefined) {
    print('compressed: the measure stage did not estimate compressed sizes (option absent)');
    return;
  }
  const versus = (label, bytes) =>
    `  vs ${label} ${bytes} B: ${(((estimated.compressed - bytes) / bytes) * 100).toFixed(3)}%`;
  print(`compressed: estimate (d) ${estimated.compressed} B, Σ over layers`);
  print(versus('GNU gzip -6 of the whole save stream (b)', gzip.gzipBytes));
  print(versus("Node's zlib level 6 of the whole save stream (b2)", nodeGzip.gzipBytes));
  print(
    '  (the save stream adds tar headers and JSON; a push gzips each layer on its own, with ' +
      "Go's compress/gzip; Node bundles Chromium's zlib, which differs from GNU gzip by a few %)",
  );
}

async function hasDockerCli() {
  return new Promise((resolve) => {
    const probe = spawn('docker', ['--version'], { stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('close', (code) => resolve(code === 0));
  });
}

/**
 * Bundles the entry (packages stay external). With `phases`, the deep analysis's imports go
 * through scripts/bench/phase-clock.ts: a module in a namespace of its own re-exports each one,
 * with the functions named in TIMED wrapped. src/ is read, never written.
 */
async function bundleEntry(outfile, phases) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [ENTRY_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    plugins: phases ? [phasesPlugin()] : [],
  });
}

function phasesPlugin() {
  const TIMED = timedImports();
  const clock = path.join(ROOT, 'scripts', 'bench', 'phase-clock.ts');
  const measureDirectory = path.join(ROOT, 'src', 'measure');
  return {
    name: 'bench-phases',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.namespace !== 'file' || !args.importer.startsWith(measureDirectory))
          return undefined;
        const names = TIMED[path.basename(args.importer)]?.[args.path];
        if (!names) return undefined;
        const real = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        return { path: real, namespace: 'bench-timed', pluginData: { names } };
      });
      build.onLoad({ filter: /.*/, namespace: 'bench-timed' }, (args) => {
        const real = JSON.stringify(args.path);
        const lines = [
          `import * as real from ${real};`,
          `import { timed, timedFactory } from ${JSON.stringify(clock)};`,
          `export * from ${real};`,
        ];
        for (const entry of args.pluginData.names) {
          const factory = entry.startsWith('*');
          const name = entry.replace(/^\*/, '');
          lines.push(
            `export const ${name} = ${factory ? 'timedFactory' : 'timed'}(${JSON.stringify(name)}, real.${name});`,
          );
        }
        return { contents: lines.join('\n'), loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** importer (under src/measure) → imported specifier → functions to time (`*` a factory). */
function timedImports() {
  return {
    'image-content.ts': { './deep-analysis.js': ['analyseLayers'] },
    'deep-analysis.ts': {
      './analysis.js': ['stackLayers', 'analyseImage'],
      './hints.js': ['findHints'],
      './packages/attribute.js': ['attributePackages'],
    },
    'attribute.ts': {
      './databases.js': ['groupDatabases'],
      './dpkg.js': ['readDpkg'],
      './apk.js': ['readApk'],
      './python.js': ['readPython'],
      './npm.js': ['readNpm'],
      './paths.js': ['*createPathResolver'],
      './summary.js': ['summarisePackages'],
    },
  };
}

/**
 * The bench image: the Debian packages image (`ensurePackagesImage`), then COPY layers of
 * generated data up to `sizeMb` in all and `layers` layers in all. Reused by tag when its label
 * says it was made by the same recipe; else the files are generated and the image is built.
 */
async function ensureImage(docker, entry, tag, sizeMb, layers) {
  const packages = await ensurePackagesImage(docker, entry);
  const dataLayers = Math.max(1, layers - packages.layers);
  const dataMb = Math.max(dataLayers, sizeMb - Math.round(packages.bytes / MiB));
  const layerMb = Math.max(1, Math.round(dataMb / dataLayers));
  const recipe = `${packages.id} + ${dataLayers} × ${layerMb} MiB mixed v1`;
  const described = {
    packagesBytes: packages.bytes,
    packagesLayers: packages.layers,
    dataLayers,
    layerMb,
  };
  try {
    const inspected = await docker.getImage(tag).inspect();
    if (inspected.Config?.Labels?.['image-size-gate-bench'] === recipe) {
      return { ...described, built: 'reused' };
    }
  } catch {
    // Not there yet.
  }
  const context = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-'));
  try {
    const started = performance.now();
    const lines = [`FROM ${PACKAGES_TAG}`];
    const textPool = Array.from({ length: 16 }, (_, index) => logText(MiB, index));
    for (let layer = 1; layer <= dataLayers; layer += 1) {
      const name = `layer${String(layer).padStart(2, '0')}.bin`;
      writeMixedFile(path.join(context, name), layerMb * MiB, layer, textPool);
      lines.push(`COPY ${name} /data/${name}`);
    }
    lines.push(`LABEL image-size-gate-bench=${JSON.stringify(recipe)}`);
    await writeFile(path.join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    print(`building ${tag} (${PACKAGES_TAG} + ${dataLayers} × ${layerMb} MiB)…`);
    await entry.buildBenchImage(context, tag);
    return {
      ...described,
      built: `built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * The Debian test base image plus one `RUN apt-get install` layer, built once and kept by tag
 * (the build reaches Debian's mirror). Imports the base first if the engine lacks it.
 */
async function ensurePackagesImage(docker, entry) {
  const recipe = `${DEBIAN_BASE} + ${PACKAGES_RUN}`;
  const describe = (inspected) => ({
    id: inspected.Id,
    bytes: inspected.Size,
    layers: inspected.RootFS?.Layers?.length ?? 0,
  });
  try {
    const inspected = await docker.getImage(PACKAGES_TAG).inspect();
    if (inspected.Config?.Labels?.['image-size-gate-bench'] === recipe) return describe(inspected);
  } catch {
    // Not there yet.
  }
  const hasBase = () =>
    docker
      .getImage(DEBIAN_BASE)
      .inspect()
      .then(() => true)
      .catch(() => false);
  if (!(await hasBase())) {
    await new Promise((resolve) => {
      const script = spawn('bash', [path.join(ROOT, 'scripts', 'ensure-test-base.sh')], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      script.once('error', resolve);
      script.once('close', resolve);
    });
    if (!(await hasBase())) {
      printError(
        `the Debian test base image ${DEBIAN_BASE} is missing: run scripts/ensure-test-base.sh as root`,
      );
      process.exit(1);
    }
  }
  const context = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-debian-'));
  try {
    const lines = [
      `FROM ${DEBIAN_BASE}`,
      PACKAGES_RUN,
      `LABEL image-size-gate-bench=${JSON.stringify(recipe)}`,
    ];
    await writeFile(path.join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    print(`building ${PACKAGES_TAG} (apt-get install ${APT_PACKAGES.join(' ')})…`);
    await entry.buildBenchImage(context, PACKAGES_TAG);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return describe(await docker.getImage(PACKAGES_TAG).inspect());
}

/**
 * ~40% pseudo-random 1 MiB segments (AES-CTR of zeros) and ~60% log text, chosen by a hash of
 * the layer and segment: every layer differs, and gzip has work to do (about 2:1 overall).
 */
function writeMixedFile(file, bytes, seed, textPool) {
  const key = createHash('sha256').update(`bench-layer-${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const zeros = Buffer.alloc(MiB);
  const fd = openSync(file, 'w');
  try {
    for (let offset = 0, segment = 0; offset < bytes; offset += MiB, segment += 1) {
      const pick = createHash('sha256').update(`${seed}:${segment}`).digest();
      const data =
        (pick[0] ?? 0) < 102
          ? cipher.update(zeros)
          : (textPool[(pick[1] ?? 0) % textPool.length] ?? zeros);
      writeSync(fd, data, 0, Math.min(MiB, bytes - offset));
    }
  } finally {
    closeSync(fd);
  }
}

/** 1 MiB of log lines with varying numbers and words (gzip -6 makes ~5:1 of it). */
function logText(size, seed) {
  let state = (seed + 1) * 0x9e3779b1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const pick = (items) => items[Math.floor(next() * items.length)];
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const words = 'request handled cache miss retry upstream timeout user session token'.split(' ');
  const parts = [];
  let length = 0;
  while (length < size) {
    const line =
      `2024-05-${String(1 + Math.floor(next() * 28)).padStart(2, '0')} ${pick(levels)} ` +
      `${pick(words)} ${pick(words)} path=/api/v1/items/${Math.floor(next() * 100000)} ` +
      `took=${Math.floor(next() * 900)}ms id=${Math.floor(next() * 1e9).toString(16)}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function mib(bytes) {
  return bytes === undefined ? '?' : `${(bytes / MiB).toFixed(0)} MiB`;
}

function print(text) {
  process.stdout.write(`${text}\n`);
}

function printError(text) {
  process.stderr.write(`${text}\n`);
}
