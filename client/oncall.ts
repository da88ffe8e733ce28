import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../core/incident/actor';
import { OVERRIDE_LIMITS, OverrideInputError, overridesFor, scheduleOf } from '../core/oncall/override-input';
import type { RuntimeOverride } from '../core/oncall/runtime-override';
import { whoIsOnCall, type ScheduleOnCall } from '../core/oncall/who-is-on-call';
import { policiesOfTenant, type PolicyBook } from '../core/policy/routing';
import type { Policy } from '../core/policy/policy';
import { OnCallFeeds, type OnCallFeed } from '../ledger/oncall-feeds';
import { OnCallOverrides } from '../ledger/oncall-overrides';
import type { LedgerStore } from '../ledger/store';

/** The ledger chain a policy's run-time overrides are recorded under. */
export const overrideChain = (policy: string): string => `oncall-${policy}`;

/** Who asks, as the API knows them: their name for the record, and the tenants their token is bound to. */
export interface OnCallCaller {
  actor: Actor;
  /** Absent: every tenant. */
  tenants?: string[];
}

/**
 * Run-time overrides and swaps, who is on call, and feeds, for the API: checks against the
 * policies in force (core/oncall/override-input.ts), stores (ledger/oncall-overrides.ts) and
 * records each change in the chain `oncall-<policy>`. A tenant-bound caller sees and changes only
 * the policies its tenants are routed to; another policy is one that does not exist (404).
 */
export class OnCall {
  readonly overrides: OnCallOverrides;
  readonly feeds: OnCallFeeds;

  constructor(
    db: Pool,
    private readonly ledger: LedgerStore,
  ) {
    this.overrides = new OnCallOverrides(db);
    this.feeds = new OnCallFeeds(db);
  }

  /** The book as the caller may see it: only the policies its tenants are routed to. */
  static visible(book: PolicyBook, caller: OnCallCaller): PolicyBook {
    if (!caller.tenants) return book;
    const names = new Set(caller.tenants.flatMap((t) => policiesOfTenant(book, t)));
    return { ...book, policies: book.policies.filter((p) => names.has(p.name)) };
  }

  /** Records a change within the transaction that makes it (`LedgerStore.locked`): the row and its record go together or not at all. */
  private record(client: PoolClient, kind: 'oncall.override.taken' | 'oncall.override.cancelled', o: RuntimeOverride, actor: Actor, at: Date, extra: { reason?: string; swap?: string } = {}) {
    const { id, policy, schedule, responder, replaces, from, to } = o;
    return this.ledger.appendIn(client, {
      incidentId: overrideChain(policy),
      stepKey: `${overrideChain(policy)}/${id}/${kind}`,
      kind,
      occurredAt: at.toISOString(),
      actor,
      payload: { id, policy, schedule, responder, ...(replaces !== undefined ? { replaces } : {}), from, to, ...extra },
    });
  }

  /**
   * Takes an override, or both halves of a swap: checked first (nothing stored or recorded on a
   * refusal; 409 when the policy holds OVERRIDE_LIMITS.livePerPolicy live overrides already, or
   * an identical one is live), then stored and recorded in one transaction, so there is never a
   * row the ledger does not show, nor a record of a row that is not there.
   */
  async take(body: unknown, book: PolicyBook, caller: OnCallCaller, now: Date): Promise<RuntimeOverride[]> {
    const halves = overridesFor(body, { book: OnCall.visible(book, caller), now: now.getTime(), by: caller.actor.name, newId: () => `ovr-${randomBytes(6).toString('hex')}` });
    // Under the ledger's lock: two takes cannot both pass the checks below and then both store.
    await this.ledger.locked('take an on-call override', async (client) => {
      const policy = halves[0].policy;
      const live = await this.overrides.countLive(policy, now, client);
      if (live + halves.length > OVERRIDE_LIMITS.livePerPolicy) {
        throw new OverrideInputError(`policy "${policy}" holds ${live} live overrides, at most ${OVERRIDE_LIMITS.livePerPolicy}: cancel some (klaxon oncall overrides) or change the schedule in the policy file`, 409);
      }
      for (const o of halves) {
        const same = await this.overrides.findSame(o, now, client);
        if (same) throw new OverrideInputError(`the same override is live already: ${same.id} (${same.responder} on "${same.schedule}" from ${same.from} until ${same.to})`, 409);
      }
      for (const o of halves) await this.overrides.add(o, client);
      for (const [i, o] of halves.entries()) {
        const other = halves[1 - i];
        await this.record(client, 'oncall.override.taken', o, caller.actor, now, { reason: o.reason, ...(halves.length === 2 && other ? { swap: other.id } : {}) });
      }
    });
    return halves;
  }

