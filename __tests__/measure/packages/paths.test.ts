import { describe, expect, it } from 'vitest';

import { createPathResolver, lexicalPath } from '../../../src/measure/packages/paths.js';

/** Debian bookworm's merged-/usr links, stored as the image has them (relative targets). */
const MERGED_USR = new Map([
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib', 'usr/lib'],
  ['lib64', 'usr/lib64'],
]);

describe('createPathResolver', () => {
  const resolve = createPathResolver(MERGED_USR);

  it.each([
    ['/bin/bash', 'usr/bin/bash'],
    ['/lib/x86_64-linux-gnu/libc.so.6', 'usr/lib/x86_64-linux-gnu/libc.so.6'],
    ['/lib64/ld-linux-x86-64.so.2', 'usr/lib64/ld-linux-x86-64.so.2'],
    ['/usr/bin/bash', 'usr/bin/bash'],
    ['etc/passwd', 'etc/passwd'],
    ['passwd', 'passwd'],
    // A listed symlink is the symlink itself: its last segment is never followed.
    ['/bin', 'bin'],
  ])('resolves %s to %s', (path, expected) => {
    expect(resolve(path)).toBe(expected);
  });

  it('follows absolute, chained and nested relative targets', () => {
    const chained = createPathResolver(
      new Map([
        ['lib64', 'lib'],
        ['lib', '/usr/lib'],
        ['usr/lib/python3', 'python3.12'],
        ['opt/app/current', '../releases/7'],
      ]),
    );
    expect(chained('/lib64/ld.so')).toBe('usr/lib/ld.so');
    expect(chained('/lib/python3/site.py')).toBe('usr/lib/python3.12/site.py');
    expect(chained('opt/app/current/run')).toBe('opt/releases/7/run');
  });

  it('walks `..` physically, from where a symlinked folder really is', () => {
    const venv = createPathResolver(new Map([['opt/venv/lib64', 'lib'], ...MERGED_USR]));
    expect(venv('opt/venv/lib64/python3.12/site-packages/../../../bin/tool')).toBe(
      'opt/venv/bin/tool',
    );
    // `lib` → `usr/lib`, so three folders up from site-packages is `usr`, not the root.
    expect(venv('lib/python3/dist-packages/../../../bin/x')).toBe('usr/bin/x');
    expect(venv('../../etc/x')).toBe('etc/x');
  });

  it('gives up on a symlink loop and keeps the path as written, tidied', () => {
    const loop = createPathResolver(
      new Map([
        ['a', 'b'],
        ['b', 'a'],
      ]),
    );
    expect(loop('/a/file')).toBe('a/file');
    expect(loop('a/x/../file')).toBe('a/file');
  });

  it('only tidies without symlinks', () => {
    expect(createPathResolver(new Map())('/usr//bin/./x')).toBe('usr/bin/x');
  });
});

describe('lexicalPath', () => {
  it('applies `.`, `..` and empty segments as text, never above the root', () => {
    expect(lexicalPath('/a/./b/../c//d')).toBe('a/c/d');
    expect(lexicalPath('../../x')).toBe('x');
  });
});
