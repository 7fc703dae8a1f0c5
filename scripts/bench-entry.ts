/**
 * What `scripts/bench.mjs` runs, bundled by it into `.tmp/bench-entry.mjs` (packages stay
 * external and resolve from node_modules). Each task runs in its own child process so that peak
 * memory figures do not mix; the task times itself, excluding process start and module load.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Docker from 'dockerode';
import { buildWithEngine } from '../src/build/engine.js';
import { measureEngineImage } from '../src/measure/engine.js';
import { measureOciLayoutDirectory } from '../src/measure/image-content.js';
import { GzipSizeEstimator } from '../src/measure/gzip-size.js';

type MeasureOptions = NonNullable<Parameters<typeof measureEngineImage>[2]>;

export type BenchTask =
  | { readonly kind: 'save'; readonly reference: string }
  | { readonly kind: 'save-cli'; readonly reference: string }
  | { readonly kind: 'save-gzip'; readonly reference: string }
  | { readonly kind: 'save-zlib'; readonly reference: string }
  | {
      readonly kind: 'measure';
      readonly reference: string;
      readonly compressed: boolean;
      readonly analyse: boolean;
      /** diffID → compressed bytes, as a baseline would remember them. */
      readonly knownCompressed?: Readonly<Record<string, number>>;
    }
  | {
      /**
       * One service's build (all steps cached) and measurement on a modern engine through buildx:
       * `--load` then the engine's export, or an OCI layout measured where it lies.
       */
      readonly kind: 'buildx-load' | 'buildx-oci';
      readonly context: string;
      readonly engine: BenchEngine;
    };

/** How to reach a modern engine and its buildx (scripts/engine<NAME>.env). */
export interface BenchEngine {
  readonly socket: string;
  readonly docker: string;
  readonly dockerConfig: string;
  readonly containerdStore: boolean;
}

export interface BenchResult {
  readonly seconds: number;
  /** When the first byte of the export arrived (Docker < 25 writes it all to disk first). */
  readonly firstByteSeconds?: number;
  /** Bytes of the `docker save` stream (save tasks). */
  readonly streamBytes?: number;
  /** Bytes `gzip -6` (save-gzip) or Node's zlib at level 6 (save-zlib) made of the stream. */
  readonly gzipBytes?: number;
  /** Σ layer sizes (measure tasks). */
  readonly size?: number;
  /** Σ compressed layer sizes, when the measure stage computed them. */
  readonly compressed?: number;
  /** Whether a deep analysis came back. */
  readonly analysed?: boolean;
  readonly layers?: readonly { readonly diffId: string; readonly compressed?: number }[];
  /** Options the measure stage was given that it does not know (it ignored them). */
  readonly unsupported?: readonly string[];
  /** buildx tasks: seconds in `docker buildx build`, the rest is measuring. */
  readonly buildSeconds?: number;
  readonly compressedEstimated?: boolean;
}

type TaskOutcome = Omit<BenchResult, 'seconds'>;

export async function runBenchTask(task: BenchTask): Promise<BenchResult> {
  switch (task.kind) {
    case 'save':
      return timed(async () => {
        const start = performance.now();
        let firstByteSeconds: number | undefined;
        let streamBytes = 0;
        for await (const chunk of await exportImage(task.reference)) {
          firstByteSeconds ??= (performance.now() - start) / 1000;
          streamBytes += chunk.length;
        }
        return { streamBytes, ...(firstByteSeconds === undefined ? {} : { firstByteSeconds }) };
      });
    case 'save-cli':
      return timed(async () => {
        await run('docker', ['save', task.reference], 'ignore');
        return {};
      });
    case 'save-gzip':
      return timed(() => gzipExport(task.reference));
    case 'save-zlib':
      return timed(() => zlibExport(task.reference));
    case 'measure':
      return timed(() => measure(task));
    case 'buildx-load':
    case 'buildx-oci':
      return timed(() => buildxAndMeasure(task));
  }
}

