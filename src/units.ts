import type { Increase } from './services/types.js';

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
