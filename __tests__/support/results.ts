import type { FailOn } from '../../src/core/model.js';
import type { ServiceFindings, ServiceResult, Verdict } from '../../src/compare/types.js';
import { finishService, finishVerdict } from '../../src/compare/verdict.js';

/**
 * A ServiceResult from hand-written findings, with every derived fact made by compare's own
 * code: a renderer test then sees what a real run would hand it.
 */
export function resultOf(findings: ServiceFindings, failOn: FailOn = 'any'): ServiceResult {
  return finishService(findings, failOn);
}

/** A verdict over hand-written findings, derived as compare derives it. */
export function verdictOf(
  findings: readonly ServiceFindings[],
  options: { readonly failOn?: FailOn; readonly totalBudget?: number } = {},
): Verdict {
  return finishVerdict({
    findings,
    metric: 'uncompressed',
    failOn: options.failOn ?? 'any',
    totalBudget: options.totalBudget,
    carriedSizes: [],
  });
}
