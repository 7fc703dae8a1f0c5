import { describe, expect, it } from 'vitest';
import {
  checkPlatformList,
  normalPlatform,
  platformMatches,
  platformOs,
  platformProblem,
  samePlatform,
} from '../../src/core/platforms.js';

// The expectations are containerd's (github.com/containerd/platforms: Parse in platforms.go,
// normalizeOS and normalizeArch in database.go), which buildx and the engine apply to
// `--platform`.

describe('which platforms are valid: containerd grammar, not a list of known names', () => {
  it.each([
    'linux/amd64',
    'linux/arm/v7',
    'linux/arm64/v8',
    'windows/amd64',
    // docker/awesome-compose's wasmedge projects.
    'wasi/wasm',
    // Syntactically a platform: whether anything builds it is the builder's business.
    'linux/amd65',
    'plan9/amd64',
    'haiku/x86_64',
    // containerd lowercases every part.
    'Linux/AMD64',
    'linux/arm64/v8.0',
    'linux/x86-64',
    // An OS version and features in parentheses, as containerd reads for Windows.
    'windows(10.0.17763)/amd64',
    'windows(10.0.17763+win32k)/amd64',
  ])('%s is a platform', (text) => {
    expect(platformProblem(text)).toBeUndefined();
  });

  it.each([
    ['', 'the operating system is missing'],
    ['/amd64', 'the operating system is missing'],
    ['linux', 'it names no architecture'],
    ['amd64', 'it names no architecture'],
    ['linux/', 'the architecture is empty'],
    ['linux//arm64', 'the architecture is empty'],
    ['linux/arm64/', 'the variant is empty'],
    ['a/b/c/d', 'it has 4 parts'],
    ['linux/arm64/v8/extra', 'it has 4 parts'],
    ['linux amd64/arm64', 'the operating system "linux amd64" may hold only'],
    ['linux/*', 'the architecture "*" may hold only letters, digits'],
    ['*/amd64', 'the operating system "*" may hold only'],
    ['linux/amd 64', 'the architecture "amd 64" may hold only'],
    ['linux/arm/v7 ', 'the variant "v7 " may hold only'],
    ['linux.x/amd64', 'the operating system "linux.x" may hold only'],
    ['windows(10.0/amd64', 'the operating system "windows(10.0" may hold only'],
  ])('%j is refused: %s', (text, problem) => {
    const found = platformProblem(text);
    expect(found).toMatch(/^is not a platform: /);
    expect(found).toContain(problem);
    expect(found).toContain('write os/architecture[/variant], e.g. linux/amd64');
  });

  it('names a long bad part clipped', () => {
    const found = platformProblem(`${'9'.repeat(400)}%/amd64`) ?? '';
    expect(found).toContain('the operating system "999');
    expect(found).toContain('…');
    expect(found.length).toBeLessThan(250);
  });
});

describe("normalPlatform: containerd's one spelling", () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v2', 'linux/amd64/v2'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.0', 'linux/arm64'],
    ['linux/arm64/9', 'linux/arm64/v9'],
    ['linux/arm64/v9', 'linux/arm64/v9'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['Linux/AMD64', 'linux/amd64'],
    ['Linux/X86_64/V1', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
    ['wasi/wasm', 'wasi/wasm'],
    ['windows(10.0.17763)/amd64', 'windows(10.0.17763)/amd64'],
    // Not a platform: left as it is.
    ['linux', 'linux'],
  ])('%s → %s', (text, normal) => {
    expect(normalPlatform(text)).toBe(normal);
  });

  it.each([
    ['linux/arm64', 'linux/aarch64', true],
    ['linux/amd64', 'LINUX/x86_64', true],
    ['linux/arm/v7', 'linux/armhf', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/amd64', 'linux/arm64', false],
    ['linux/amd64', 'windows/amd64', false],
  ])('samePlatform(%s, %s) is %s', (left, right, same) => {
    expect(samePlatform(left, right)).toBe(same);
  });

  it.each([
    ['linux/amd64', 'linux'],
    ['Linux/amd64', 'linux'],
    ['wasi/wasm', 'wasi'],
    ['windows(10.0.17763)/amd64', 'windows'],
    ['macOS/arm64', 'darwin'],
    ['linux', undefined],
  ])('the OS of %s is %s', (text, os) => {
    expect(platformOs(text)).toBe(os);
  });
});

describe("platformMatches: an image's platform against the one asked for", () => {
  it.each([
    // A config that names no variant matches any variant asked for, and the other way round.
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/arm', 'linux/arm/v6', true],
    ['linux/amd64', 'linux/x86_64', true],
    ['linux/amd64', 'Linux/AMD64', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/arm/v6', 'linux/armhf', false],
    ['linux/arm64', 'linux/amd64', false],
    ['wasi/wasm', 'wasi/wasm', true],
    ['linux/amd64', 'windows/amd64', false],
    [undefined, 'linux/amd64', false],
  ])('%s for %s: %s', (available, wanted, matches) => {
    expect(platformMatches(available, wanted)).toBe(matches);
  });
});

describe('checkPlatformList', () => {
  it.each([
    [['linux/amd64', 'linux/arm64'], undefined],
    [['wasi/wasm', 'linux/amd64'], undefined],
    [
      ['linux/amd64', 'linux/arm64', 'linux/amd64/v1'],
      { index: 2, problem: 'is listed twice (linux/amd64 is the same platform)' },
    ],
    [
      ['linux/x86_64', 'Linux/AMD64'],
      { index: 1, problem: 'is listed twice (linux/x86_64 is the same platform)' },
    ],
    [
      ['linux/armhf', 'linux/arm'],
      { index: 1, problem: 'is listed twice (linux/armhf is the same platform)' },
    ],
    [['linux/amd64', 'linux/amd64'], { index: 1, problem: 'is listed twice' }],
    [
      ['linux/amd64', 'linux//arm64'],
      {
        index: 1,
        problem: expect.stringMatching(/^is not a platform: the architecture is empty/) as unknown,
      },
    ],
  ])('%j', (list, failure) => {
    const checked = checkPlatformList(list);
    if (failure === undefined) expect(checked).toEqual({ ok: true });
    else expect(checked).toEqual({ ok: false, value: list[failure.index], ...failure });
  });
});
