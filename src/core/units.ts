import type { Increase } from './model.js';

const UNIT_FACTORS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses `500MB`, `1.5GB`, `300 MiB`, `1024` (bytes). Decimal units are the ones `docker images`
 * prints; binary units are explicit. Returns undefined for anything else, so the caller can name
 * the file and key in its error.
 */
export const SIZE_PROBLEM =
  'must be a size such as 500MB, 1.5GB, 300MiB or a number of bytes, at most 1 PB';

export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') {
    return Number.isSafeInteger(text) && text >= 0 && text <= MAX_SIZE_BYTES ? text : undefined;
  }
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, amount = '', unit = ''] = match;
  const factor = unit === '' ? 1 : UNIT_FACTORS[unit.toLowerCase()];
  if (factor === undefined) return undefined;
  // Unit letters are case-insensitive except that `mb` and `Mb` would read as bits elsewhere;
  // we accept them as bytes because no image size is ever given in bits.
  const bytes = Math.round(Number(amount) * factor);
  return Number.isSafeInteger(bytes) && bytes <= MAX_SIZE_BYTES ? bytes : undefined;
}

/**
 * No image is a petabyte, and no sane limit allows growth of 10,000%: past these a value is a
 * typo (or 400 nines that would read as Infinity and switch the limit off), refused by name.
 */
export const MAX_SIZE_BYTES = 1e15;
export const MAX_PERCENT = 10_000;

/**
 * Parses `10%`, `2.5%` or a size with a unit (`25MB`). A bare number is refused: `10` could mean
 * 10% or 10 bytes, and guessing wrong would silently loosen or tighten a gate.
 */
export const INCREASE_PROBLEM =
  'must be a percentage such as 10% (at most 10000%) or a size such as 25MB (at most 1 PB)';

export function parseIncrease(text: string | number): Increase | undefined {
  if (typeof text === 'number') return undefined;
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
  if (percent) {
    const value = Number(percent[1]);
    return value <= MAX_PERCENT ? { kind: 'percent', percent: value } : undefined;
  }
  if (/^\d+(?:\.\d+)?$/.test(text.trim())) return undefined;
  const bytes = parseSize(text);
  return bytes === undefined ? undefined : { kind: 'bytes', bytes };
}

/** `true` or `false` (any case); undefined for anything else (`yes`, `1`, `maybe`). */
export function parseBoolean(value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

const PERCENT_PATTERN = /^(\d+(?:\.\d+)?)\s*%$/;
const FRACTION_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Parses an efficiency: a percentage from 0% to 100% (`90%`) or a fraction from 0 to 1 (`0.9`),
 * into a fraction. Returns undefined for anything else, so the caller can name the key.
 */
export function parseEfficiency(value: string | number | boolean): number | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  }
  const text = value.trim();
  const percent = PERCENT_PATTERN.exec(text);
  if (percent) {
    const amount = Number(percent[1]);
    // toPrecision drops float noise: 99.9 / 100 is 0.9990000000000001.
    return amount <= 100 ? Number((amount / 100).toPrecision(15)) : undefined;
  }
  if (!FRACTION_PATTERN.test(text)) return undefined;
  const fraction = Number(text);
  return fraction <= 1 ? fraction : undefined;
}

/** Why `value` is not an efficiency, with a hint when a bare number reads like a percentage. */
export function efficiencyProblem(value: unknown): string {
  const problem = 'must be a percentage from 0% to 100% (90%) or a fraction from 0 to 1 (0.9)';
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  const number = FRACTION_PATTERN.test(text) ? Number(text) : Number.NaN;
  return number > 1 && number <= 100 ? `${problem}; did you mean ${text}%?` : problem;
}

export const LAYER_COUNT_PROBLEM = 'must be a whole number of layers, 1 or more';

/** A positive whole number (`12`); undefined for anything else. */
export function parseLayerCount(value: string | number | boolean): number | undefined {
  if (typeof value === 'boolean') return undefined;
  const count = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : 0;
  return Number.isSafeInteger(count) && count >= 1 ? count : undefined;
}

export const BOOLEAN_PROBLEM = 'must be true or false';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/**
 * Formats bytes as `docker images` does (decimal units, three significant digits), with a space:
 * 183500800 → "184 MB", 1370000000 → "1.37 GB", 512 → "512 B".
 */
export function formatBytes(bytes: number): string {
  const negative = bytes < 0;
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 ? String(value) : trimNumber(value.toPrecision(3));
  // toPrecision can round 999.6 up to "1.00e+3"; move to the next unit instead.
  if (digits.includes('e') && unit < DECIMAL_UNITS.length - 1) {
    return `${negative ? '-' : ''}1 ${DECIMAL_UNITS[unit + 1] ?? ''}`;
  }
  return `${negative ? '-' : ''}${digits} ${DECIMAL_UNITS[unit] ?? ''}`;
}

/** `+12.3 MB`, `-512 B`, `±0 B`. */
export function formatSignedBytes(bytes: number): string {
  if (bytes === 0) return '±0 B';
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes).replace(/^-/, '−');
}

/** `+7.1%`, `−3.0%`; undefined when there is no base to compare against. */
export function formatPercentChange(change: number, base: number): string | undefined {
  if (base === 0) return undefined;
  const percent = (change / base) * 100;
  const text = Math.abs(percent).toFixed(Math.abs(percent) < 10 ? 1 : 0);
  if (Number(text) === 0) return change === 0 ? '±0%' : change > 0 ? '+<0.1%' : '−<0.1%';
  return `${change > 0 ? '+' : '−'}${text}%`;
}

export function formatIncrease(increase: Increase): string {
  return increase.kind === 'percent' ? `${increase.percent}%` : formatBytes(increase.bytes);
}

function trimNumber(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
