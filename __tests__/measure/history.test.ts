import { describe, expect, test } from 'vitest';
import {
  diffIdsOf,
  layerInstructions,
  normaliseInstruction,
  platformOf,
} from '../../src/measure/history.js';

describe('normaliseInstruction', () => {
  test.each([
    // BuildKit
    ['RUN /bin/sh -c x # buildkit', 'RUN x'],
    [
      'RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit',
      'RUN apt-get update && apt-get install -y curl',
    ],
    ['RUN |2 A=1 B=2 /bin/sh -c make # buildkit', 'RUN make'],
    ['RUN |1 EMPTY= /bin/sh -c make all # buildkit', 'RUN make all'],
    ['RUN |1 URL=https://x.test/?a=b /bin/sh -c curl "$URL" # buildkit', 'RUN curl "$URL"'],
    ['RUN /bin/bash -c set -o pipefail && make # buildkit', 'RUN set -o pipefail && make'],
    ['RUN |1 A=1 /bin/bash -c make # buildkit', 'RUN make'],
    ['COPY app/ /app/ # buildkit', 'COPY app/ /app/'],
    [
      'COPY --from=builder /out/result.bin /result.bin # buildkit',
      'COPY --from=builder /out/result.bin /result.bin',
    ],
    ['ADD https://example.test/x.tgz /x.tgz # buildkit', 'ADD https://example.test/x.tgz /x.tgz'],
    ['WORKDIR /app', 'WORKDIR /app'],
    ['ENV EMPTY=layer', 'ENV EMPTY=layer'],
    ['CMD ["x"]', 'CMD ["x"]'],
    ['ENTRYPOINT ["/usr/bin/app", "--serve"]', 'ENTRYPOINT ["/usr/bin/app", "--serve"]'],
    // Classic builder
    ['/bin/sh -c #(nop)  COPY file:abc in /app ', 'COPY file:abc in /app'],
    ['/bin/sh -c #(nop) ADD file:ab12cd in / ', 'ADD file:ab12cd in /'],
    ['/bin/sh -c #(nop)  CMD ["x"]', 'CMD ["x"]'],
    ['/bin/sh -c #(nop)  WORKDIR /app', 'WORKDIR /app'],
    ['/bin/sh -c apt-get update', 'RUN apt-get update'],
    ['/bin/sh -c pip install x', 'RUN pip install x'],
    ['|2 A=1 B=2 /bin/sh -c make', 'RUN make'],
    ['/bin/bash -c #(nop)  ENV A=1', 'ENV A=1'],
    ['/bin/bash -c apt-get update', 'RUN apt-get update'],
    // Whitespace is collapsed so multi-line RUNs compare equal.
    ['RUN /bin/sh -c set -e;   \\\n    make   # buildkit', 'RUN set -e; \\ make'],
    ['  WORKDIR   /app  ', 'WORKDIR /app'],
  ])('%j → %j', (createdBy, instruction) => {
    expect(normaliseInstruction(createdBy)).toBe(instruction);
  });

  test('the same step reads the same from BuildKit and from the classic builder', () => {
    expect(normaliseInstruction('RUN /bin/sh -c make # buildkit')).toBe(
      normaliseInstruction('/bin/sh -c make'),
    );
    expect(normaliseInstruction('RUN |1 V=2 /bin/sh -c make # buildkit')).toBe(
      normaliseInstruction('|1 V=3 /bin/sh -c make'),
    );
  });

  test('"# buildkit" inside the command is kept; only the suffix is dropped', () => {
    expect(normaliseInstruction('RUN /bin/sh -c echo "# buildkit" > f # buildkit')).toBe(
      'RUN echo "# buildkit" > f',
    );
  });

  // BuildKit joins build args unquoted (`runCommandString` in dockerfile2llb), so a value with a
  // space reads `|1 OPTS=--a --b /bin/sh -c …`. The step should still read `RUN pip install`.
  test('a build-arg value containing a space is stripped too', () => {
    expect(
      normaliseInstruction(
        'RUN |1 PIP_OPTS=--no-cache-dir --upgrade /bin/sh -c pip install x # buildkit',
      ),
    ).toBe('RUN pip install x');
  });
});

describe('layerInstructions', () => {
  test('history entries marked empty_layer are skipped so the rest line up with the layers', () => {
    const config = {
      history: [
        { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
        { created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
        { created_by: 'WORKDIR /app', empty_layer: true },
        { created_by: 'RUN |1 V=1 /bin/sh -c make # buildkit' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'COPY app/ /app/ # buildkit' },
        { created_by: 'CMD ["x"]', empty_layer: true },
      ],
    };
    expect(layerInstructions(config, 3)).toEqual([
      'ADD file:abc in /',
      'RUN make',
      'COPY app/ /app/',
    ]);
  });

  test('empty_layer: false counts as a layer', () => {
    const config = {
      history: [
        { created_by: 'COPY a /a # buildkit', empty_layer: false },
        { created_by: 'COPY b /b # buildkit' },
      ],
    };
    expect(layerInstructions(config, 2)).toEqual(['COPY a /a', 'COPY b /b']);
  });

  test.each([
    ['more history than layers', 1],
    ['fewer history entries than layers', 4],
  ])('%s: every layer gets a neutral label instead of a wrong instruction', (_what, count) => {
    const config = {
      history: [
        { created_by: 'COPY a /a # buildkit' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'COPY b /b # buildkit' },
      ],
    };
    expect(layerInstructions(config, count)).toEqual(
      Array.from({ length: count }, (_, index) => `layer ${index + 1} (no history)`),
    );
  });

  test.each([
    ['no history key', {}],
    ['a history that is not an array', { history: 'nope' }],
    ['an empty history', { history: [] }],
  ])('%s: layers are labelled as having no history', (_what, config) => {
    expect(layerInstructions(config, 2)).toEqual(['layer 1 (no history)', 'layer 2 (no history)']);
  });

  test('no layers and no history: no labels', () => {
    expect(layerInstructions({}, 0)).toEqual([]);
  });

  test('a history entry without created_by is labelled, the others still read', () => {
    const config = {
      history: [
        { created_by: 'COPY a /a # buildkit' },
        { comment: 'imported' },
        { created_by: '   ' },
        { created_by: 42 },
      ],
    };
    expect(layerInstructions(config, 4)).toEqual([
      'COPY a /a',
      'layer 2 (no instruction recorded)',
      'layer 3 (no instruction recorded)',
      'layer 4 (no instruction recorded)',
    ]);
  });
});

describe('platformOf', () => {
  test.each([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    [{ os: 'windows', architecture: 'amd64' }, 'windows/amd64'],
    [{ architecture: 'amd64' }, 'unknown/amd64'],
    [{ os: 'linux' }, 'linux/unknown'],
    [{}, 'unknown/unknown'],
    [{ os: 1, architecture: null, variant: 7 }, 'unknown/unknown'],
  ])('%j → %s', (config, platform) => {
    expect(platformOf(config)).toBe(platform);
  });
});

describe('diffIdsOf', () => {
  const ids = [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`];
  test.each([
    [{ rootfs: { type: 'layers', diff_ids: ids } }, ids],
    [{ rootfs: { type: 'layers', diff_ids: [] } }, []],
    [{}, undefined],
    [{ rootfs: 'layers' }, undefined],
    [{ rootfs: { type: 'layers' } }, undefined],
    [{ rootfs: { diff_ids: [ids[0], 7] } }, undefined],
  ])('%j → %j', (config, expected) => {
    expect(diffIdsOf(config)).toEqual(expected);
  });
});
