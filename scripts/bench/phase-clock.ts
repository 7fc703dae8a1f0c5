/**
 * Milliseconds spent in named functions, for `bench.mjs --phases`: its bundle routes some of the
 * deep analysis's imports through `timed` (see `phasesPlugin` in bench.mjs); the plain bundle
 * never calls it, so `phaseTimings()` is then undefined. Nothing in src/ knows of this.
 */
const totals = new Map<string, { ms: number; calls: number }>();

function add(name: string, ms: number): void {
  const total = totals.get(name) ?? { ms: 0, calls: 0 };
  total.ms += ms;
  total.calls += 1;
  totals.set(name, total);
}

/** `fn`, timed under `name` on every call. */
export function timed<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R,
): (...args: A) => R {
  return (...args: A): R => {
    const start = performance.now();
    try {
      return fn(...args);
    } finally {
      add(name, performance.now() - start);
    }
  };
}

/** A factory whose product (a function) is timed too: `createPathResolver` and its resolver. */
export function timedFactory<A extends unknown[], B extends unknown[], R>(
  name: string,
  factory: (...args: A) => (...inner: B) => R,
): (...args: A) => (...inner: B) => R {
  return timed(name, (...args: A) => timed(`${name} → calls`, factory(...args)));
}

/** name → { ms, calls }, or undefined when nothing was timed. */
export function phaseTimings(): Record<string, number> | undefined {
  if (totals.size === 0) return undefined;
  const result: Record<string, number> = {};
  for (const [name, { ms, calls }] of totals) {
    result[name] = ms;
    result[`${name} #`] = calls;
  }
  return result;
}
