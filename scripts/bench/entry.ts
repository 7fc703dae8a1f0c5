/**
 * What `scripts/bench.mjs` bundles and runs in its children: every task of `../bench-entry.ts`,
 * with a measure task that also says what the deep analysis found (files, dpkg packages, bytes
 * attributed), so a reader sees the package attribution really ran. With `phases`, the bundle
 * built by `bench.mjs --phases` times the deep analysis's steps (see phases.ts).
 */
import Docker from 'dockerode';
import {
  buildBenchImage,
  measureOptionsFor,
  runBenchTask as runBaseTask,
  type BenchResult,
  type BenchTask,
} from '../bench-entry.js';
import { measureEngineImage } from '../../src/measure/engine.js';
import { phaseTimings } from './phase-clock.js';
import { runGateTask, type GateTask } from './gate-check.js';

export { buildBenchImage };

export type Task =
  BenchTask | GateTask | (Extract<BenchTask, { kind: 'measure' }> & { readonly inventory: true });

/** What the deep analysis found, from `analysis.packages`. */
export interface InventoryStats {
  /** Regular files of the final filesystem: owned by a package or not. */
  readonly files: number;
  readonly bytes: number;
  /** Package entries by ecosystem (`dpkg`: 140). */
  readonly packagesByEcosystem: Readonly<Record<string, number>>;
  /** Files and bytes some package owns. */
  readonly ownedFiles: number;
  readonly ownedBytes: number;
  readonly dpkgFiles: number;
  readonly dpkgBytes: number;
  readonly hints: number;
  readonly wastedBytes: number;
  readonly conflicts: number;
  readonly warnings: number;
  /** The largest packages: name and bytes. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
}

export async function runBenchTask(
  task: Task,
): Promise<BenchResult & { inventory?: InventoryStats; phases?: Record<string, number> }> {
  if (task.kind === 'gate') return runGateTask(task);
  if (!('inventory' in task)) return runBaseTask(task);
  const start = performance.now();
  const measurement = await measureEngineImage(
    new Docker(),
    task.reference,
    measureOptionsFor(task),
  );
  const seconds = (performance.now() - start) / 1000;
  const analysis = measurement.analysis;
  const phases = phaseTimings();
  return {
    seconds,
    size: measurement.size,
    ...(measurement.compressed === undefined ? {} : { compressed: measurement.compressed }),
    analysed: analysis !== undefined,
    layers: measurement.layers.map((layer) => ({
      diffId: layer.diffId,
      ...(layer.compressed === undefined ? {} : { compressed: layer.compressed }),
    })),
    unsupported: task.analyse && analysis === undefined ? ['analyse'] : [],
    ...(analysis === undefined ? {} : { inventory: inventoryOf(analysis) }),
    ...(phases ? { phases } : {}),
  };
}

function inventoryOf(
  analysis: NonNullable<Awaited<ReturnType<typeof measureEngineImage>>['analysis']>,
): InventoryStats {
  const { packages, unowned, conflictCount, warnings } = analysis.packages;
  const packagesByEcosystem: Record<string, number> = {};
  let ownedFiles = 0;
  let ownedBytes = 0;
  let dpkgFiles = 0;
  let dpkgBytes = 0;
  for (const usage of packages) {
    packagesByEcosystem[usage.ecosystem] = (packagesByEcosystem[usage.ecosystem] ?? 0) + 1;
    ownedFiles += usage.files;
    ownedBytes += usage.bytes;
    if (usage.ecosystem === 'dpkg') {
      dpkgFiles += usage.files;
      dpkgBytes += usage.bytes;
    }
  }
  const unownedFiles = unowned.reduce((sum, folder) => sum + folder.files, 0);
  const unownedBytes = unowned.reduce((sum, folder) => sum + folder.bytes, 0);
  return {
    files: ownedFiles + unownedFiles,
    bytes: ownedBytes + unownedBytes,
    packagesByEcosystem,
    ownedFiles,
    ownedBytes,
    dpkgFiles,
    dpkgBytes,
    hints: analysis.hints.length,
    wastedBytes: analysis.wastedBytes,
    conflicts: conflictCount,
    warnings: warnings.length,
    largest: packages.slice(0, 3).map((usage) => ({ name: usage.name, bytes: usage.bytes })),
  };
}
