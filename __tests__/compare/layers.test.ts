import { comparableInstruction } from '../../src/dockerfile.js';
import type { LayerChangeKind } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';

import { diffLayers } from '../../src/compare/layers.js';
import type { LayerMeasurement } from '../../src/measure/types.js';

const MB = 1_000_000;
const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789abcdef'.repeat(4);

/** `[instruction, size in MB, diffId?, base?]`; the diffId defaults to one per instruction+size. */
type Spec = readonly [string, number, string?, boolean?];

function layers(specs: readonly Spec[]): LayerMeasurement[] {
  return specs.map(([instruction, size, diffId, base]) => ({
    diffId: diffId ?? `sha256:${instruction}:${size}`,
    size: size * MB,
    instruction,
    base: base ?? false,
  }));
}

type Row = readonly [LayerChangeKind, string, number | undefined, number | undefined];

interface Case {
  readonly title: string;
  readonly baseline: readonly Spec[];
  readonly current: readonly Spec[];
  /** kind, instruction, baseline MB, current MB. */
  readonly expected: readonly Row[];
}

const FROM: Spec = ['FROM debian:bookworm-slim', 75, 'sha256:debian', true];

const cases: Case[] = [
  {
    title: 'identical images: every layer unchanged',
    baseline: [FROM, ['RUN apt-get update', 20], ['COPY . /app', 5]],
    current: [FROM, ['RUN apt-get update', 20], ['COPY . /app', 5]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'RUN apt-get update', 20, 20],
      ['unchanged', 'COPY . /app', 5, 5],
    ],
  },
  {
    title: 'one layer inserted in the middle: one added row, later layers still match',
    baseline: [FROM, ['RUN apt-get update', 20], ['COPY . /app', 5], ['RUN make', 10]],
    current: [
      FROM,
      ['RUN apt-get update', 20],
      ['RUN apt-get install -y curl', 12],
      ['COPY . /app', 5, 'sha256:rebuilt-copy'],
      ['RUN make', 11],
    ],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'RUN apt-get update', 20, 20],
      ['added', 'RUN apt-get install -y curl', undefined, 12],
      ['unchanged', 'COPY . /app', 5, 5],
      ['grown', 'RUN make', 10, 11],
    ],
  },
  {
    title: 'a layer removed: one removed row where it was',
    baseline: [FROM, ['RUN apt-get update', 20], ['RUN pip install x', 30], ['COPY . /app', 5]],
    current: [FROM, ['RUN apt-get update', 20], ['COPY . /app', 4]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'RUN apt-get update', 20, 20],
      ['removed', 'RUN pip install x', 30, undefined],
      ['shrunk', 'COPY . /app', 5, 4],
    ],
  },
  {
    title: 'duplicate instructions match in order',
    baseline: [FROM, ['RUN apt-get update', 20], ['RUN make', 10], ['RUN apt-get update', 3]],
    current: [FROM, ['RUN apt-get update', 21], ['RUN make', 10], ['RUN apt-get update', 2]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['grown', 'RUN apt-get update', 20, 21],
      ['unchanged', 'RUN make', 10, 10],
      ['shrunk', 'RUN apt-get update', 3, 2],
    ],
  },
  {
    title: 'a duplicate instruction added at the end is the added one',
    baseline: [FROM, ['RUN apt-get update', 20], ['RUN make', 10]],
    current: [FROM, ['RUN apt-get update', 20], ['RUN make', 10], ['RUN apt-get update', 1]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'RUN apt-get update', 20, 20],
      ['unchanged', 'RUN make', 10, 10],
      ['added', 'RUN apt-get update', undefined, 1],
    ],
  },
  {
    title: 'reordered steps keep their identity, in image order',
    baseline: [FROM, ['RUN a', 1], ['RUN b', 2], ['RUN c', 3]],
    current: [FROM, ['RUN a', 1], ['RUN c', 3], ['RUN b', 4]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'RUN a', 1, 1],
      ['unchanged', 'RUN c', 3, 3],
      ['grown', 'RUN b', 2, 4],
    ],
  },
  {
    title: 'empty baseline: every layer added',
    baseline: [],
    current: [FROM, ['COPY . /app', 5]],
    expected: [
      ['added', 'FROM debian:bookworm-slim', undefined, 75],
      ['added', 'COPY . /app', undefined, 5],
    ],
  },
  {
    title: 'empty image: every baseline layer removed',
    baseline: [FROM, ['COPY . /app', 5]],
    current: [],
    expected: [
      ['removed', 'FROM debian:bookworm-slim', 75, undefined],
      ['removed', 'COPY . /app', 5, undefined],
    ],
  },
  {
    title: 'classic-builder content hashes are ignored when matching',
    baseline: [FROM, [`COPY file:${HASH_A} in /app`, 5], [`ADD dir:${HASH_A} in /srv`, 2]],
    current: [FROM, [`COPY file:${HASH_B} in /app`, 6], [`ADD dir:${HASH_B} in /srv`, 2]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['grown', `COPY file:${HASH_B} in /app`, 5, 6],
      ['unchanged', `ADD dir:${HASH_B} in /srv`, 2, 2],
    ],
  },
  {
    title: 'whitespace differences are ignored when matching',
    baseline: [['RUN  apt-get   update &&\n  apt-get install -y curl', 20]],
    current: [['RUN apt-get update && apt-get install -y curl', 22]],
    expected: [['grown', 'RUN apt-get update && apt-get install -y curl', 20, 22]],
  },
  {
    title: 'an identical diffID is unchanged even when the instruction text changed',
    baseline: [FROM, ['COPY --chown=app . /app', 5, 'sha256:same']],
    current: [FROM, ['COPY --chown=app:app . /app', 5, 'sha256:same']],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['unchanged', 'COPY --chown=app:app . /app', 5, 5],
    ],
  },
  {
    title: 'a changed instruction is a removed and an added layer, removed first',
    baseline: [FROM, ['RUN pip install flask==2', 30], ['COPY . /app', 5]],
    current: [FROM, ['RUN pip install flask==3', 31], ['COPY . /app', 5]],
    expected: [
      ['unchanged', 'FROM debian:bookworm-slim', 75, 75],
      ['removed', 'RUN pip install flask==2', 30, undefined],
      ['added', 'RUN pip install flask==3', undefined, 31],
      ['unchanged', 'COPY . /app', 5, 5],
    ],
  },
  {
    title: 'a new base image: base layers replaced, own layers still match',
    baseline: [
      ['FROM debian:bookworm-slim', 75, 'sha256:debian', true],
      ['RUN make', 10],
    ],
    current: [
      ['FROM alpine:3.20', 8, 'sha256:alpine', true],
      ['RUN make', 9],
    ],
    expected: [
      ['removed', 'FROM debian:bookworm-slim', 75, undefined],
      ['added', 'FROM alpine:3.20', undefined, 8],
      ['shrunk', 'RUN make', 10, 9],
    ],
  },
];

