import type { AnalyzeMode } from '../core/model.js';
import { plural } from '../core/text.js';
import { compareCodeUnits } from '../core/text.js';
import type { Status } from '../core/model.js';
import type { Metric } from '../core/model.js';
import type { LayerChange } from '../compare/layers.js';
import { codeBlock, cutToLength, escapeHtml, percentEncode, safeUrl } from './escape.js';
import type { ServiceResult, Verdict } from '../compare/types.js';
import { formatBytes, formatSignedBytes } from '../core/units.js';
import {
  NONE,
  STATUS_EMOJI,
  changeText,
  escapeMarkdown,
  byAttention,
  renderHeadline,
  renderTableNotes,
  renderServiceTable,
  shortInstruction,
  unchangedSummary,
} from './markdown.js';
import { renderInsights } from './insights.js';
import { renderPackages } from './packages.js';
import { renderTrendChart } from './chart.js';

export interface CommentOptions {
  /** The `comment-key` input; may be empty. Goes into the hidden marker. */
  readonly key: string;
  /** Link to the workflow run, shown at the end. */
  readonly runUrl?: string | undefined;
  /** How to refresh the baseline (a workflow step or CLI command), shown in a code block. */
  readonly refreshHint: string;
  /** Longest body allowed, in UTF-16 code units; defaults to 65,000 (GitHub allows 65,536). */
  readonly maxLength?: number | undefined;
  /** Heading text before the verdict; defaults to `Image sizes`. Escaped like repository text. */
  readonly title?: string | undefined;
  /** The `analyze` input: `all` lists the largest files of every layer, not only grown ones. */
  readonly analyze?: AnalyzeMode | undefined;
}

export const COMMENT_MAX_LENGTH = 65_000;
/** Changed layers listed per service; the rest are summed up in one line. */
const MAX_LAYER_ROWS = 20;
const LAYER_HEADER = '| Layer (instruction) | Baseline | This PR | Change |\n|:--|--:|--:|--:|';

/**
 * The hidden first line that finds this gate's sticky comment again:
 * `<!-- image-size-gate:comment key="…" -->`. The key is percent-encoded outside
 * `[A-Za-z0-9._-]` and never contains `--`, so it cannot close the comment, and different keys
 * always give different markers.
 */
export function commentMarker(key: string): string {
  const encoded = Array.from(key, (character) =>
    /^[A-Za-z0-9._-]$/.test(character) ? character : percentEncode(character),
  ).join('');
  let safe = encoded;
  while (safe.includes('--')) safe = safe.replace('--', '-%2D');
  return `<!-- image-size-gate:comment key="${safe}" -->`;
}

/**
 * The sticky pull-request comment: marker, verdict and total, the service table (unchanged
 * services collapsed), then per changed service a `<details>` block with its reasons and the
 * layers that changed, the refresh hint and the run link. Pure and deterministic.
 *
 * When the body is longer than `maxLength`, details are trimmed from the least important
 * service up (unchanged → passing and removed → new → warn → fail and error; within a tier the
 * smallest change first): first the layer tables, then the reasons; then the unchanged table
 * shrinks to a list of names, then to a count. Rows of the main table are never dropped while
 * that can fit; only a table that alone exceeds the limit (hundreds of services) is cut, with a
 * last row saying how many services the job summary has beyond it.
 */
