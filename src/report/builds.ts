import type { BuildInfo } from '../build/types.js';
import type { ServiceResult, Verdict } from '../compare/types.js';
import { escapeMarkdown, padEnd, padStart, terminalText, textWidth } from './markdown.js';

const METHOD_LABELS: Readonly<Record<BuildInfo['method'], string>> = {
  buildx: 'docker buildx',
  engine: "engine's BuildKit",
  prebuilt: 'prebuilt (pulled)',
};

interface BuildRow {
  readonly service: string;
  readonly method: string;
  readonly time: string;
  readonly steps: string;
  readonly cache: string;
}

function rowsOf(verdict: Verdict): BuildRow[] {
  return verdict.services
    .filter(
      (service): service is ServiceResult & { build: BuildInfo } => service.build !== undefined,
    )
    .map((service) => ({
      service: service.name,
      method: METHOD_LABELS[service.build.method],
      time: `${service.build.seconds.toFixed(1)} s`,
      steps: service.build.steps
        ? `${service.build.steps.cached} of ${service.build.steps.total}`
        : '—',
      cache: service.build.cache.note,
    }));
}

/** `5 of 7 steps cached` over every build that counted its steps. */
function stepsSummary(verdict: Verdict): string | undefined {
  let total = 0;
  let cached = 0;
  for (const service of verdict.services) {
    total += service.build?.steps?.total ?? 0;
    cached += service.build?.steps?.cached ?? 0;
  }
  return total === 0 ? undefined : `${cached} of ${total} steps cached`;
}

/**
 * How each image was built, for the job summary: builder, time, cached steps and the cache's
 * state, collapsed under one line. Empty when no service was built in this run (mode: report of
 * old shard reports).
 */
export function renderBuildsMarkdown(verdict: Verdict): string {
  const rows = rowsOf(verdict);
  if (rows.length === 0) return '';
  const notes = [...new Set(rows.map((row) => row.cache))];
  const headline = [
    `${rows.length} ${rows.length === 1 ? 'build' : 'builds'}`,
    stepsSummary(verdict),
    notes.length === 1 ? `cache ${notes[0] ?? ''}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const lines = [
    `<details><summary>How the images were built: ${escapeMarkdown(headline)}</summary>`,
    '',
    '| Service | Built with | Time | Cached steps | Cache |',
    '| :------ | :--------- | ---: | -----------: | :---- |',
    ...rows.map(
      (row) =>
        `| ${[row.service, row.method, row.time, row.steps, row.cache].map(escapeMarkdown).join(' | ')} |`,
    ),
    '',
    '</details>',
  ];
  return lines.join('\n');
}

/** The same for a terminal: one aligned line per service. */
export function renderBuildsTerminal(verdict: Verdict): string {
  const rows = rowsOf(verdict);
  if (rows.length === 0) return '';
  const table = [
    ['Service', 'Built with', 'Time', 'Cached steps', 'Cache'],
    ...rows.map((row) =>
      [row.service, row.method, row.time, row.steps, row.cache].map(terminalText),
    ),
  ];
  const widths = [0, 1, 2, 3, 4].map((column) =>
    Math.max(...table.map((cells) => textWidth(cells[column] ?? ''))),
  );
  return table
    .map((cells) =>
      cells
        .map((cell, column) =>
          column === 2 || column === 3
            ? padStart(cell, widths[column] ?? 0)
            : padEnd(cell, widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
