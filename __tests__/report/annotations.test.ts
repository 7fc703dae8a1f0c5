import { describe, expect, test } from 'vitest';
import { findInstructionLine } from '../../src/report/annotations.js';

const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'FROM debian:bookworm-slim AS build',
  'RUN apt-get update \\',
  '    # comments inside a continuation are dropped by the parser',
  '    && apt-get install -y gcc',
  'COPY src/ /src/',
  '',
  'FROM debian:bookworm-slim',
  'copy --from=build /src/app /app',
  'RUN apt-get update',
  '',
].join('\n');

describe('findInstructionLine', () => {
  test.each([
    ['RUN apt-get update && apt-get install -y gcc', 3],
    ['COPY src/ /src/', 6],
    ['COPY --from=build /src/app /app', 9],
    // BuildKit records a COPY --from without the flag.
    ['COPY /src/app /app', 9],
    ['RUN apt-get update', 10],
    ['RUN   apt-get   update', 10],
    ['RUN make', undefined],
    ['COPY src/ /elsewhere/', undefined],
  ])('%s → line %s', (instruction, line) => {
    expect(findInstructionLine(DOCKERFILE, instruction)).toBe(line);
  });

  test('CRLF line endings', () => {
    expect(findInstructionLine('FROM scratch\r\nCOPY a /a\r\n', 'COPY a /a')).toBe(2);
  });
});