export function renderComment(verdict: Verdict, options: CommentOptions): string {
  const maxLength = options.maxLength ?? COMMENT_MAX_LENGTH;
  const collapsed = verdict.services.filter((service) => service.collapsed);
  const shown = byAttention(verdict.services.filter((service) => !service.collapsed));
  const details = detailBlocks(verdict, options.analyze === 'all');

  const head = [
    commentMarker(options.key),
    `### ${renderHeadline(verdict, escapeMarkdown(options.title ?? 'Image sizes'))}`,
  ].join('\n');
  const tableNotes = renderTableNotes(verdict);
  const totalNote = totalLine(verdict);
  const tail: string[] = [];
  // A failed build is not a size change: the hint is for what the baseline can record.
  const changed = shown.some((service) => service.status !== 'error') || verdict.total.overBudget;
  if (changed && options.refreshHint.trim() !== '') {
    tail.push(
      `If this change is intended, refresh the baseline:\n\n${codeBlock(options.refreshHint)}`,
    );
  }
  if (options.runUrl !== undefined && options.runUrl !== '') {
    tail.push(`[View the workflow run](${safeUrl(options.runUrl)})`);
  }

  const state: TrimState = {
    levels: new Map(details.map((block) => [block, block.full])),
    unchanged: 'table',
    mainRows: shown.length,
  };
  // Trimming tries many layouts: every piece is rendered once and only lengths are added up.
  const mainTables = memo((rows: number) => mainTable(shown, verdict, rows));
  const unchangedBlocks = memo((form: UnchangedForm) => unchangedBlock(collapsed, form));
  const layout = (): string[] => {
    const blocks: string[] = [head];
    if (tableNotes !== undefined) blocks.push(tableNotes);
    blocks.push(mainTables(state.mainRows));
    if (totalNote !== undefined) blocks.push(totalNote);
    if (collapsed.length > 0) blocks.push(unchangedBlocks(state.unchanged));
    for (const block of details) {
      const level = state.levels.get(block) ?? 0;
      if (level > 0) blocks.push(block.render(level));
    }
    const note = trimmedNote(details, state, shown.length);
    if (note !== undefined) blocks.push(note);
    blocks.push(...tail);
    return blocks;
  };
  const join = (blocks: readonly string[]): string => `${blocks.join('\n\n')}\n`;
  // The length join() would produce, without building the string.
  const fits = (): boolean => {
    const blocks = layout();
    const length = blocks.reduce((sum, block) => sum + block.length, 0) + 2 * blocks.length - 1;
    return length <= maxLength;
  };
  if (fits()) return join(layout());

  // Least important first: lowest tier, then the smallest change, then the later name.
  const trimOrder = [...details].sort(
    (a, b) =>
      a.rank - b.rank ||
      Math.abs(a.service.change ?? 0) - Math.abs(b.service.change ?? 0) ||
      compareCodeUnits(b.service.name, a.service.name),
  );
  for (const target of [1, 0] as const) {
    for (const block of trimOrder) {
      if ((state.levels.get(block) ?? 0) <= target) continue;
      // Without reasons, a block without its layer table would be an empty summary.
      state.levels.set(block, block.hasReasons ? target : 0);
      if (fits()) return join(layout());
    }
  }
  for (const unchanged of ['names', 'count'] as const) {
    if (collapsed.length === 0) break;
    state.unchanged = unchanged;
    if (fits()) return join(layout());
  }
  // Only a table that alone cannot fit gets here: keep as many rows as fit and say so.
  while (state.mainRows > 0) {
    state.mainRows -= 1;
    if (fits()) return join(layout());
  }
  return cutToLength(join(layout()), maxLength);
}

function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}

type Level = 0 | 1 | 2;
type UnchangedForm = 'table' | 'names' | 'count';

/**
 * Every service's details block in full (layers, files, waste, hints, reasons), most important
 * first: for the job summary, which has room for all of it.
 */
export function renderServiceDetails(verdict: Verdict, analyze: CommentOptions['analyze']): string {
  return detailBlocks(verdict, analyze === 'all')
    .map((block) => block.render(block.full))
    .join('\n\n');
}

function detailBlocks(verdict: Verdict, allLayers: boolean): DetailBlock[] {
  return verdict.services
    .map((service) => detailBlock(service, verdict.metric, allLayers))
    .filter((block): block is DetailBlock => block !== undefined)
    .sort((a, b) => b.rank - a.rank || compareCodeUnits(a.service.name, b.service.name));
}

interface DetailBlock {
  readonly service: ServiceResult;
  /** Trimming tier: -1 unchanged, 0 pass/removed, 1 new, 2 warn, 3 fail/error. */
  readonly rank: number;
  /** 2 when there is a layer table to show, else 1 (reasons only). */
  readonly full: Level;
  readonly hasReasons: boolean;
  readonly render: (level: Level) => string;
}

interface TrimState {
  readonly levels: Map<DetailBlock, Level>;
  unchanged: UnchangedForm;
  mainRows: number;
}

const RANKS: Readonly<Record<Status, number>> = {
  pass: 0,
  removed: 0,
  new: 1,
  warn: 2,
  fail: 3,
  error: 3,
  missing: 3,
};

function detailBlock(
  service: ServiceResult,
  metric: Metric,
  allLayers: boolean,
): DetailBlock | undefined {
  const unchanged = service.collapsed;
  // Unchanged services are noise by definition: only a note they carry is worth a block.
  const layers = unchanged ? [] : layersToShow(service);
  const insights = unchanged
    ? ''
    : [
        // Without a compressed measurement the row (and its trend) compares uncompressed sizes.
        renderTrendChart(
          service,
          service.measurement?.compressed === undefined ? 'uncompressed' : metric,
        ) ?? '',
        renderPackages(service),
        renderInsights(service, { allLayers }),
      ]
        .filter((part) => part !== '')
        .join('\n\n');
  if (service.reasons.length === 0 && layers.length === 0 && insights === '') return undefined;
  const reasons = service.reasons.map((reason) => `- ${escapeMarkdown(reason)}`).join('\n');
  const layerPart =
    layers.length === 0
      ? ''
      : `${layerTable(layers)}${metric === 'compressed' ? '\n\nLayer sizes are uncompressed.' : ''}`;
  const table = [layerPart, insights].filter((part) => part !== '').join('\n\n');
  return {
    service,
    rank: unchanged ? -1 : RANKS[service.status],
    full: table !== '' ? 2 : 1,
    hasReasons: service.reasons.length > 0,
    render: memo((level: Level) => {
      const parts = [reasons, level === 2 ? table : ''].filter((part) => part !== '');
      const summary = `<summary>${STATUS_EMOJI[service.status]} <b>${escapeHtml(service.name)}</b>: ${summaryText(service, layers.length)}</summary>`;
      return parts.length === 0
        ? `<details>${summary}</details>`
        : `<details>${summary}\n\n${parts.join('\n\n')}\n\n</details>`;
    }),
  };
}

