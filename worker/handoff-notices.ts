import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { onCallAt } from '../core/escalation/schedule';
import { handoffMessage, type InheritedIncident } from '../core/oncall/handoff-message';
import { handoffWorkflowId, nextHandoff } from '../core/oncall/handoff';
import { withLiveRoster } from '../core/oncall/runtime-override';
import type { Policy } from '../core/policy/policy';
import type { SlackTransport } from '../activities/slack-transport';
import type { Incidents } from '../client/incidents';
import type { OnCallOverrides } from '../ledger/oncall-overrides';
import type { LedgerStore } from '../ledger/store';
import { handoff, type HandoffActivities } from '../workflows/handoff';

/** Open incidents a notice looks through for the policy's (one state query each). */
const MAX_OPEN_INCIDENTS = 50;

const ACTOR = { type: 'system' as const, name: 'klaxon-handoff' };

/**
 * The hand-off watches' activities over this worker's policies, the live overrides, the open
 * incidents (Temporal), Slack and the ledger. A notice is keyed by (schedule, shift start,
 * person): a retry, or a watch started twice, tells them once.
 */
export function handoffActivities(deps: { policies: () => readonly Policy[]; overrides: OnCallOverrides; incidents: Incidents; ledger: LedgerStore; slack: SlackTransport }): HandoffActivities {
  const live = async (policyName: string, scheduleName: string) => {
    const policy = deps.policies().find((p) => p.name === policyName);
    const schedule = policy?.schedules?.find((s) => s.name === scheduleName);
    if (!policy || !schedule?.handoffNotice) return undefined;
    const roster = withLiveRoster(policy, await deps.overrides.list({ policy: policyName, schedule: scheduleName }));
    return { policy, schedule: roster.schedules!.find((s) => s.name === scheduleName)!, minutesBefore: schedule.handoffNotice.minutesBefore };
  };
  return {
    async planHandoff({ policy, schedule, after }) {
      const found = await live(policy, schedule);
      if (!found) return { stop: true };
      const next = nextHandoff(found.schedule, Date.parse(after));
      if (!next) return { none: true };
      return { shiftStart: new Date(next.at).toISOString(), noticeAt: new Date(next.at - found.minutesBefore * 60_000).toISOString() };
    },

    async sendHandoffNotice({ policy: policyName, schedule: scheduleName, shiftStart }) {
      const found = await live(policyName, scheduleName);
      if (!found) return;
      const name = onCallAt(found.schedule, Date.parse(shiftStart)).responder;
      const responder = found.policy.responders.find((r) => r.name === name);
      if (!responder) return;
      const chain = handoffWorkflowId(policyName, scheduleName);
      const stepKey = `${chain}/${shiftStart}/${responder.name}`;
      if (await deps.ledger.byStepKey(stepKey)) return;
      // The notice goes even when visibility does not answer: saying so, rather than not at all.
      const inherited: InheritedIncident[] | undefined = await openIncidentsOf(deps.incidents, policyName).catch(() => undefined);
      if (responder.slackUserId) {
        const message = handoffMessage({ policy: policyName, schedule: scheduleName, shiftStart, zone: responder.timeZone, incidents: inherited });
        await deps.slack.post(responder.slackUserId, message, stepKey, Context.current().info.attempt > 1);
      }
      await deps.ledger.append({
        incidentId: chain,
        stepKey,
        kind: 'handoff.notice',
        occurredAt: new Date().toISOString(),
        actor: ACTOR,
        payload: { policy: policyName, schedule: scheduleName, responder: responder.name, shiftStart, minutesBefore: found.minutesBefore, channel: responder.slackUserId ? 'slack' : 'none', incidents: (inherited ?? []).map((i) => i.incidentId) },
      });
    },
  };
}

/** The open incidents of a policy (among the latest MAX_OPEN_INCIDENTS open ones). */
async function openIncidentsOf(incidents: Incidents, policyName: string): Promise<InheritedIncident[]> {
  const out: InheritedIncident[] = [];
  for (const summary of await incidents.list({ openOnly: true }, MAX_OPEN_INCIDENTS)) {
    const state = await incidents.state(summary.incidentId).catch(() => undefined);
    if (state?.policyName === policyName) out.push({ incidentId: state.incidentId, severity: state.severity, title: state.title });
  }
  return out;
}

/** Starts the watch of every schedule that asks for hand-off notices (one already running is left as it is). */
export async function startHandoffWatches(client: Client, taskQueue: string, policies: readonly Policy[]): Promise<string[]> {
  const started: string[] = [];
  for (const policy of policies) {
    for (const schedule of policy.schedules ?? []) {
      if (!schedule.handoffNotice) continue;
      const workflowId = handoffWorkflowId(policy.name, schedule.name);
      try {
        await client.workflow.start(handoff, { taskQueue, workflowId, args: [{ policy: policy.name, schedule: schedule.name }] });
        started.push(workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
  }
  return started;
}
