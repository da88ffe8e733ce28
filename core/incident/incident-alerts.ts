// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import { mostSevere, type AlertBatch } from '../alerts/alert-batch';
import { AlertGroup, type GroupView, type MemberIndex } from '../alerts/alert-group';
import { keepDataCategories, MAX_DATA_CATEGORIES, MAX_DATA_CATEGORIES_BYTES } from '../alerts/data-categories';
import { staleResolution } from '../alerts/stale-resolution';
import type { SourceResolution } from '../sources/source';
import { SYSTEM, type Actor } from './actor';
import type { IncidentPartHost } from './incident-part';

/** The incident's state that its alerts own: how many arrived, when the last did, the group they form. */
export interface AlertsSlice {
  alertCount: number;
  lastAlertAt: string;
  /** The notification group the incident stands for (Alertmanager, Grafana): its alerts, counted, and how many still fire. */
  group?: GroupView;
}

export interface AlertOutcome {
  /** Alerts of the batch counted now; deliveries seen before are not counted again. */
  counted: number;
  alertCount: number;
}

/** A source's resolution that ends the incident (the policy lets sources resolve, and nothing still fires). */
export interface ResolutionBySource {
  actor: Actor;
  note: string;
}

/**
 * Delivery ids an incident remembers to spot replays: a sender retrying a request it already
 * sent, also when the API replica that took it died after Temporal had it and before it
 * answered (the retry reaches another replica, which has no record of it). Bounded, so a storm
 * cannot grow the state without limit: a retry that comes after more than this many newer
 * deliveries counts again. The API's batches (MAX_BATCH in client/alert-intake.ts) are a fifth
 * of it, so a batch retried after four more full ones is still recognised. At 32 hex
 * characters an id, a full memory is about 350 kB of the continue-as-new input (Temporal
 * refuses a payload over 2 MB).
 */
export const REMEMBERED_DELIVERIES = 10_000;
/**
 * What incidents opened before the patch `2026-12-remember-more-deliveries` remember, so their
 * histories replay as they ran; their next run (continue-as-new) remembers REMEMBERED_DELIVERIES.
 */
export const REMEMBERED_DELIVERIES_BEFORE_2026_12 = 1000;

/** Adds the values `into` lacks, keeping its order. */
function mergeInto(into: string[], values: string[]): void {
  for (const v of values) if (!into.includes(v)) into.push(v);
}

/**
 * The alerts of an incident: each delivery counted once (replays spotted by delivery id, a
 * group's members by alert), the facts they add (surfaces, jurisdictions, data categories
 * within bounds, a higher severity), and what sources say has ended.
 */
export class IncidentAlerts {
  /** The alerts of the notification group, when the incident is a group's (its view lives in the state). */
  private readonly group: AlertGroup | undefined;
  /** Delivery ids seen, at most `remembered`; a Set iterates in insertion order, so oldest first. */
  private readonly seen: Set<string>;

  constructor(
    private readonly host: IncidentPartHost<AlertsSlice>,
    /** Delivery ids seen, oldest first (as `deliveries` gave them to the incident's memento). */
    deliveries: readonly string[],
    /** How many delivery ids to remember: REMEMBERED_DELIVERIES, or the bound the incident's run began with. */
    private readonly remembered: number,
    members?: MemberIndex,
  ) {
    this.group = host.state.group ? AlertGroup.restore(host.state.group, members) : undefined;
    this.seen = new Set(deliveries);
  }

  /** Delivery ids seen, oldest first, for the incident's memento. */
  get deliveries(): string[] {
    return [...this.seen];
  }

  /** Adds ids to the memory, forgetting the oldest beyond its bound. */
  private remember(ids: readonly string[]): void {
    for (const id of ids) this.seen.add(id);
    for (const id of this.seen) {
      if (this.seen.size <= this.remembered) break;
      this.seen.delete(id);
    }
  }

  /** The group's member index, for the memento; absent for an incident that is no group's. */
  get members(): MemberIndex | undefined {
    return this.group?.index;
  }

  private get state() {
    return this.host.state;
  }

