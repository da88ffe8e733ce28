import { validatePolicy, type Policy } from '../../core/policy/policy';

/** A responder reached on Slack and by e-mail at once, so a Slack outage shows as an e-mail fail-over. */
const reach = (name: string, slackUserId: string) => ({
  name,
  slackUserId,
  email: `${name}@example.com`,
  timeZone: 'Europe/Berlin',
  notify: { high: [{ channel: 'slack' as const, afterMinutes: 0 }, { channel: 'email' as const, afterMinutes: 0 }] },
});

/**
 * The drills' workflow tests' policy: alice at level 1 for 5 minutes, then bob for 30, no repeat;
 * `more` adds sections (containment, the DPO/legal ladder).
 */
export function drillLadder(more: Partial<Policy> = {}): Policy {
  return validatePolicy({
    name: 'drill-ladder',
    responders: [reach('alice', 'U0ALICE'), reach('bob', 'U0BOB')],
    levels: [{ targets: ['alice'], timeoutMinutes: 5 }, { targets: ['bob'], timeoutMinutes: 30 }],
    repeat: 0,
    autoResolve: false,
    ...more,
  });
}
