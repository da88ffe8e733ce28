import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import { addressOn, channelById } from '../core/channels/channels';
import type { Incident, LadderStep, PlannedPage } from '../core/incident/incident';
import type { Channel, NotificationRule } from '../core/escalation/notification-rules';
import { injectedFailure } from '../core/drills/injects';
import { auditedName, isAuditedStep, type AuditedResult } from '../core/audit/audited-steps';
import type { NewLedgerEvent } from '../ledger/event';
import { channelActivities, reasonOf } from './channel-activities';
import { carrying, type LedgerWriter } from './ledger-writer';

// The incident workflow reads it here, beside the notifier.
export { reasonOf } from './channel-activities';

const retry = { initialInterval: '1 second', maximumInterval: '30 seconds' } as const;

/** Activities bounded in total time: a channel that stays down must give way (to the next level, or the next channel). */
const within = (minutes: number) => channelActivities({ startToCloseTimeout: '30 seconds', scheduleToCloseTimeout: minutes * 60_000, retry });

/** How long a channel may keep failing before the responder's next channel takes over. */
export const FAILOVER_MINUTES = 2;

/**
 * Reaching the people a ladder step pages, by their notification rules: the first Slack
 * message at once (as every incident before notification rules did, so their histories
 * replay), then the other rules on their own timers while the ladder's timer runs. Every
 * pending notification is called off, and recorded, when paging stops (acknowledged,
 * snoozed, resolved).
 */
export function createNotifier(incident: Incident, stepKeyBase: string, flushLedger: () => void, writer?: LedgerWriter) {
  let paging = new CancellationScope();
  /** Notifications not yet sent, by page and channel. */
  const pending = new Map<string, { responder: string; channel: Channel }>();
  let following = 0;

  /**
   * Sends one notification, through the channel's page activity (core/channels/channels.ts);
   * false when the channel failed (and the next rule should fire now).
   * The first Slack message of a page (`first`) is recorded as it always was: the page itself,
   * under the key incidents have always used; every other notification is recorded by channel.
   */
  const send = async (page: PlannedPage, channel: Channel, level: number, o: { bound: number; first: boolean; next?: Channel }): Promise<boolean> => {
    const { index, key, recipient } = page;
    const { bound, first, next } = o;
    const stepKey = `${stepKeyBase}/page/${key}${first ? '' : `/${channel}`}`;
    const on = channelById(channel);
    try {
      // A drill's inject (channel down, responder silent) fails the notification without calling
      // its activity, recorded like any failure: fail-over and the ladder go on as for a real outage.
      const injected = injectedFailure(incident.drill, channel, recipient.name, Date.now());
      if (injected) throw new Error(injected);
      const request = { stepKey, state: incident.snapshot(), responder: recipient.name, address: addressOn(on, recipient), recipient, level, policy: incident.policy };
      const acts = within(bound);
      const page = (): Promise<unknown> => acts[on.page.activity](on.page.input(request));
      // The first message of a page carries the incident's audit events when it can (`writer`:
      // runs under the release patch, workflows/incident.ts).
      const name = on.page.activity;
      const landed =
        first && writer && isAuditedStep(name)
          ? await carrying(writer, page, (audit: NewLedgerEvent[]) => (acts[auditedName(name)] as unknown as (a: NewLedgerEvent[], i: object) => Promise<AuditedResult<unknown>>)(audit, on.page.input(request)))
          : await page();
      if ('landsAt' in on.page) incident.pageDelivered(index, landed as { channel: string; ts: string });
      if (!first) incident.notified(index, channel, new Date().toISOString());
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (first) incident.pageFailed(index, reasonOf(err), new Date().toISOString());
      else incident.notificationFailed(index, channel, reasonOf(err), next, new Date().toISOString());
      return false;
    }
  };

  /** The rules after the first message, each at its minute (or at once after a failure), until paging stops. */
  const follow = (page: PlannedPage, rules: NotificationRule[], level: number, startedAt: number, failedBefore: boolean): void => {
    const ids = rules.map((r) => `${page.key}/${r.channel}`);
    rules.forEach((r, i) => pending.set(ids[i], { responder: page.recipient.name, channel: r.channel }));
    following += 1;
    paging
      .run(async () => {
        let failoverNow = failedBefore;
        for (const [i, rule] of rules.entries()) {
          const wait = startedAt + rule.afterMinutes * 60_000 - Date.now();
          if (!failoverNow && wait > 0) await sleep(wait);
          failoverNow = !(await send(page, rule.channel, level, { bound: FAILOVER_MINUTES, first: false, next: rules[i + 1]?.channel }));
          pending.delete(ids[i]);
          flushLedger();
        }
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      })
      .finally(() => {
        following -= 1;
        for (const id of ids) pending.delete(id);
      });
  };

  return {
    /**
     * Pages a step's recipients. The first Slack message is awaited, bounded by the level's
     * time (or by FAILOVER_MINUTES when another channel can take over); the rest follow.
     */
    async deliver(step: Extract<LadderStep, { kind: 'page' }>): Promise<void> {
      const startedAt = Date.now();
      for (const page of step.pages) {
        const [first, ...rest] = page.recipient.rules;
        const inline = first?.channel === 'slack' && first.afterMinutes === 0;
        const bound = rest.length ? Math.min(step.within, FAILOVER_MINUTES) : step.within;
        const ok = inline ? await send(page, 'slack', step.level, { bound, first: true, next: rest[0]?.channel }) : true;
        const remaining = inline ? rest : page.recipient.rules;
        if (remaining.length) follow(page, remaining, step.level, startedAt, !ok);
      }
    },

    /** Calls off every notification still waiting, recording which. */
    stop(): void {
      if (following === 0) return;
      incident.notificationsCancelled([...pending.values()], new Date().toISOString());
      paging.cancel();
      paging = new CancellationScope();
      flushLedger();
    },

    /** Whether notifications are still under way (a continue-as-new waits for them). */
    get busy(): boolean {
      return following > 0;
    },
  };
}
