// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { ClockNotice } from './legal-clocks';
import type { Policy, Responder } from '../policy/policy';

/** Who hears of a clock's notice, and whether it pages (PagerDuty) rather than only tells. */
export interface ClockAudience {
  responders: Responder[];
  /** Overdue filings page: a missed legal deadline is a SEV1 for the people who own it. */
  loud: boolean;
}

/**
 * The DPO / legal ladder (`regulatory.ladder`): a clock's first notice reaches rung 1, its
 * second rungs 1-2, and so on, so a deadline nobody acts on climbs towards whoever must
 * answer for it; an overdue clock reaches every rung at once. Without a ladder, the
 * responders with the `dpo` or `legal` role are told in Slack.
 */
export function clockAudience(policy: Policy, notice: ClockNotice): ClockAudience {
  const ladder = policy.regulatory?.ladder;
  if (!ladder?.length) {
    return { responders: policy.responders.filter((r) => r.roles?.some((role) => role === 'dpo' || role === 'legal')), loud: false };
  }
  const rungs = notice.kind === 'overdue' ? ladder : ladder.slice(0, Math.min(notice.sequence, ladder.length));
  const names = rungs.flatMap((rung) => rung.notify.flatMap((t) => (typeof t === 'string' ? [t] : (policy.teams?.find((team) => team.name === t.team)?.members ?? []))));
  const responders = [...new Set(names)].flatMap((name) => policy.responders.filter((r) => r.name === name));
  return { responders, loud: notice.kind === 'overdue' };
}
