import { compareCodeUnits } from '../core/text.js';
import type { Metric } from '../core/model.js';
import type { ServiceResult, Verdict } from '../compare/types.js';

/** More bars than this are unreadable in a job summary; the largest images are the interesting ones. */
export const MAX_CHART_SERVICES = 30;
const MAX_LABEL_LENGTH = 24;
const MB = 1_000_000;

/**
 * A mermaid `xychart-beta` of the measured services' sizes in MB (decimal, like the table),
 * in table order, followed by a one-line caption; undefined when no service was measured.
 *
 * - xychart draws every bar series at the same x, later series on top. This PR's size is
 *   drawn first and the baseline over it, so the part of a bar that rises above the baseline
 *   (in the first series' colour) is exactly the growth; a new service has a 0 baseline bar.
 * - The budget line is drawn only when every service shown has a budget: a line cannot skip a
 *   point, and drawing 0 or another service's budget would read as a limit that does not exist.
 * - At most 30 services: the largest by current size (ties by name), and the caption says so.
 */
export function renderSizeChart(verdict: Verdict): string | undefined {
  const measured = verdict.services.filter(
    (service): service is ServiceResult & { current: number } => service.current !== undefined,
  );
  if (measured.length === 0) return undefined;

  const largest = new Set(
    [...measured]
      .sort((a, b) => b.current - a.current || compareCodeUnits(a.name, b.name))
      .slice(0, MAX_CHART_SERVICES),
  );
  const shown = measured.filter((service) => largest.has(service));
  const current = shown.map((service) => megabytes(service.current));
  const baseline = shown.map((service) => megabytes(service.baseline ?? 0));
  const budgets = shown.every((service) => service.budget !== undefined)
    ? shown.map((service) => megabytes(service.budget ?? 0))
    : undefined;
  // A little headroom, so that the tallest bar does not touch the frame.
  const top = niceCeiling(1.05 * Math.max(...current, ...baseline, ...(budgets ?? [])));

  const title =
    verdict.metric === 'compressed' ? 'Compressed image sizes (MB)' : 'Image sizes (MB)';
  const lines = [
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis [${shown.map((service) => `"${chartLabel(service.name)}"`).join(', ')}]`,
    `    y-axis "MB" 0 --> ${top}`,
    `    bar [${current.join(', ')}]`,
    `    bar [${baseline.join(', ')}]`,
    ...(budgets === undefined ? [] : [`    line [${budgets.join(', ')}]`]),
  ];

  const caption = [
    'Each bar is this PR’s size with the baseline drawn over it: the part above the baseline is growth.',
  ];
  caption.push(
    budgets === undefined
      ? 'No budget line: not every service shown has a budget.'
      : 'The line is each service’s budget.',
  );
  if (shown.length < measured.length) {
    caption.push(
      `Showing the ${shown.length} largest of ${measured.length} measured services; the table lists all.`,
    );
  }
  return `\`\`\`mermaid\n${lines.join('\n')}\n\`\`\`\n\n<sub>${caption.join(' ')}</sub>`;
}

/**
 * A mermaid `xychart-beta` line of one service's size over the baseline file's last committed
 * versions and this run; undefined without at least one version. The y-axis starts near the
 * smallest size, not at 0, so that steps of a few percent stay visible; the caption says so.
 */
export function renderTrendChart(
  service: Pick<ServiceResult, 'name' | 'trend'>,
  metric: Metric,
): string | undefined {
  const trend = service.trend;
  if (trend === undefined || trend.length < 2) return undefined;
  const sizes = trend.map((point) => megabytes(point.size));
  const low = Math.min(...sizes);
  const high = Math.max(...sizes);
  // Room above and below the line: a tenth of its range, or 5% of the size when it is flat.
  const margin = Math.max(high - low, high * 0.05) * 0.1;
  const bottom = niceFloor(low - margin);
  const top = niceCeiling(high + margin);
  const labels = trend.map((point) => `"${point.commit?.slice(0, 7) ?? 'this run'}"`);
  const what = metric === 'compressed' ? 'compressed size' : 'size';
  const lines = [
    'xychart-beta',
    `    title "${chartLabel(service.name)}: ${what} (MB)"`,
    `    x-axis [${labels.join(', ')}]`,
    `    y-axis "MB" ${bottom} --> ${top}`,
    `    line [${sizes.join(', ')}]`,
  ];
  const versions = trend.length - 1;
  const caption = `The ${what} in the last ${versions === 1 ? 'version' : `${versions} versions`} of the baseline file (by commit), then this run; the axis does not start at 0.`;
  return `\`\`\`mermaid\n${lines.join('\n')}\n\`\`\`\n\n<sub>${caption}</sub>`;
}

/**
 * A service name as a mermaid string: letters, digits and `._-/:+ ` are kept, anything else
 * (quotes, brackets, `#`, `;`, `<`, `@`, control characters) becomes `_`; long names are cut.
 */
export function chartLabel(name: string): string {
  const safe = Array.from(name.replace(/\s+/g, ' ').trim(), (character) =>
    /^[\p{L}\p{N} ._\-/:+]$/u.test(character) ? character : '_',
  );
  if (safe.length === 0) return '_';
  return safe.length > MAX_LABEL_LENGTH
    ? `${safe.slice(0, MAX_LABEL_LENGTH - 3).join('')}...`
    : safe.join('');
}

/** Bytes as MB with at most two decimals (`150.1`, `0.25`). */
function megabytes(bytes: number): number {
  return Number((bytes / MB).toFixed(2));
}

/** The largest round number (as niceCeiling's steps) at most the value; 0 for 0 or less. */
function niceFloor(value: number): number {
  if (!(value > 0)) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [10, 8, 6, 5, 4, 3, 2.5, 2, 1.5, 1.2, 1]) {
    const candidate = Number((step * magnitude).toPrecision(12));
    if (candidate <= value) return candidate;
  }
  return magnitude;
}

/** The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) at least the value. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const candidate = Number((step * magnitude).toPrecision(12));
    if (candidate >= value) return candidate;
  }
  return 10 * magnitude;
}