/** The changed layers; for a new service, all its layers (each one is added). */
function layersToShow(service: ServiceResult): readonly LayerChange[] {
  return service.layerChanges.filter((layer) => layer.kind !== 'unchanged');
}

function summaryText(service: ServiceResult, changedLayers: number): string {
  const parts: string[] = [];
  if (service.change !== undefined) {
    parts.push(changeText(service.change, service.baseline ?? 0));
  } else if (service.status === 'removed') {
    parts.push('removed');
  } else if (service.status === 'error') {
    parts.push('not measured');
  } else if (service.current !== undefined) {
    parts.push(
      service.status === 'new'
        ? `new, ${formatBytes(service.current)}`
        : formatBytes(service.current),
    );
  }
  if (changedLayers > 0) {
    // A new service's layers are all added: each is a layer, not a change to one.
    const isNew = service.layerChanges.every((layer) => layer.kind === 'added');
    const what = isNew ? 'layer' : 'changed layer';
    parts.push(`${changedLayers} ${plural(changedLayers, what)}`);
  }
  return parts.join(', ');
}

/** The largest changes, in image order; what does not fit the row limit is summed up below. */
function layerTable(layers: readonly LayerChange[]): string {
  const keep = new Set(
    layers
      .map((layer, index) => ({ layer, index }))
      .sort((a, b) => Math.abs(b.layer.change) - Math.abs(a.layer.change) || a.index - b.index)
      .slice(0, MAX_LAYER_ROWS)
      .map(({ layer }) => layer),
  );
  const rows = layers.filter((layer) => keep.has(layer)).map(layerRow);
  const rest = layers.filter((layer) => !keep.has(layer));
  const table = [LAYER_HEADER, ...rows].join('\n');
  if (rest.length === 0) return table;
  const sum = rest.reduce((total, layer) => total + layer.change, 0);
  return `${table}\n\n…and ${rest.length} smaller layer ${plural(rest.length, 'change')} (${formatSignedBytes(sum)} together).`;
}

function layerRow(layer: LayerChange): string {
  const instruction = `<code>${escapeMarkdown(shortInstruction(layer.instruction))}</code>`;
  const change =
    layer.kind === 'added'
      ? `${formatSignedBytes(layer.change)} (added)`
      : layer.kind === 'removed'
        ? `${formatSignedBytes(layer.change)} (removed)`
        : changeText(layer.change, layer.baseline ?? 0);
  const cells = [
    layer.base ? `${instruction} (base image)` : instruction,
    layer.baseline === undefined ? NONE : formatBytes(layer.baseline),
    layer.current === undefined ? NONE : formatBytes(layer.current),
    change,
  ];
  return `| ${cells.join(' | ')} |`;
}

function mainTable(shown: readonly ServiceResult[], verdict: Verdict, rows: number): string {
  const table = renderServiceTable(shown.slice(0, rows), verdict.total, 'This PR');
  const missing = shown.length - rows;
  if (missing <= 0) return table;
  // Keep the total row last: put the note just above it.
  const lines = table.split('\n');
  const totalRow = lines.pop() ?? '';
  const note = `| …and ${missing} more ${plural(missing, 'service')}: see the job summary | | | | | |`;
  return [...lines, note, totalRow].join('\n');
}

function totalLine(verdict: Verdict): string | undefined {
  const reason = verdict.total.overBudgetReason;
  return reason === undefined ? undefined : `${STATUS_EMOJI.fail} **Total**: ${reason}`;
}

function unchangedBlock(collapsed: readonly ServiceResult[], form: UnchangedForm): string {
  const summary = unchangedSummary(collapsed.length);
  switch (form) {
    case 'table':
      return `<details><summary>${summary}</summary>\n\n${renderServiceTable(collapsed, undefined, 'This PR')}\n\n</details>`;
    case 'names':
      return `<details><summary>${summary}</summary>\n\n${collapsed.map((service) => escapeMarkdown(service.name)).join(', ')}\n\n</details>`;
    case 'count':
      return `${summary} (not listed).`;
  }
}

function trimmedNote(
  details: readonly DetailBlock[],
  state: TrimState,
  shownCount: number,
): string | undefined {
  const trimmed = details.filter((block) => (state.levels.get(block) ?? 0) < block.full).length;
  const parts: string[] = [];
  if (trimmed > 0) parts.push(`Details for ${trimmed} ${plural(trimmed, 'service')}`);
  if (state.unchanged !== 'table') parts.push('the table of unchanged services');
  if (state.mainRows < shownCount) parts.push('rows of the service table');
  const [first] = parts;
  if (first === undefined) return undefined;
  const subject = [`${first.charAt(0).toUpperCase()}${first.slice(1)}`, ...parts.slice(1)];
  const verb = parts.length === 1 && state.unchanged !== 'table' ? 'was' : 'were';
  return `${subject.join(' and ')} ${verb} trimmed to fit GitHub's comment limit; the job summary has everything.`;
}