describe('diffLayers', () => {
  it.each(cases)('$title', ({ baseline, current, expected }) => {
    const changes = diffLayers(layers(current), layers(baseline));
    expect(
      changes.map((change) => [
        change.kind,
        change.instruction,
        change.baseline === undefined ? undefined : change.baseline / MB,
        change.current === undefined ? undefined : change.current / MB,
      ]),
    ).toEqual(expected);
    for (const change of changes) {
      expect(change.change).toBe((change.current ?? 0) - (change.baseline ?? 0));
    }
  });

  it('marks base-image layers from either side', () => {
    const changes = diffLayers(
      layers([['FROM alpine:3.20', 8, 'sha256:alpine', true]]),
      layers([['FROM debian:bookworm-slim', 75, 'sha256:debian', true]]),
    );
    expect(changes.map((change) => [change.kind, change.base])).toEqual([
      ['removed', true],
      ['added', true],
    ]);
  });

  it('keeps one added row per insertion in a long image', () => {
    const baseline: Spec[] = Array.from({ length: 60 }, (_, index) => [`RUN step ${index}`, 1]);
    const current: Spec[] = [...baseline.slice(0, 30), ['RUN inserted', 7], ...baseline.slice(30)];
    const changes = diffLayers(layers(current), layers(baseline));
    expect(changes.filter((change) => change.kind !== 'unchanged')).toEqual([
      {
        instruction: 'RUN inserted',
        kind: 'added',
        baseline: undefined,
        current: 7 * MB,
        change: 7 * MB,
        base: false,
        layer: 30,
      },
    ]);
    expect(changes).toHaveLength(61);
  });
});

describe('comparableInstruction', () => {
  it.each([
    ['RUN  a \n\t b ', 'RUN a b'],
    [`COPY file:${HASH_A} in /app`, 'COPY file:… in /app'],
    [`ADD dir:${HASH_B} in /`, 'ADD dir:… in /'],
    [`COPY multi:${HASH_A} in /x/`, 'COPY multi:… in /x/'],
    ['COPY file:abc in /app', 'COPY file:abc in /app'],
  ])('%j → %j', (input, expected) => {
    expect(comparableInstruction(input)).toBe(expected);
  });
});
