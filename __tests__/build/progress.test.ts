import { describe, expect, test } from 'vitest';
import {
  countEngineSteps,
  countPlainSteps,
  readRawJsonProgress,
} from '../../src/build/progress.js';

/** `--progress=rawjson` prints each SolveStatus indented, top-level braces in column 0. */
function rawjson(...statuses: readonly unknown[]): string {
  return statuses.map((status) => JSON.stringify(status, null, 2)).join('\n');
}

const DEFINITION = {
  digest: 'sha256:d0',
  name: '[internal] load build definition from Dockerfile',
};
const COPY = { digest: 'sha256:c1', name: '[1/3] COPY bin/ /usr/local/bin/' };
const RUN = { digest: 'sha256:r2', name: '[build 2/3] RUN make' };
const FINAL = { digest: 'sha256:f3', name: '[stage-1 3/3] COPY --from=build /out /out' };

describe('readRawJsonProgress', () => {
  test('counts Dockerfile steps only, cached when any update says so', () => {
    const output = rawjson(
      { vertexes: [DEFINITION] },
      { vertexes: [{ ...DEFINITION, cached: true, completed: 'x' }] },
      { vertexes: [COPY, RUN, FINAL] },
      { vertexes: [{ ...COPY, cached: true }] },
      { vertexes: [{ ...RUN, started: 'x' }] },
      { vertexes: [{ ...RUN, started: 'x', completed: 'y' }] },
      { vertexes: [{ ...FINAL, cached: true, completed: 'y' }] },
    );
    expect(readRawJsonProgress(output).steps).toEqual({ total: 3, cached: 2 });
  });

  test('buildx 0.29 prints one compact object a line: read the same', () => {
    const statuses = [
      { vertexes: [DEFINITION] },
      { vertexes: [COPY, RUN, FINAL] },
      { vertexes: [{ ...COPY, cached: true }] },
      { vertexes: [{ ...FINAL, cached: true, completed: 'y' }] },
    ];
    const compact = [...statuses.map((status) => JSON.stringify(status)), 'ERROR: boom'].join('\n');
    const progress = readRawJsonProgress(compact);
    expect(progress.steps).toEqual({ total: 3, cached: 2 });
    expect(progress.lines).toContain('#2 [1/3] COPY bin/ /usr/local/bin/');
    expect(progress.lines.at(-1)).toBe('ERROR: boom');
    expect(readRawJsonProgress(rawjson(...statuses)).steps).toEqual(progress.steps);
  });

  test('one step under two digests counts once, cached when either was', () => {
    const again = { ...COPY, digest: 'sha256:c1-again' };
    const output = rawjson(
      { vertexes: [COPY, RUN] },
      { vertexes: [again] },
      { vertexes: [{ ...again, cached: true }] },
    );
    expect(readRawJsonProgress(output).steps).toEqual({ total: 2, cached: 1 });
  });

  test('step output, errors and buildx’s plain closing lines become readable log lines', () => {
    const output = [
      rawjson(
        { vertexes: [RUN] },
        {
          logs: [
            {
              vertex: RUN.digest,
              stream: 1,
              data: Buffer.from('compiling\nlinking\n').toString('base64'),
            },
          ],
        },
        {
          vertexes: [
            { ...RUN, error: 'process "make" did not complete successfully: exit code: 2' },
          ],
        },
      ),
      'Dockerfile:2',
      'ERROR: failed to solve: process "make" did not complete successfully: exit code: 2',
    ].join('\n');
    const progress = readRawJsonProgress(output);
    expect(progress.lines).toEqual([
      '#1 [build 2/3] RUN make',
      '#1 compiling',
      '#1 linking',
      '#1 ERROR: process "make" did not complete successfully: exit code: 2',
      'Dockerfile:2',
      'ERROR: failed to solve: process "make" did not complete successfully: exit code: 2',
    ]);
    expect(progress.steps).toEqual({ total: 1, cached: 0 });
  });

  test('a block that is not JSON is kept as text, not lost', () => {
    const progress = readRawJsonProgress('{\n  not json\n}\nafter');
    expect(progress.lines).toEqual(['{', '  not json', '}', 'after']);
    expect(progress.steps).toEqual({ total: 0, cached: 0 });
  });
});

describe('step counts from the other progress formats', () => {
  test('dockerode’s decoding of the engine’s BuildKit trace', () => {
    const lines = [
      '[sha256:5dd19] [internal] load build definition from Dockerfile',
      'CACHED: [1/2] COPY bin/ /usr/local/bin/',
      '[sha256:aa247] [2/2] RUN make',
      '[sha256:aa247] [2/2] RUN make',
      '[sha256:e8c61] exporting to image',
      // A FROM builds nothing: not a step, cached or not.
      '[sha256:0f0f0] [build 1/3] FROM docker.io/library/debian:bookworm',
    ];
    expect(countEngineSteps(lines)).toEqual({ total: 2, cached: 1 });
  });

  test('buildx --progress=plain', () => {
    const lines = [
      '#1 [internal] load build definition from Dockerfile',
      '#5 [1/2] COPY a /a',
      '#5 CACHED',
      '#6 [2/2] RUN b',
      '#6 DONE 0.3s',
    ];
    expect(countPlainSteps(lines)).toEqual({ total: 2, cached: 1 });
  });
});
