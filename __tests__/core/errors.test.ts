import { describe, expect, it } from 'vitest';
import { InputError, describeValue, printable } from '../../src/core/errors.js';

const LONG_PATH = `/home/runner/work/monorepo/monorepo/${'deeply/nested/'.repeat(8)}docker-compose.prod.yml`;

describe('echoed values are cut in the middle: the start and the end (a file name) stay', () => {
  it.each([
    // Short enough: as it is.
    ['api', '"api"'],
    ['x'.repeat(78), `"${'x'.repeat(78)}"`],
    // 80 characters kept: 40 from the start, `…`, 39 from the end (with the closing quote).
    ['a'.repeat(50) + 'b'.repeat(50), `"${'a'.repeat(39)}…${'b'.repeat(38)}"`],
    [LONG_PATH, `"${LONG_PATH.slice(0, 39)}…${LONG_PATH.slice(-38)}"`],
  ])('%j', (value, shown) => {
    const described = describeValue(value);
    expect(described).toBe(shown);
    expect(Array.from(described).length).toBeLessThanOrEqual(80);
  });

  it('keeps the file name of a long path', () => {
    expect(describeValue(LONG_PATH)).toMatch(/…[a-z/]+\/docker-compose\.prod\.yml"$/);
  });

  it('counts characters, not UTF-16 units: an emoji is never split', () => {
    const value = '🐳'.repeat(100);
    expect(describeValue(value)).toBe(`"${'🐳'.repeat(39)}…${'🐳'.repeat(38)}"`);
  });

  it.each([
    ['short.yml', 20, 'short.yml'],
    ['0123456789', 10, '0123456789'],
    ['0123456789abc', 10, '01234…9abc'],
    ['line\none', 20, 'line\\none'],
    ['\u001b[31mred', 20, '\\u001b[31mred'],
  ])('printable(%j, %d) is %j', (text, maxLength, shown) => {
    expect(printable(text, maxLength)).toBe(shown);
  });

  it('an InputError about a long file still names the file at the end of its path', () => {
    const error = new InputError(LONG_PATH, 'services.api.build', 'x', 'is wrong');
    expect(error.message).toContain('docker-compose.prod.yml: services.api.build: is wrong');
  });
});