async function buildxAndMeasure(
  task: Extract<BenchTask, { kind: 'buildx-load' | 'buildx-oci' }>,
): Promise<TaskOutcome> {
  const layout = await mkdtemp(path.join(os.tmpdir(), 'image-size-gate-bench-oci-'));
  const tag = 'image-size-gate-bench:buildx';
  const output =
    task.kind === 'buildx-oci' ? ['--output', `type=oci,tar=false,dest=${layout}`] : ['--load'];
  try {
    const started = performance.now();
    await run(
      task.engine.docker,
      ['buildx', 'build', '--provenance=false', '--tag', tag, ...output, task.context],
      'ignore',
      { DOCKER_HOST: `unix://${task.engine.socket}`, DOCKER_CONFIG: task.engine.dockerConfig },
    );
    const buildSeconds = (performance.now() - started) / 1000;
    // As the gate measures by default: compressed sizes (exact from blobs, else estimated) and
    // the analysis.
    const options = measureOptionsFor({ compressed: true, analyse: true });
    const measurement =
      task.kind === 'buildx-oci'
        ? await measureOciLayoutDirectory(layout, options)
        : await measureEngineImage(new Docker({ socketPath: task.engine.socket }), tag, options);
    return {
      buildSeconds,
      size: measurement.size,
      ...(measurement.compressed === undefined ? {} : { compressed: measurement.compressed }),
      compressedEstimated: measurement.compressedEstimated ?? false,
    };
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}

/**
 * Options for what the measure stage has offered over time: `compressed: 'estimate' | 'skip'`,
 * or `createSizer` (a factory of size estimators); `analyse`; `knownCompressed`. Whatever it
 * does not know, it ignores; the result tells what it did.
 */
export function measureOptionsFor(request: {
  readonly compressed: boolean;
  readonly analyse: boolean;
  readonly knownCompressed?: Readonly<Record<string, number>> | undefined;
}): MeasureOptions {
  const options: Record<string, unknown> = {
    compressed: request.compressed ? 'estimate' : 'skip',
    analyse: request.analyse,
  };
  if (request.compressed) options['createSizer'] = () => new GzipSizeEstimator();
  if (request.knownCompressed) {
    options['knownCompressed'] = new Map(Object.entries(request.knownCompressed));
  }
  return options;
}

/** Builds `FROM scratch` + COPY lines from a directory holding a Dockerfile, with the engine. */
export async function buildBenchImage(context: string, tag: string): Promise<string> {
  const outcome = await buildWithEngine(new Docker(), {
    serviceName: 'bench',
    build: { context, dockerfile: path.join(context, 'Dockerfile'), target: undefined, args: {} },
    globalBuildArgs: {},
    platform: undefined,
    tag,
    runTag: tag,
  });
  return outcome.reference;
}

async function measure(task: Extract<BenchTask, { kind: 'measure' }>): Promise<TaskOutcome> {
  const measurement = await measureEngineImage(
    new Docker(),
    task.reference,
    measureOptionsFor(task),
  );
  const analysis = (measurement as { analysis?: unknown }).analysis;
  const unsupported: string[] = [];
  if (task.compressed && measurement.compressed === undefined) unsupported.push('compressed');
  if (task.analyse && analysis === undefined) unsupported.push('analyse');
  return {
    size: measurement.size,
    ...(measurement.compressed === undefined ? {} : { compressed: measurement.compressed }),
    analysed: analysis !== undefined,
    layers: measurement.layers.map((layer) => ({
      diffId: layer.diffId,
      ...(layer.compressed === undefined ? {} : { compressed: layer.compressed }),
    })),
    unsupported,
  };
}

async function exportImage(reference: string): Promise<AsyncIterable<Buffer>> {
  return (await new Docker().getImage(reference).get()) as AsyncIterable<Buffer>;
}

async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

/** `docker save | gzip -6 | wc -c`, with the engine API stream piped into the gzip command. */
async function gzipExport(reference: string): Promise<TaskOutcome> {
  const gzip = spawn('gzip', ['-6'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => {
    gzip.once('error', reject);
    gzip.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`gzip exited with ${code ?? 'a signal'}`));
    });
  });
  const counted = drain(gzip.stdout);
  let streamBytes = 0;
  for await (const chunk of await exportImage(reference)) {
    streamBytes += chunk.length;
    if (!gzip.stdin.write(chunk)) {
      await new Promise<void>((resolve) => gzip.stdin.once('drain', resolve));
    }
  }
  gzip.stdin.end();
  const [gzipBytes] = await Promise.all([counted, exited]);
  return { streamBytes, gzipBytes };
}

/**
 * The same through Node's own zlib in one stream (one thread): the estimator's reference, since
 * Node bundles Chromium's zlib, whose output differs from GNU gzip's by a few percent.
 */
async function zlibExport(reference: string): Promise<TaskOutcome> {
  const gzip = zlib.createGzip({ level: 6, chunkSize: 256 * 1024 });
  const counted = drain(gzip);
  let streamBytes = 0;
  for await (const chunk of await exportImage(reference)) {
    streamBytes += chunk.length;
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  }
  gzip.end();
  return { streamBytes, gzipBytes: await counted };
}

function run(
  command: string,
  args: readonly string[],
  stdout: 'ignore',
  env: Readonly<Record<string, string>> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', stdout, 'ignore'],
      env: { ...process.env, ...env },
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code ?? 'a signal'}`));
    });
  });
}

async function timed(task: () => Promise<TaskOutcome>): Promise<BenchResult> {
  const start = performance.now();
  const result = await task();
  return { seconds: (performance.now() - start) / 1000, ...result };
}
