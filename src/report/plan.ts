import type { PlannedShard } from '../plan.js';
import { formatBytes } from '../core/units.js';
import { escapeMarkdown } from './markdown.js';

/** The shards of a plan as a markdown table: services, baseline bytes, services without one. */
export function renderPlan(shards: readonly PlannedShard[]): string {
  const rows = shards.map(
    (shard) =>
      `| ${shard.shard} | ${shard.services.length} | ${formatBytes(shard.bytes)} | ${shard.unknown} | ${escapeMarkdown(shard.services.join(', '))} |`,
  );
  return [
    `### Image sizes: ${shards.length} ${shards.length === 1 ? 'shard' : 'shards'}`,
    '',
    '| Shard | Services | Baseline bytes | Not in the baseline | Names |',
    '|--:|--:|--:|--:|:--|',
    ...rows,
    '',
  ].join('\n');
}
