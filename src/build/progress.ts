import { isObject } from '../core/json-guards.js';

/** Dockerfile steps of one build, and how many of them BuildKit took from a cache. */
export interface StepCount {
  readonly total: number;
  readonly cached: number;
}

export interface BuildProgress {
  /** Readable log lines: step names, their output, errors, and buildx's own plain lines. */
  readonly lines: string[];
  readonly steps: StepCount;
}

/**
 * A Dockerfile step as BuildKit names it: `[2/3] RUN …`, `[build 1/4] COPY …`. Internal vertices
 * (`[internal] load …`, `exporting to image`) are not steps, and neither is `[1/3] FROM …`: it
 * builds nothing, and whether the base image counts as "cached" says nothing about the cache.
 */
const STEP_NAME = /^\[(?:[^\]\s]+ )?\d+\/\d+\] (?!FROM )/;

/**
 * Reads `docker buildx build --progress=rawjson` output: JSON SolveStatus objects, then buildx's
 * plain lines (the error summary). buildx 0.13 indents each object over many lines (top-level
 * braces in column 0); buildx 0.29 prints one compact object a line: both are read. A step
 * counts as cached when any of its updates says `"cached": true`: restored from the local or a
 * remote cache (the gha cache), which `--progress=plain` does not always print.
 */
export function readRawJsonProgress(stderr: string): BuildProgress {
  const lines: string[] = [];
  // Numbered in order of first sight, as BuildKit's plain printer numbers them.
  const steps = new Map<
    string,
    { index: number; name: string; cached: boolean; failed: boolean }
  >();
  const stepOf = (digest: string) => {
    let known = steps.get(digest);
    if (known === undefined) {
      known = { index: steps.size + 1, name: '', cached: false, failed: false };
      steps.set(digest, known);
    }
    return known;
  };
  const readStatus = (status: unknown): void => {
    if (!isObject(status)) return;
    for (const vertex of listOf(status['vertexes'])) {
      const known = stepOf(typeof vertex['digest'] === 'string' ? vertex['digest'] : '');
      const name = typeof vertex['name'] === 'string' ? vertex['name'] : '';
      // A step is announced once, at the first update that names it.
      if (known.name === '' && name !== '') {
        known.name = name;
        lines.push(`#${known.index} ${name}`);
      }
      if (vertex['cached'] === true && !known.cached) {
        known.cached = true;
        lines.push(`#${known.index} CACHED`);
      }
      const error = vertex['error'];
      if (typeof error === 'string' && error !== '' && !known.failed) {
        known.failed = true;
        // The plain printer's rule: a step a failure elsewhere cancelled is no error of its own.
        if (error.endsWith('context canceled')) lines.push(`#${known.index} CANCELED`);
        else {
          const [first = '', ...rest] = error.split('\n');
          lines.push(`#${known.index} ERROR: ${first}`);
          for (const more of rest) if (more.trim() !== '') lines.push(`#${known.index} ${more}`);
        }
      }
    }
    for (const log of listOf(status['logs'])) {
      const digest = typeof log['vertex'] === 'string' ? log['vertex'] : '';
      const data = typeof log['data'] === 'string' ? Buffer.from(log['data'], 'base64') : undefined;
      if (!data) continue;
      for (const output of data.toString('utf8').split('\n')) {
        if (output.trim() !== '') lines.push(`#${stepOf(digest).index} ${output.trimEnd()}`);
      }
    }
  };
  let block: string[] | undefined;
  for (const line of stderr.split(/\r?\n/)) {
    if (block === undefined) {
      if (line === '{') block = [line];
      else if (line.startsWith('{') && line.endsWith('}')) {
        const status = parseJson(line);
        if (status === undefined) lines.push(line);
        else readStatus(status);
      } else if (line.trim() !== '') lines.push(line);
      continue;
    }
    block.push(line);
    if (line !== '}') continue;
    const text = block.join('\n');
    block = undefined;
    const status = parseJson(text);
    if (status === undefined) lines.push(...text.split('\n'));
    else readStatus(status);
  }
  // One step can show up under two digests (BuildKit re-solves a vertex that a concurrent build
  // of the same content also asked for): a step is its name, cached when any digest of it was.
  const cachedByName = new Map<string, boolean>();
  for (const step of steps.values()) {
    if (!STEP_NAME.test(step.name)) continue;
    cachedByName.set(step.name, (cachedByName.get(step.name) ?? false) || step.cached);
  }
  return {
    lines,
    steps: {
      total: cachedByName.size,
      cached: [...cachedByName.values()].filter(Boolean).length,
    },
  };
}

/**
 * Counts the steps in the engine's BuildKit log as dockerode decodes it: `[<digest>] <name>`
 * when a step starts, `CACHED: <name>` when it was taken from the cache.
 */
export function countEngineSteps(lines: readonly string[]): StepCount {
  const all = new Set<string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const isCached = line.startsWith('CACHED: ');
    const name = isCached ? line.slice('CACHED: '.length) : line.replace(/^\[[0-9a-z:]+\] /, '');
    if (!STEP_NAME.test(name)) continue;
    all.add(name);
    if (isCached) cached.add(name);
  }
  return { total: all.size, cached: cached.size };
}

/** `--progress=plain` prints `#n [1/2] COPY …` and `#n CACHED` lines. */
export function countPlainSteps(lines: readonly string[]): StepCount {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const step = /^#(\d+) (\[.*)$/.exec(line);
    if (step?.[2] && !STEP_NAME.test(step[2])) continue;
    if (step?.[1] && step[2]) names.set(step[1], step[2]);
    const hit = /^#(\d+) CACHED$/.exec(line);
    if (hit?.[1]) cached.add(hit[1]);
  }
  return { total: names.size, cached: [...cached].filter((id) => names.has(id)).length };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function listOf(value: unknown): Readonly<Record<string, unknown>>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}
