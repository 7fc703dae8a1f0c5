import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { imageTag } from '../../src/build/build.js';
import { readEngineEvent } from '../../src/build/engine-progress.js';

const IMAGE_ID = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('readEngineEvent', () => {
  test.each([
    // Errors: errorDetail.message wins over the older `error` string.
    [
      { errorDetail: { message: 'failed to solve: exit code 1' }, error: 'older text' },
      { line: 'ERROR: failed to solve: exit code 1', error: 'failed to solve: exit code 1' },
    ],
    [
      { errorDetail: { message: 'only detail' } },
      { line: 'ERROR: only detail', error: 'only detail' },
    ],
    [{ error: 'only the string' }, { line: 'ERROR: only the string', error: 'only the string' }],
    [
      { errorDetail: { code: 1 }, error: 'fallback' },
      { line: 'ERROR: fallback', error: 'fallback' },
    ],
    [
      { errorDetail: 'not an object', error: 'fallback' },
      { line: 'ERROR: fallback', error: 'fallback' },
    ],
    [{ error: '' }, { line: 'ERROR: ', error: '' }],
    // An error wins over everything else in the same event.
    [
      { error: 'boom', aux: { ID: IMAGE_ID }, stream: `Built image: ${IMAGE_ID}\n` },
      { line: 'ERROR: boom', error: 'boom' },
    ],
    // The image ID.
    [{ aux: { ID: IMAGE_ID } }, { imageId: IMAGE_ID }],
    [{ aux: { ID: 42 } }, {}],
    [{ aux: 'moby.image.id' }, {}],
    [{ aux: { ID: 42 }, stream: 'Step 2/2\n' }, { line: 'Step 2/2' }],
    // Log lines: one trailing newline is dropped.
    [{ stream: 'Step 1/3 : FROM scratch\n' }, { line: 'Step 1/3 : FROM scratch' }],
    [{ stream: ' ---> Running in abc\n\n' }, { line: ' ---> Running in abc\n' }],
    [{ stream: 'no newline' }, { line: 'no newline' }],
    [{ stream: '' }, { line: '' }],
    [{ stream: 7 }, {}],
    [
      { stream: `Built image: ${IMAGE_ID}\n` },
      { line: `Built image: ${IMAGE_ID}`, imageId: IMAGE_ID },
    ],
    [
      { stream: `Built image: ${IMAGE_ID}  ` },
      { line: `Built image: ${IMAGE_ID}  `, imageId: IMAGE_ID },
    ],
    [{ stream: 'Built image: sha256:abc123\n' }, { line: 'Built image: sha256:abc123' }],
    [
      { stream: `Built image: ${IMAGE_ID.toUpperCase()}\n` },
      { line: `Built image: ${IMAGE_ID.toUpperCase()}` },
    ],
    [{ stream: `Successfully built: ${IMAGE_ID}\n` }, { line: `Successfully built: ${IMAGE_ID}` }],
    [{ stream: `#5 Built image: ${IMAGE_ID}\n` }, { line: `#5 Built image: ${IMAGE_ID}` }],
    // Events with nothing to read.
    [{ status: 'Downloading', progressDetail: { current: 1, total: 2 } }, {}],
    [{}, {}],
  ])('%j → %j', (event, expected) => {
    expect(readEngineEvent(event)).toStrictEqual(expected);
  });

  test.each([null, undefined, 'Step 1/2\n', 42, true, ['stream'], [{ error: 'x' }]])(
    'a non-object event (%j) reads as nothing',
    (event) => {
      expect(readEngineEvent(event)).toStrictEqual({});
    },
  );
});

/** Docker's reference grammar for a repository path plus tag (distribution/reference). */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const VALID_REFERENCE = new RegExp(
  `^${COMPONENT}(?:/${COMPONENT})*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`,
);

function hashSuffix(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 8);
}

describe('imageTag', () => {
  test.each(['web', 'api', 'worker-1', 'a', '0', 'my-long-service-name'])(
    'a name that is already a valid lowercase tag (%j) is used as it is',
    (name) => {
      expect(imageTag(name)).toBe(`image-size-gate/${name}:latest`);
    },
  );

  test.each([
    ['Web', 'web'],
    ['API', 'api'],
    ['my_app', 'my-app'],
    ['my.app.v2', 'my-app-v2'],
    ['a__b--c', 'a-b-c'],
    ['web-', 'web'],
    ['Web_Frontend.Prod', 'web-frontend-prod'],
    ['café', 'caf'],
    ['svc/with/slashes', 'svc-with-slashes'],
  ])('%j is lowercased and cleaned to %j, with a hash suffix', (name, cleaned) => {
    expect(imageTag(name)).toBe(`image-size-gate/${cleaned}-${hashSuffix(name)}:latest`);
  });

  test.each(['', '---', '___', '日本'])(
    '%j, with nothing left, becomes "service" plus a hash',
    (name) => {
      expect(imageTag(name)).toBe(`image-size-gate/service-${hashSuffix(name)}:latest`);
    },
  );

  test.each([
    'web',
    'Web',
    'my_app',
    'my.app',
    'MY-APP',
    'a__b--c',
    '-x-',
    '',
    'café',
    'x'.repeat(100),
  ])('the tag for %j is a valid image reference', (name) => {
    expect(imageTag(name)).toMatch(VALID_REFERENCE);
  });

  test('names differing only in case get different tags', () => {
    const tags = ['web', 'Web', 'WEB', 'wEb'].map((name) => imageTag(name));
    expect(new Set(tags).size).toBe(4);
  });

  test('names that clean to the same text get different tags', () => {
    const tags = ['my-app', 'my_app', 'my.app', 'My-App', 'my--app'].map((name) => imageTag(name));
    expect(new Set(tags).size).toBe(5);
  });

  test('the same name always gets the same tag', () => {
    expect(imageTag('My_App')).toBe(imageTag('My_App'));
  });
});
