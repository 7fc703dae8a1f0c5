import type { PackageChange } from '../compare/packages.js';
import type { ServiceResult, Verdict } from '../compare/types.js';
import { plural } from '../core/text.js';
import { formatBytes, formatSignedBytes } from '../core/units.js';
import { escapeMarkdown, shortInstruction, terminalText } from './markdown.js';

/** Package rows shown per service in a comment or summary, and per service in a terminal. */
const PACKAGE_ROWS = 10;
const TERMINAL_ROWS = 5;

/**
 * A changed service's "Packages" part: the largest package changes (`+ gcc-12 12.2.0-14`,
 * `numpy 1.26.4 → 2.1.0`, `− libpython3.11-dev`), the totals per ecosystem, and the packages
 * each grown layer added. Empty when there is nothing to say. Names come from the image and are
 * escaped.
 */
export function renderPackages(service: ServiceResult): string {
  const findings = service.packages;
  if (!findings) return '';
  const parts: string[] = [];
  const shown = findings.changes.slice(0, PACKAGE_ROWS);
  if (shown.length > 0) {
    const rows = shown.map(
      (change) =>
        `| ${escapeMarkdown(changeLabel(change))} | ${escapeMarkdown(versionText(change))} | ${formatSignedBytes(change.delta)} |`,
    );
    const rest = findings.changes.slice(PACKAGE_ROWS);
    const more =
      rest.length === 0
        ? ''
        : `\n\n…and ${rest.length} smaller package ${plural(rest.length, 'change')} (${formatSignedBytes(sumDeltas(rest))} together).`;
    parts.push(
      `**Packages:**\n\n| Package | Version | Change |\n|:--|:--|--:|\n${rows.join('\n')}${more}`,
    );
  }
  const totals = findings.totals
    .filter((total) => total.bytesBefore !== undefined && total.delta !== 0)
    .map(
      (total) =>
        `${total.ecosystem} ${formatSignedBytes(total.delta)} (${countChange(total.packagesBefore ?? 0, total.packagesAfter)})`,
    );
  if (totals.length > 0) parts.push(`**By ecosystem:** ${totals.join(' · ')}`);
  const layers = service.measurement?.layers ?? [];
  const grown = findings.grownLayers.flatMap((grownLayer) => {
    const layer = layers[grownLayer.layer];
    if (!layer) return [];
    const packages = grownLayer.packages.map(
      (usage) => `${escapeMarkdown(short(usage.name))} ${formatBytes(usage.bytes)}`,
    );
    return [
      `- layer ${grownLayer.layer + 1} (<code>${escapeMarkdown(shortInstruction(layer.instruction))}</code>): ${packages.join(', ')}`,
    ];
  });
  if (grown.length > 0) parts.push(['**Packages in the layers that grew:**', ...grown].join('\n'));
  if (findings.warnings.length > 0) {
    parts.push(
      `⚠️ Package attribution is partial: ${findings.warnings.slice(0, 3).map(escapeMarkdown).join('; ')}${findings.warnings.length > 3 ? ` (and ${findings.warnings.length - 3} more)` : ''}. Sizes are exact regardless.`,
    );
  }
  return parts.join('\n\n');
}

/** The largest package changes of each service, for a terminal; '' when none changed. */
export function renderTerminalPackages(verdict: Verdict): string {
  const lines: string[] = [];
  for (const service of verdict.services) {
    const changes = service.packages?.changes ?? [];
    if (changes.length === 0 || service.collapsed) continue;
    const shown = changes.slice(0, TERMINAL_ROWS).map((change) => {
      const label = terminalText(changeLabel(change));
      return `  ${label} ${terminalText(versionText(change))} ${formatSignedBytes(change.delta)}`;
    });
    const rest = changes.length - shown.length;
    lines.push(
      `${terminalText(service.name)}: packages`,
      ...shown,
      ...(rest > 0 ? [`  …and ${rest} more`] : []),
    );
  }
  return lines.join('\n');
}

/** Names and versions come from the image: a long one must not eat the comment's space. */
const MAX_TEXT = 100;

function short(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** `+ gcc-12` (added), `− libpython3.11-dev` (removed), `numpy` (changed). */
function changeLabel(change: PackageChange): string {
  const name =
    change.ecosystem === 'dpkg'
      ? short(change.name)
      : `${short(change.name)} (${change.ecosystem})`;
  if (change.kind === 'added') return `+ ${name}`;
  if (change.kind === 'removed') return `− ${name}`;
  return name;
}

function versionText(change: PackageChange): string {
  const { versionBefore, versionAfter } = change;
  if (change.kind === 'version-changed') {
    return `${short(versionBefore ?? '')} → ${short(versionAfter ?? '')}`;
  }
  return short(versionAfter ?? versionBefore ?? '');
}

function countChange(before: number, after: number): string {
  return before === after
    ? `${after} ${plural(after, 'package')}`
    : `${before} → ${after} ${plural(after, 'package')}`;
}

function sumDeltas(changes: readonly PackageChange[]): number {
  return changes.reduce((sum, change) => sum + change.delta, 0);
}
