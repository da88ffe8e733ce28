import { allChannelActivities } from '../../activities/channels';
import { loadConfig } from '../../config/environment';
import { activityNames, CHANNELS, channelsWith } from '../../core/channels/channels';
import { rulesFor } from '../../core/escalation/notification-rules';
import { parsePolicyBook } from '../../core/policy/policy-document';

/** The channel table (core/channels/channels.ts) and what the worker and policies build from it. */
describe('the channel table', () => {
  it("has every activity a channel's descriptor names defined by its module, activities/<id>.ts", () => {
    const activities = allChannelActivities({ config: loadConfig({}) });
    for (const channel of CHANNELS) {
      for (const name of activityNames(channel)) expect([channel.id, name, typeof activities[name]]).toEqual([channel.id, name, 'function']);
    }
  });

  it('has one alarm channel: legal clocks and containment record the addresses an alarm paged without their channel', () => {
    // A second alarm channel needs core/regulation/legal-clocks.ts and core/containment/ to record the channel with each address.
    expect(channelsWith('alarm').map((c) => c.id)).toEqual(['pagerduty']);
  });

  it('reaches a responder without rules of their own on every channel they have, in its order', () => {
    expect(rulesFor({ email: 'a@example.com', slackUserId: 'U0A', pagerDutyService: 'ops' }, 'high').map((r) => r.channel)).toEqual(['slack', 'pagerduty', 'email']);
    expect(rulesFor({ email: 'a@example.com' }, 'low')).toEqual([{ channel: 'email', afterMinutes: 0 }]);
  });

  it("checks each channel's contact fields in policy files", () => {
    const policy = (responder: string) => ['name: p', 'responders:', `  - { name: alice, timeZone: UTC, ${responder} }`, 'levels:', '  - { targets: [alice], timeoutMinutes: 5 }'].join('\n');
    const errorOf = (text: string) => {
      try {
        parsePolicyBook(text, 'policy.yaml');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(errorOf(policy('slackUserId: U0A, pagerDutyService: ops, pagerDutyUserId: PALICE1, email: a@example.com'))).toBe('');
    expect(errorOf(policy('pagerDutyUserId: alice'))).toBe('policy.yaml:3:52: responders.0.pagerDutyUserId: responder "alice": "alice" is not a PagerDuty user id (P…)');
    expect(errorOf(policy('email: alice'))).toContain('responders.0.email: responder "alice": "alice" is not an email address');
    expect(errorOf(policy("pagerDutyService: ''"))).toContain('responders.0.pagerDutyService:');
    expect(errorOf(policy('teamsUserId: x'))).toContain('responders.0.teamsUserId: unknown field');
  });
});
