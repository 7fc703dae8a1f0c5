/** Small text helpers every stage uses, written once. */

/**
 * Code-unit order: the same on every machine, unlike localeCompare, so sorted names, argv and
 * reports never depend on the runner's locale.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `1 layer`, `3 layers`: the count and the noun. */
export function countOf(count: number, noun: string): string {
  return `${count} ${plural(count, noun)}`;
}

/** The noun alone, plural unless the count is 1. */
export function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}