  /**
   * The policies a tenant-bound caller may see, by name; undefined for a caller bound to no
   * tenant, who sees every policy's overrides, those of a policy since removed from the policy
   * book included (still live in the database, so still to be listed and cancelled).
   */
  private static policyNames(book: PolicyBook, caller: OnCallCaller): string[] | undefined {
    return caller.tenants ? OnCall.visible(book, caller).policies.map((p) => p.name) : undefined;
  }

  /**
   * Cancels a live override the caller may see, with its record, in one transaction and one
   * conditional UPDATE. Refused: 404 when there is none by that id (that the caller may see),
   * 409 when it is cancelled or ended already.
   */
  async cancel(id: string, book: PolicyBook, caller: OnCallCaller, now: Date): Promise<RuntimeOverride> {
    const outcome = await this.ledger.locked('cancel an on-call override', async (client) => {
      const done = await this.overrides.cancel(id, caller.actor.name, now, OnCall.policyNames(book, caller), client);
      if ('cancelled' in done) await this.record(client, 'oncall.override.cancelled', done.cancelled, caller.actor, now);
      return done;
    });
    if ('cancelled' in outcome) return outcome.cancelled;
    const shown = id.slice(0, 40);
    if ('unknown' in outcome) throw new OverrideInputError(`no override "${shown}"`, 404);
    if (outcome.already === 'cancelled') throw new OverrideInputError(`override "${shown}" was cancelled already (${outcome.override.cancelledAt})`, 409);
    throw new OverrideInputError(`override "${shown}" has ended already (${outcome.override.to})`, 409);
  }

  /** Live overrides (not ended, not cancelled) of the policies the caller may see. */
  async list(book: PolicyBook, caller: OnCallCaller, q: { policy?: string; schedule?: string }, now: Date): Promise<RuntimeOverride[]> {
    const names = OnCall.policyNames(book, caller);
    const notInForce = () => new OverrideInputError(`policy "${q.policy}" is not in force`, 404);
    if (q.policy !== undefined && names !== undefined && !names.includes(q.policy)) throw notInForce();
    const live = (await this.overrides.list({ ...q, after: now })).filter((o) => names === undefined || names.includes(o.policy));
    // A policy neither in the book nor holding an override is a typo, said as such.
    if (q.policy !== undefined && live.length === 0 && !book.policies.some((p) => p.name === q.policy)) throw notInForce();
    return live;
  }

  /**
   * Mints a feed-only link for one schedule (or one person's shifts on it): the feed's path,
   * its secret in the query. It reads less than the caller may, so any reader may mint one.
   */
  async mintFeed(book: PolicyBook, caller: OnCallCaller, q: { schedule: string; policy?: string; responder?: string }, now: Date): Promise<{ feed: OnCallFeed; path: string }> {
    const { policy, schedule } = scheduleOf(OnCall.visible(book, caller), q.schedule, q.policy);
    if (q.responder !== undefined && !policy.responders.some((r) => r.name === q.responder)) throw new OverrideInputError(`responder "${q.responder}" is not a responder of policy "${policy.name}"`);
    const who: { responder?: string } = q.responder !== undefined ? { responder: q.responder } : {};
    const { feed, secret } = await this.feeds.mint({ policy: policy.name, schedule: schedule.name, ...who, by: caller.actor.name }, now);
    const params = new URLSearchParams({ policy: policy.name, ...(q.responder !== undefined ? { responder: q.responder } : {}), feed: secret });
    return { feed, path: `/v1/schedules/${encodeURIComponent(schedule.name)}.ics?${params.toString()}` };
  }

  /** Revokes a feed link of a policy the caller may see: its calendar stops updating. */
  async revokeFeed(id: string, book: PolicyBook, caller: OnCallCaller, now: Date): Promise<boolean> {
    return this.feeds.revoke(id, OnCall.visible(book, caller).policies.map((p) => p.name), now);
  }

  /** Who is on call at `at` and next, per schedule, live overrides included. */
  async whoIsOnCall(book: PolicyBook, caller: OnCallCaller, q: { policy?: string; schedule?: string; at: Date; zone: string }): Promise<ScheduleOnCall[]> {
    const policies = this.policiesAsked(OnCall.visible(book, caller), q.policy, q.schedule);
    const out: ScheduleOnCall[] = [];
    for (const p of policies) {
      const live = await this.overrides.list({ policy: p.name, after: q.at });
      out.push(...whoIsOnCall(p, live, { at: q.at.getTime(), zone: q.zone, ...(q.schedule !== undefined ? { schedule: q.schedule } : {}) }));
    }
    return out;
  }

  private policiesAsked(book: PolicyBook, policy: string | undefined, schedule: string | undefined): Policy[] {
    if (schedule !== undefined) return [scheduleOf(book, schedule, policy).policy];
    if (policy === undefined) return book.policies.filter((p) => p.schedules?.length);
    const named = book.policies.find((p) => p.name === policy);
    if (!named) throw new OverrideInputError(`policy "${policy}" is not in force`, 404);
    return [named];
  }
}
