import { describe, expect, test } from 'vitest';
import { finalStageBase } from '../../src/dockerfile.js';

describe('finalStageBase: the image the final stage is built FROM', () => {
  test.each<[string, string, string | undefined, Record<string, string>, string | undefined]>([
    ['one stage', 'FROM debian:bookworm-slim\nRUN true\n', undefined, {}, 'debian:bookworm-slim'],
    ['scratch has no base', 'FROM scratch\nCOPY a /a\n', undefined, {}, undefined],
    [
      'the last stage, through a stage alias',
      'FROM python:3.12 AS build\nRUN make\nFROM build AS test\nFROM debian:bookworm-slim AS runtime\nCOPY --from=build /a /a\n',
      undefined,
      {},
      'debian:bookworm-slim',
    ],
    [
      'a target stage that builds on another stage',
      'FROM node:22 AS deps\nFROM deps AS app\nFROM nginx:1.27\n',
      'app',
      {},
      'node:22',
    ],
    [
      'the target name is case-insensitive',
      'FROM alpine:3.20 AS Runtime\nFROM busybox\n',
      'runtime',
      {},
      'alpine:3.20',
    ],
    [
      'a global ARG default',
      'ARG BASE=debian:bookworm-slim\nFROM ${BASE}\n',
      undefined,
      {},
      'debian:bookworm-slim',
    ],
    [
      'a build arg overrides the default',
      'ARG VERSION=3.11\nFROM python:$VERSION-slim\n',
      undefined,
      { VERSION: '3.12' },
      'python:3.12-slim',
    ],
    [
      'a variable without a value cannot be told',
      'ARG BASE\nFROM ${BASE}\n',
      undefined,
      {},
      undefined,
    ],
    [
      '--platform flags and continuation lines',
      '# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM \\\n  golang:1.23 AS build\nFROM \\\n  gcr.io/distroless/static\n',
      undefined,
      {},
      'gcr.io/distroless/static',
    ],
    ['an unknown target', 'FROM alpine AS a\n', 'b', {}, undefined],
  ])('%s', (_title, dockerfile, target, args, expected) => {
    expect(finalStageBase(dockerfile, target, args)).toBe(expected);
  });
});
