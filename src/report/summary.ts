import type { Verdict } from '../compare/types.js';
import { renderComment, renderServiceDetails, type CommentOptions } from './comment.js';
import { renderBuildsMarkdown } from './builds.js';
import { renderMarkdown } from './markdown.js';

/** GitHub drops a step summary larger than 1 MiB whole; keep well under it. */
const SUMMARY_MAX_BYTES = 1_000_000;

/**
 * The job summary (and the `markdown` output): the table, the chart and the reasons, then every
 * service's details in full. Only when that passes GitHub's limit (hundreds of services) are the
 * details trimmed, the way the comment trims them.
 */
export function renderSummary(verdict: Verdict, analyze: CommentOptions['analyze']): string {
  const details = renderServiceDetails(verdict, analyze);
  const builds = renderBuildsMarkdown(verdict);
  const overview = [renderMarkdown(verdict).trimEnd(), builds].filter(Boolean).join('\n\n');
  const full = details === '' ? `${overview}\n` : `${overview}\n\n${details}\n`;
  if (Buffer.byteLength(full) <= SUMMARY_MAX_BYTES) return full;
  for (let maxLength = SUMMARY_MAX_BYTES / 2; ; maxLength = Math.floor(maxLength / 2)) {
    const comment = renderComment(verdict, { key: '', refreshHint: '', analyze, maxLength });
    const body = comment.slice(comment.indexOf('\n') + 1);
    if (Buffer.byteLength(body) <= SUMMARY_MAX_BYTES || maxLength < 10_000) return body;
  }
}
