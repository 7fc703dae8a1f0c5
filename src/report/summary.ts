import type { Verdict } from '../compare/types.js';
import { renderServiceDetails, type CommentOptions } from './comment.js';
import { renderMarkdown } from './markdown.js';

/**
 * The job summary (and the `markdown` output): the table, the chart and the reasons, then every
 * service's details in full; the summary's 1 MiB allows what a comment has to trim.
 */
export function renderSummary(verdict: Verdict, analyze: CommentOptions['analyze']): string {
  const details = renderServiceDetails(verdict, analyze);
  const overview = renderMarkdown(verdict).trimEnd();
  return details === '' ? `${overview}\n` : `${overview}\n\n${details}\n`;
}
