import { describe, expect, test } from 'vitest';
import { dockerfileInstructions, finalStageBase } from '../src/dockerfile.js';

describe('dockerfileInstructions: the one reader build and annotations share', () => {
  test('continuations are joined; comments and blank lines inside them are dropped, as BuildKit does', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'FROM debian:bookworm AS build',
      '',
      'RUN apt-get update && \\',
      '    # the compiler',
      '',
      '    apt-get install -y gcc',
      'COPY . /src',
    ].join('\n');
    expect(dockerfileInstructions(dockerfile)).toEqual([
      { text: 'FROM debian:bookworm AS build', line: 2 },
      { text: 'RUN apt-get update && apt-get install -y gcc', line: 4 },
      { text: 'COPY . /src', line: 8 },
    ]);
  });

  test('a blank line inside a continuation does not end the instruction for the base image either', () => {
    const dockerfile = 'FROM debian:bookworm AS base\nFROM \\\n\n  base AS final\nRUN true\n';
    expect(finalStageBase(dockerfile, undefined, {})).toBe('debian:bookworm');
  });
});
