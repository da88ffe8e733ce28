// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { RESPONDER_CHANNELS, type ResponderRef } from './actor';
import { IncidentRuleError } from './incident-rule-error';
import type { Policy, Responder } from '../policy/policy';

/** Who a reference names under the incident's policy, or an IncidentRuleError saying why nobody. */
export function identifyResponder(policy: Policy, ref: ResponderRef): Responder {
  // `via` is written to the ledger with the change: only a known channel is.
  if (!(RESPONDER_CHANNELS as readonly unknown[]).includes(ref?.via)) throw new IncidentRuleError(`"${String(ref?.via)}" is not a channel a responder acts through; known: ${RESPONDER_CHANNELS.join(', ')}`);
  const found = ref.responder
    ? policy.responders.find((r) => r.name === ref.responder)
    : ref.slackUserId
      ? policy.responders.find((r) => r.slackUserId === ref.slackUserId)
      : ref.pagerDutyUserId
        ? policy.responders.find((r) => r.pagerDutyUserId === ref.pagerDutyUserId)
        : undefined;
  if (!found) {
    const who =
      ref.responder ?? (ref.slackUserId ? `Slack user ${ref.slackUserId}` : ref.pagerDutyUserId ? `PagerDuty user ${ref.pagerDutyUserId}` : 'an anonymous caller');
    throw new IncidentRuleError(`${who} is not a responder of policy "${policy.name}" and may not act on this incident`);
  }
  return found;
}
