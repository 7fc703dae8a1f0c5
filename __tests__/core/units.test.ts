import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatIncrease,
  formatPercentChange,
  formatSignedBytes,
  parseIncrease,
  parseSize,
} from '../../src/core/units.js';

describe('parseSize', () => {
  it.each([
    ['500MB', 500e6],
    ['500 MB', 500e6],
    ['500mb', 500e6],
    ['1.5GB', 1.5e9],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['300 MiB', 300 * 1024 ** 2],
    ['10kB', 10_000],
    ['10KB', 10_000],
    ['2KiB', 2048],
    ['1TB', 1e12],
    ['1TiB', 1024 ** 4],
    ['1024', 1024],
    ['1024B', 1024],
    [' 7 MB ', 7e6],
    ['0', 0],
    [1024, 1024],
    [0, 0],
  ] as const)('parses %j as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    '10 MBs',
    '-5%',
    '-1',
    'abc',
    '',
    'MB',
    '1.5.2MB',
    '.5GB',
    '10 M',
    '5 PB',
    '1e3',
    '99999999999999TB',
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('parseIncrease', () => {
  it.each([
    ['10%', { kind: 'percent', percent: 10 }],
    ['2.5 %', { kind: 'percent', percent: 2.5 }],
    ['0%', { kind: 'percent', percent: 0 }],
    ['25MB', { kind: 'bytes', bytes: 25e6 }],
    ['1MiB', { kind: 'bytes', bytes: 1024 ** 2 }],
    ['4096B', { kind: 'bytes', bytes: 4096 }],
  ] as const)('parses %j', (text, increase) => {
    expect(parseIncrease(text)).toEqual(increase);
  });

  // A bare number could mean a percentage or bytes: it is refused rather than guessed.
  it.each(['-5%', '%', '10 %%', 'ten%', '10 MBs', '-1', 'abc', -3, 10, '10', '4096'])(
    'rejects %j',
    (text) => {
      expect(parseIncrease(text)).toBeUndefined();
    },
  );
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1234, '1.23 kB'],
    [999_499, '999 kB'],
    [999_600, '1 MB'],
    [10_500_000, '10.5 MB'],
    [100_000_000, '100 MB'],
    [183_500_800, '184 MB'],
    [1_370_000_000, '1.37 GB'],
    [2e12, '2 TB'],
    [-183_500_800, '-184 MB'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatSignedBytes', () => {
  it.each([
    [0, '±0 B'],
    [12_300_000, '+12.3 MB'],
    [-512, '−512 B'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatSignedBytes(bytes)).toBe(text);
  });
});

describe('formatPercentChange', () => {
  it.each([
    [5, 100, '+5.0%'],
    [-3, 100, '−3.0%'],
    [25, 100, '+25%'],
    [0, 100, '±0%'],
    [1, 100_000, '+<0.1%'],
    [-1, 100_000, '−<0.1%'],
  ])('formats %d of %d as %s', (change, base, text) => {
    expect(formatPercentChange(change, base)).toBe(text);
  });

  it('has no percentage without a base', () => {
    expect(formatPercentChange(10, 0)).toBeUndefined();
  });
});

describe('formatIncrease', () => {
  it('formats percentages and sizes', () => {
    expect(formatIncrease({ kind: 'percent', percent: 10 })).toBe('10%');
    expect(formatIncrease({ kind: 'bytes', bytes: 25e6 })).toBe('25 MB');
  });
});
