import { comparableInstruction } from '../dockerfile.js';
import { plural } from '../core/text.js';
import type { Status } from '../core/model.js';
import type { ServiceResult, TotalResult, Verdict } from '../compare/types.js';
import { formatBytes, formatPercentChange, formatSignedBytes } from '../core/units.js';
import { renderSizeChart } from './chart.js';

export interface MarkdownOptions {
  /** Heading text before the verdict; defaults to `Image sizes`. Escaped like repository text. */
  readonly title?: string | undefined;
}

const STATUS_LABELS: Readonly<Record<Status, string>> = {
  pass: '✅ pass',
  warn: '⚠️ warn',
  fail: '❌ fail',
  new: '🆕 new',
  removed: '🗑️ removed',
  error: '💥 error',
  missing: '❓ missing',
};

export const STATUS_EMOJI: Readonly<Record<Status, string>> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  new: '🆕',
  removed: '🗑️',
  error: '💥',
  missing: '❓',
};

const COLUMNS = ['Service', 'Baseline', 'Now', 'Change', 'Budget', 'Status'] as const;
/** What a table cell without a value shows. */
export const NONE = '—';

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '*': '\\*',
  _: '\\_',
  '~': '\\~',
  // A zero-width space after `@` stops GitHub from notifying a user or team; `&#64;` alone
  // does not, because mentions are found after entities are decoded.
  '@': '@&#8203;',
  // `#123` would link (and notify) an issue; the same zero-width space breaks the reference.
  '#': '#&#8203;',
  '\r\n': '<br>',
  '\r': '<br>',
  '\n': '<br>',
};
// One pass, so the entities inserted for one character are never escaped again.
const ESCAPE_PATTERN = /\r\n|[\r\n\\&<>|`[\]*_~@]|#(?=\d)/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Makes repository text (service names, error messages, instructions) inert in GitHub markdown:
 * safe inside a table cell, a list item or an HTML block; no HTML, links, code spans, emphasis,
 * mentions or issue references; newlines become `<br>`.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(CONTROL_CHARACTERS, '')
    .replace(ESCAPE_PATTERN, (match) => ESCAPES[match] ?? match);
}

/**
 * The report as GitHub markdown (the job summary): headline, table, collapsed unchanged
 * services, a size chart, reasons.
 */
export function renderMarkdown(verdict: Verdict, options: MarkdownOptions = {}): string {
  const title = escapeMarkdown(options.title ?? 'Image sizes');
  const collapsed = verdict.services.filter((service) => service.collapsed);
  const shown = byAttention(verdict.services.filter((service) => !service.collapsed));

  const blocks: string[] = [`## ${renderHeadline(verdict, title)}`];
  const tableNotes = renderTableNotes(verdict);
  if (tableNotes !== undefined) blocks.push(tableNotes);
  blocks.push(renderServiceTable(shown, verdict.total, 'Now'));
  if (collapsed.length > 0) {
    blocks.push(
      `<details><summary>${unchangedSummary(collapsed.length)}</summary>\n\n${renderServiceTable(collapsed, undefined, 'Now')}\n\n</details>`,
    );
  }
  const chart = renderSizeChart(verdict);
  if (chart !== undefined) blocks.push(chart);
  const reasons = reasonItems(verdict);
  if (reasons.length > 0) blocks.push(reasons.join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

/** Which rows a reader must see first: broken, then failing, warning, new, changed, removed. */
const ATTENTION: Readonly<Record<Status, number>> = {
  error: 0,
  missing: 0,
  fail: 1,
  warn: 2,
  new: 3,
  pass: 4,
  removed: 5,
};

/**
 * Services in the order a reviewer needs them: what needs attention first, then by name, so
 * that a 100-service pull request shows its few problems at the top of the table.
 */
export function byAttention(services: readonly ServiceResult[]): ServiceResult[] {
  return [...services].sort(
    (a, b) =>
      ATTENTION[a.status] - ATTENTION[b.status] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** What a reader must know to read the numbers: the metric, and services counted unbuilt. */
export function renderTableNotes(verdict: Verdict): string | undefined {
  const notes: string[] = [];
  if (verdict.metric === 'compressed') {
    notes.push('Sizes are compressed layer bytes: what a pull downloads.');
  }
  const { carried, carriedServices } = verdict.total;
  if (carriedServices > 0) {
    notes.push(
      `The total counts ${plural(carriedServices, 'service')} not built in this run at ${carriedServices === 1 ? 'its' : 'their'} baseline size (${formatBytes(carried)}).`,
    );
  }
  const approval = approvalNote(verdict);
  if (approval !== undefined) notes.push(approval);
  return notes.length > 0 ? notes.join(' ') : undefined;
}

/** Who approved the growth, or why a label did not count; names come from GitHub, escaped. */
function approvalNote(verdict: Verdict): string | undefined {
  const { approval } = verdict;
  if (approval === undefined) return undefined;
  const label = `<code>${escapeMarkdown(approval.label)}</code>`;
  if (approval.kind === 'approved') {
    return `Size failures are warnings for this pull request: ${label} was added by ${escapeMarkdown(`@${approval.by}`)} at ${escapeMarkdown(approval.at)}.`;
  }
  return `The ${label} label does not count: ${escapeMarkdown(approval.reason)}.`;
}

/**
 * A markdown table of services (`Service | Baseline | <current> | Change | Budget | Status`),
 * with a bold total row when a total is given. Names are escaped.
 */
export function renderServiceTable(
  services: readonly ServiceResult[],
  total: TotalResult | undefined,
  currentLabel: string,
): string {
  const rows = [markdownHeader(currentLabel), ...services.map(markdownServiceRow)];
  if (total !== undefined) rows.push(markdownTotalRow(total));
  return rows.join('\n');
}

/** `3 unchanged services`. */
export function unchangedSummary(count: number): string {
  return `${count} unchanged ${plural(count, 'service')}`;
}

function markdownHeader(currentLabel: string): string {
  const columns = COLUMNS.map((column) => (column === 'Now' ? currentLabel : column));
  return `| ${columns.join(' | ')} |\n|:--|--:|--:|--:|--:|:--|`;
}

/** The same table for a terminal: plain text, aligned, every service listed. */
export function renderTerminalTable(verdict: Verdict): string {
  const rows = verdict.services.map((service) => [
    terminalText(service.name),
    ...sizeCells(service.baseline, service.current, service.change, service.budget),
    service.status,
  ]);
  const total = verdict.total;
  const totalRow = [
    'Total',
    ...sizeCells(total.baseline, total.current, total.change, total.budget),
    totalStatus(total),
  ];
  const table = [[...COLUMNS], ...rows, totalRow];
  const widths = COLUMNS.map((_, column) =>
    Math.max(...table.map((row) => textWidth(row[column] ?? ''))),
  );
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const numeric = column >= 1 && column <= 4;
        return numeric ? padStart(cell, width) : padEnd(cell, width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [format(COLUMNS), rule, ...rows.map(format), rule, format(totalRow)].join('\n');
}

/** One line per service that has something to say (`api: 184 MB is over its budget…`). */
export function renderTerminalReasons(verdict: Verdict): string {
  return verdict.services
    .filter((service) => service.reasons.length > 0)
    .map((service) => `${terminalText(service.name)}: ${terminalText(service.reasons.join('; '))}`)
    .join('\n');
}

/**
 * Hints for the terminal: one line per hint of each service that is not collapsed, with its
 * bytes and fix (`analyze: all` shows them for every service).
 */
export function renderTerminalHints(verdict: Verdict, all: boolean): string {
  return verdict.services
    .filter((service) => all || !service.collapsed)
    .flatMap((service) =>
      (service.measurement?.analysis?.hints ?? []).map(
        (hint) =>
          `${terminalText(service.name)}: hint: ${terminalText(hint.title)} (${formatBytes(hint.bytes)}). ${terminalText(hint.fix)}`,
      ),
    )
    .join('\n');
}

/**
 * `✅ <title>: all 2 services within limits — total 152 MB (+2 MB, +1.3%)`, or what failed.
 * The title must already be markdown (escape repository text first).
 */
export function renderHeadline(verdict: Verdict, title: string): string {
  const services = verdict.services.filter((service) => service.status !== 'removed');
  const broken = services.filter(
    (service) => service.status === 'fail' || service.status === 'error',
  );
  const warned = services.filter((service) => service.status === 'warn');
  const { total } = verdict;
  const percent = formatPercentChange(total.change, total.baseline);
  const change = [formatSignedBytes(total.change), ...(percent === undefined ? [] : [percent])];
  const totalText = `total ${formatBytes(total.current)} (${change.join(', ')})`;

  const problems: string[] = [];
  if (broken.length > 0) {
    problems.push(
      `${broken.length} of ${services.length} ${plural(services.length, 'service')} failed`,
    );
  }
  if (total.overBudget && total.budget !== undefined) {
    problems.push(`total over its budget of ${formatBytes(total.budget)}`);
  }

  if (problems.length > 0) {
    const summary = problems.join(', ');
    return verdict.passed
      ? `⚠️ ${title}: ${summary} (not enforced: fail-on is ${verdict.failOn}) — ${totalText}`
      : `❌ ${title}: ${summary} — ${totalText}`;
  }
  const within =
    services.length === 1
      ? '1 service within limits'
      : `all ${services.length} services within limits`;
  const warnings = warned.length > 0 ? `, ${warned.length} with warnings` : '';
  const emoji = !verdict.passed ? '❌' : warned.length > 0 ? '⚠️' : '✅';
  return `${emoji} ${title}: ${within}${warnings} — ${totalText}`;
}

function markdownServiceRow(service: ServiceResult): string {
  return markdownRow([
    escapeMarkdown(service.name),
    ...sizeCells(service.baseline, service.current, service.change, service.budget),
    STATUS_LABELS[service.status],
  ]);
}

function markdownTotalRow(total: TotalResult): string {
  const status = total.budget === undefined ? '' : totalStatus(total);
  return markdownRow([
    '**Total**',
    ...sizeCells(total.baseline, total.current, total.change, total.budget).map((cell) =>
      cell === NONE ? cell : `**${cell}**`,
    ),
    status === '' ? '' : STATUS_LABELS[status],
  ]);
}

function totalStatus(total: TotalResult): Status | '' {
  if (total.budget === undefined) return '';
  return total.overBudget ? 'fail' : 'pass';
}

function markdownRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Baseline, Now, Change and Budget cells, shared by the markdown and terminal tables. */
function sizeCells(
  baseline: number | undefined,
  current: number | undefined,
  change: number | undefined,
  budget: number | undefined,
): [string, string, string, string] {
  return [
    baseline === undefined ? NONE : formatBytes(baseline),
    current === undefined ? NONE : formatBytes(current),
    change === undefined ? NONE : changeText(change, baseline ?? 0),
    budgetText(current, budget),
  ];
}

/** `+12.3 MB (+7.1%)`; no percentage of a 0 B baseline. */
export function changeText(change: number, baseline: number): string {
  const percent = formatPercentChange(change, baseline);
  const bytes = formatSignedBytes(change);
  return percent === undefined ? bytes : `${bytes} (${percent})`;
}

/** `183 MB / 200 MB (92%)`: the share is rounded toward the budget line, never across it. */
function budgetText(current: number | undefined, budget: number | undefined): string {
  if (budget === undefined) return NONE;
  if (current === undefined) return formatBytes(budget);
  const used = `${formatBytes(current)} / ${formatBytes(budget)}`;
  if (budget === 0) return used;
  const share = (current / budget) * 100;
  return `${used} (${current <= budget ? Math.floor(share) : Math.ceil(share)}%)`;
}

function reasonItems(verdict: Verdict): string[] {
  const items = verdict.services
    .filter((service) => service.reasons.length > 0)
    .map(
      (service) =>
        `- ${STATUS_EMOJI[service.status]} **${escapeMarkdown(service.name)}**: ${service.reasons
          .map(escapeMarkdown)
          .join('; ')}`,
    );
  const reason = verdict.total.overBudgetReason;
  if (reason !== undefined) items.push(`- ❌ **Total**: ${reason}`);
  return items;
}

/** Repository text for a terminal: no escape sequences or other control characters. */
export function terminalText(text: string): string {
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(CONTROL_CHARACTERS, '?');
}

const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Characters as a reader counts them (an accented letter or a flag is one). */
export function textWidth(text: string): number {
  return Array.from(GRAPHEMES.segment(text)).length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textWidth(text))) + text;
}

/** Instructions longer than this (in characters) are cut with `…`. */
const MAX_INSTRUCTION_LENGTH = 100;

/** An instruction as one short line: whitespace collapsed, long commands cut with …. */
export function shortInstruction(instruction: string): string {
  const characters = Array.from(comparableInstruction(instruction));
  return characters.length > MAX_INSTRUCTION_LENGTH
    ? `${characters.slice(0, MAX_INSTRUCTION_LENGTH - 1).join('')}…`
    : characters.join('');
}