  /** Counts a batch of alerts, each delivery once, and records them as one ledger event. */
  record(batch: AlertBatch, now: string): AlertOutcome {
    let fresh = [...new Set(batch.deliveryIds)].filter((id) => !this.seen.has(id));
    // A group's members are counted by alert, not only by delivery: a repeat of the whole group
    // (group_interval, repeat_interval) is recognised even past the deliveries remembered.
    // Batches without members (every batch of incidents opened before groups) skip this.
    const unseen = new Set(fresh);
    const joined = this.group && batch.members ? this.group.join(batch.members.filter((m) => unseen.has(m.deliveryId))) : undefined;
    if (joined && batch.members) {
      const members = new Set(batch.members.map((m) => m.deliveryId));
      const counted = new Set(joined.map((m) => m.deliveryId));
      fresh = fresh.filter((id) => !members.has(id) || counted.has(id));
    }
    if (fresh.length === 0) return { counted: 0, alertCount: this.state.alertCount };
    this.remember(fresh);
    const first = this.state.alertCount + 1;
    this.state.alertCount += fresh.length;
    this.state.lastAlertAt = batch.lastReceivedAt;
    // Batches signalled before classification existed carry no surfaces or jurisdictions.
    mergeInto(this.state.surfaces, batch.surfaces ?? []);
    mergeInto(this.state.jurisdictions, batch.jurisdictions ?? []);
    const severity = mostSevere(this.state.severity, batch.severity);
    const sample = batch.sample[0];
    this.host.record('alert.received', now, { type: 'system', name: sample.source, via: 'webhook' }, {
      source: sample.source,
      title: sample.title,
      severity: batch.severity,
      dedupKey: sample.dedupKey,
      count: fresh.length,
      alertNumbers: [first, this.state.alertCount],
      deliveryIds: fresh,
      firstReceivedAt: batch.firstReceivedAt,
      lastReceivedAt: batch.lastReceivedAt,
      alertCount: this.state.alertCount,
      ...(joined && this.group ? { group: { joined: joined.map((m) => ({ fingerprint: m.fingerprint, startsAt: m.startsAt })), firing: this.group.view.firing, members: this.group.view.memberCount } } : {}),
    });
    this.keepDataCategories(batch.dataCategories, now);
    if (severity !== this.state.severity) {
      this.host.record('severity.raised', now, SYSTEM, { from: this.state.severity, to: severity });
      this.state.severity = severity;
      // A raise can call for more (an incident channel): the workflow looks again.
      this.host.changed();
    }
    return { counted: fresh.length, alertCount: this.state.alertCount };
  }

  /** The batch's categories, within the bounds; those left out are counted, and recorded the first time. */
  private keepDataCategories(categories: string[], now: string): void {
    const left = keepDataCategories(this.state.dataCategories, categories, this.host.policy);
    if (left === 0) return;
    const before = this.state.dataCategoriesNotKept ?? 0;
    this.state.dataCategoriesNotKept = before + left;
    if (before === 0) {
      this.host.record('incident.data_categories_not_kept', now, SYSTEM, {
        kept: this.state.dataCategories.length,
        reason: `an incident keeps at most ${MAX_DATA_CATEGORIES} data categories, ${MAX_DATA_CATEGORIES_BYTES} bytes in all (besides those its rules match on): the rest are counted, not kept`,
      });
    }
  }

  /**
   * A source says what it alerted on is over: recorded, unless already seen (then `false`).
   * One that ended before this run opened (`runOpenedAt`: when its first alert was received)
   * is about an earlier run of the id: recorded as ignored, with the reason. In a group's
   * incident a member's resolution ends that member only (recorded, counted). Returns the
   * resolution of the incident it brings, when the policy lets sources resolve and nothing
   * of the group fires any more (a person's resolution is never overridden).
   */
  recordSourceResolution(resolution: SourceResolution, now: string, runOpenedAt: string): false | { resolves?: ResolutionBySource } {
    if (this.seen.has(resolution.deliveryId)) return false;
    this.remember([resolution.deliveryId]);
    const actor: Actor = { type: 'system', name: resolution.source, via: 'webhook' };
    let ignored = staleResolution(resolution.resolvedAt, runOpenedAt);
    // Resolutions without a member (every one signalled before groups) take the path they always took.
    const ofMember = this.group && resolution.member && !ignored ? this.group.resolve(resolution.member, resolution.resolvedAt) : undefined;
    if (ofMember?.kind === 'repeat') return false;
    if (ofMember?.kind === 'ignored') ignored = ofMember.reason;
    const firing = ofMember?.kind === 'resolved' ? ofMember.firing : undefined;
    const autoResolve = this.host.policy.autoResolve;
    this.host.record('alert.resolved_by_source', now, actor, {
      ...resolution,
      autoResolve,
      ...(firing !== undefined ? { firing, members: this.group!.view.memberCount } : {}),
      ...(ignored ? { ignored } : {}),
    });
    if (!autoResolve || this.state.status === 'resolved' || ignored || (firing !== undefined && firing !== 0)) return {};
    const note = firing === undefined ? `resolved by ${resolution.source}` : `resolved by ${resolution.source}: all ${this.group!.view.memberCount} alerts of the group resolved`;
    return { resolves: { actor, note } };
  }
}
