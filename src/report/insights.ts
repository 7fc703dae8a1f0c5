import type { ServiceResult } from '../compare/types.js';
import type { Hint, SizedPath } from '../measure/analysis-types.js';
import type { ImageMeasurement } from '../measure/types.js';
import { formatBytes } from '../core/units.js';
import { escapeMarkdown, shortInstruction } from './markdown.js';

/** Files shown per grown layer, wasted files and hint examples shown per service. */
const FILES_PER_LAYER = 5;
const WASTED_SHOWN = 3;
const EXAMPLES_PER_HINT = 3;
/** Waste below this is normal (a package database rewritten) and not worth a line. */
const WASTE_WORTH_SHOWING = 1_000_000;

export interface InsightOptions {
  /** `analyze: all`: the largest files of every layer, not only of the layers that grew. */
  readonly allLayers: boolean;
}

/**
 * Why a service is the size it is, for its details block: pull size, base image vs own layers,
 * the largest files the grown layers added, wasted bytes, and hints with their fixes. Every
 * path comes from the image and is escaped.
 */
export function renderInsights(service: ServiceResult, options: InsightOptions): string {
  const measurement = service.measurement;
  if (!measurement) return '';
  const lines: string[] = [];
  const facts = [pullSize(measurement), baseAndOwn(service, measurement)].filter(
    (fact): fact is string => fact !== undefined,
  );
  if (facts.length > 0) lines.push(facts.join(' · '));

  const analysis = measurement.analysis;
  if (analysis) {
    const files = largestFiles(service, measurement, options);
    if (files.length > 0) lines.push(files.join('\n'));
    if (analysis.wastedBytes >= WASTE_WORTH_SHOWING) {
      const offenders = analysis.wasted.slice(0, WASTED_SHOWN).map((file) => {
        const verb = file.how === 'deleted' ? 'deleted' : 'overwritten';
        return `${pathCode(file.path)} ${formatBytes(file.bytes)} (added by layer ${file.addedInLayer + 1}, ${verb} by layer ${file.removedInLayer + 1})`;
      });
      lines.push(
        `**Wasted:** ${formatBytes(analysis.wastedBytes)} in files that later layers delete or overwrite (efficiency ${percent(analysis.efficiency)}): ${offenders.join(', ')}`,
      );
    }
    // The base image's own contents are news only when the base image changed.
    const baseChanged = service.baseChange !== undefined && service.baseChange !== 0;
    for (const hint of analysis.hints) {
      const inBaseOnly = hint.layers.every((index) => measurement.layers[index]?.base === true);
      if (!inBaseOnly || baseChanged || options.allLayers) lines.push(hintLine(hint));
    }
  }
  return lines.join('\n\n');
}

function pullSize(measurement: ImageMeasurement): string | undefined {
  if (measurement.compressed === undefined) return undefined;
  const how = measurement.compressedEstimated ? ' (estimated with gzip)' : '';
  return `**Pull size:** ${formatBytes(measurement.compressed)}${how}`;
}

function baseAndOwn(service: ServiceResult, measurement: ImageMeasurement): string | undefined {
  if (!measurement.baseImage || service.baseSize === undefined) return undefined;
  return `**Base image** ${code(measurement.baseImage)}: ${formatBytes(service.baseSize)}, **own layers:** ${formatBytes(service.ownSize ?? 0)}`;
}

/** The largest files of each layer that grew (or of every layer with `analyze: all`). */
function largestFiles(
  service: ServiceResult,
  measurement: ImageMeasurement,
  options: InsightOptions,
): string[] {
  const analysis = measurement.analysis;
  if (!analysis) return [];
  // A new service's layers are all `added`: they are all it adds.
  const grown = service.layerChanges.flatMap((change) =>
    change.change > 0 && change.layer !== undefined ? [change.layer] : [],
  );
  const indexes = options.allLayers ? measurement.layers.map((_, index) => index) : grown;
  const lines: string[] = [];
  for (const index of indexes.sort((a, b) => a - b)) {
    const files = analysis.layers[index]?.largestFiles.slice(0, FILES_PER_LAYER) ?? [];
    const layer = measurement.layers[index];
    if (files.length === 0 || !layer || layer.base) continue;
    lines.push(
      `- layer ${index + 1} (${code(shortInstruction(layer.instruction))}): ${files.map(sized).join(', ')}`,
    );
  }
  return lines.length > 0 ? ['**Largest files in the layers that grew:**', ...lines] : [];
}

/**
 * Hint texts are ours, but a merged report (`mode: report`) brings them from a job that ran
 * untrusted code: they are escaped like everything else, with `backtick` spans kept as code.
 */
function hintLine(hint: Hint): string {
  const examples = hint.examples.slice(0, EXAMPLES_PER_HINT).map(sized).join(', ');
  const packages = hint.packages
    .map((owner) => `${escapeMarkdown(owner.name)} ${formatBytes(owner.bytes)}`)
    .join(', ');
  const owners = packages === '' ? '' : ` Packages: ${packages}.`;
  return `💡 **${escapeWithCode(hint.title)}** (${formatBytes(hint.bytes)}): ${escapeWithCode(hint.fix)}${owners}${examples ? ` For example ${examples}.` : ''}`;
}

/** Escapes text; spans between backticks become `<code>` elements with escaped content. */
function escapeWithCode(text: string): string {
  return text
    .split('`')
    .map((part, index) => (index % 2 === 1 ? code(part) : escapeMarkdown(part)))
    .join('');
}

function sized(entry: SizedPath): string {
  return `${pathCode(entry.path)} ${formatBytes(entry.bytes)}`;
}

/** Inline code that no text can break out of: escaped text inside a `<code>` element. */
function code(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** An image path, shown absolute as it is inside the container. */
function pathCode(path: string): string {
  return code(`/${path.replace(/^\/+/, '')}`);
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
