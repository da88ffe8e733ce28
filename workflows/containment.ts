import { proxyActivities } from '@temporalio/workflow';
import type { Audited } from '../activities/audited';
import type { ContainmentActivities } from '../activities/containment';
import { addressOn, channelsWith, type Channel } from '../core/channels/channels';
import { containmentAlarm, containmentAlarmKey } from '../core/escalation/alarms';
import type { ContainmentAction } from '../core/containment/containment';
import type { Incident } from '../core/incident/incident';
import type { ContainmentNotice } from '../core/channels/slack-message';
import { channelActivities, closeAlarm, reasonOf } from './channel-activities';
import { carrying, type LedgerWriter } from './ledger-writer';

// Containment runs with back-off; what still fails after about two minutes is recorded as
// failed and announced loudly (the people decide), never retried silently for ever.
const act = proxyActivities<ContainmentActivities & { applyContainmentAudited: Audited<ContainmentActivities['applyContainment']>; undoContainmentAudited: Audited<ContainmentActivities['undoContainment']> }>({
  startToCloseTimeout: '40 seconds',
  // Each adapter call has its own 10-second limit; no heartbeat for longer means the worker died.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});
const announce = channelActivities({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });
// Alarms about a failure are given up after a while (and recorded): the notice to the incidents room is out already.
const alarms = channelActivities({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: '5 minutes', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } });

/**
 * The containment saga of an incident, run from its main loop: approvals are announced to
 * approvers, approved actions run one at a time through the tenant's adapter (verified by
 * reading back), and when the incident ends what was applied is undone newest first. The
 * idempotency key of every adapter call is `<incident>/<action>`, so a retry, or a worker
 * that crashed mid-action, never acts twice.
 */
export function createContainmentRunner(incident: Incident, stepKeyBase: string, writer?: LedgerWriter) {
  const c = incident.containment;
  /** The addresses on `channel` of the responders named, each once. */
  const addressesOn = (channel: Channel, names: string[]) => [
    ...new Set(
      names.flatMap((n) => {
        const r = incident.policy.responders.find((x) => x.name === n);
        return (r && addressOn(channel, r)) ?? [];
      }),
    ),
  ];
  const approvers = () => {
    const role = incident.policy.containment?.approverRole ?? 'approver';
    return incident.policy.responders.filter((r) => r.roles?.includes(role)).map((r) => r.name);
  };
  /** A failure is for everyone paged so far and the approvers. */
  const everyone = () => [...incident.snapshot().pages.map((p) => p.responder), ...approvers()];

  const tell = async (a: ContainmentAction, notice: ContainmentNotice, names: string[], attempt = 0): Promise<void> => {
    const stepKey = `${stepKeyBase}/containment/${a.id}/${notice}${attempt ? `/${attempt}` : ''}`;
    for (const ch of channelsWith('announce')) {
      await announce[ch.announce.activities.containment](ch.announce.input({ stepKey, state: incident.snapshot(), about: { action: a, notice }, mention: addressesOn(ch, names), policy: incident.policy }));
    }
  };
  /** A failure raises an alarm (PagerDuty) for everyone told of it who can get one: loud, as the issue of a leak still open is. */
  const alarm = async (a: ContainmentAction, names: string[], now: () => string): Promise<void> => {
    const state = incident.snapshot();
    const raises = channelsWith('alarm').flatMap((ch) =>
      addressesOn(ch, names).map((address) => ({ address, raise: () => alarms[ch.alarm.raise.activity](ch.alarm.raise.input({ incidentId: state.incidentId, tenant: state.tenant, address, alarm: containmentAlarm(state, a) })) })),
    );
    if (!raises.length) return;
    const outcomes = await Promise.allSettled(raises.map((r) => r.raise()));
    const paged = raises.filter((_, i) => outcomes[i].status === 'fulfilled').map((r) => r.address);
    const failures = raises.flatMap((r, i) => (outcomes[i].status === 'rejected' ? [{ service: r.address, reason: reasonOf((outcomes[i] as PromiseRejectedResult).reason) }] : []));
    c.alarmed(a.id, paged, failures, now());
  };
  const requestOf = (a: ContainmentAction) => ({ incidentId: incident.snapshot().incidentId, actionId: a.id, tenant: a.tenant, spec: a.spec, idempotencyKey: `${incident.snapshot().incidentId}/${a.id}` });
  /** Applies or undoes, carrying the incident's audit events when the run is under the release patch (`writer`). */
  const apply = (a: ContainmentAction) =>
    writer ? carrying(writer, () => act.applyContainment(requestOf(a)), (audit) => act.applyContainmentAudited(audit, requestOf(a))) : act.applyContainment(requestOf(a));
  const undo = (a: ContainmentAction) =>
    writer ? carrying(writer, () => act.undoContainment(requestOf(a)), (audit) => act.undoContainmentAudited(audit, requestOf(a))) : act.undoContainment(requestOf(a));

  return {
    hasWork: (now: string) => c.hasWork(now),
    owesUndo: () => c.owesUndo(),
    nextRetryAt: () => c.nextRetryAt(),

    async run(now: () => string): Promise<void> {
      for (const a of c.toAnnounce()) {
        await tell(a, 'approval-needed', approvers());
        c.announced(a.id);
      }
      for (const a of c.toApply()) {
        // A drill's action outside its sandbox is planned, not run (only drills have any).
        if (c.isDryRun(a)) {
          c.dryRun(a.id, now());
          continue;
        }
        try {
          c.applied(a.id, await apply(a), now());
        } catch (err) {
          c.applyFailed(a.id, reasonOf(err), now());
          await tell(a, 'failed', everyone());
          await alarm(a, everyone(), now);
        }
      }
      c.settle(now());
      for (const a of c.alarmsToClose()) {
        c.alarmClosed(a.id, await closeAlarm(alarms, containmentAlarmKey(incident.snapshot().incidentId, a.id), a.pagedServices!), now());
      }
      for (const a of c.toUndo(now())) {
        try {
          c.undone(a.id, await undo(a), now());
        } catch (err) {
          c.undoFailed(a.id, reasonOf(err), now());
          await tell(a, 'undo-failed', everyone(), a.undoAttempts);
          await alarm(a, everyone(), now);
        }
      }
    },
  };
}
