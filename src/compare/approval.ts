import type { Approval, ServiceFindings } from './types.js';

/**
 * Approved growth: a pull request label, added by someone who may write to the repository,
 * turns size failures (budget, increase and creep breaches) into warnings for that pull request. An
 * error is never approved away: a service that could not be measured still fails.
 */
export function approveFindings(
  findings: ServiceFindings,
  approval: Approval | undefined,
): ServiceFindings {
  if (approval?.kind !== 'approved') return findings;
  const sizeBreaches = findings.breaches.filter((breach) => breach.kind !== 'error');
  if (sizeBreaches.length === 0) return findings;
  const breaches = findings.breaches.filter((breach) => breach.kind === 'error');
  return {
    ...findings,
    status: breaches.length > 0 ? findings.status : 'warn',
    breaches,
    reasons: [...findings.reasons, approvedReason(approval)],
  };
}

export function approvedReason(approval: Approval & { kind: 'approved' }): string {
  return `approved by @${approval.by} with the ${approval.label} label (${approval.at}): a warning for this pull request`;
}
