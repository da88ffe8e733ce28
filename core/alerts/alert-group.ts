// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * The alerts of one notification group (Alertmanager's and Grafana's `groupKey`) as the one
 * incident of that group keeps them. The tools re-send the whole group at every
 * `group_interval` and `repeat_interval`, so a member is known by its fingerprint and the
 * start of its current episode (`startsAt`): a repeat is recognised however long ago the first
 * delivery was, a member that fired again after resolving is a new alert, and a resolution is
 * matched to the episode it ends.
 *
 * Bounded: people see the first MEMBER_SAMPLE members (with their labels), and the index that
 * matches repeats and resolutions holds MAX_TRACKED_MEMBERS fingerprints. Counts are exact up
 * to that bound; beyond it a member is counted by its delivery (see Incident.recordAlerts) and
 * its resolution lowers the count of untracked firing members.
 */

/** What an alert of a group carries from its source to the incident (after redaction). */
export interface AlertMember {
  /** The tool's group key, as sent (redacted); the incident key is derived from it. */
  groupKey: string;
  fingerprint: string;
  startsAt: string;
}

/** One member as a batch of alerts carries it; `labels` only on the batch's first MEMBER_SAMPLE. */
export interface BatchMember {
  deliveryId: string;
  fingerprint: string;
  startsAt: string;
  labels?: Record<string, string>;
}

/** A member as people see it in the incident. */
export interface GroupMember {
  fingerprint: string;
  startsAt: string;
  labels?: Record<string, string>;
  /** Set while the member's current episode is resolved. */
  resolvedAt?: string;
}

/** The group in the incident's state. */
export interface GroupView {
  key: string;
  /** The first MEMBER_SAMPLE members. */
  members: GroupMember[];
  /** Distinct alerts (fingerprints) that joined. */
  memberCount: number;
  /** Members whose current episode is firing. */
  firing: number;
  /** Members that joined once the index was full: counted, not matched (absent while none). */
  untracked?: number;
  /** Of `firing`, those untracked (absent while none). */
  untrackedFiring?: number;
}

/** fingerprint → [startsAt of its current episode, 1 when that episode is resolved]; compact, it may hold thousands. */
export type MemberIndex = Record<string, [string, 0 | 1]>;

export const MEMBER_SAMPLE = 20;
export const MAX_TRACKED_MEMBERS = 5000;

/** What a resolution of a member means for the group. */
export type MemberResolution =
  | { kind: 'resolved'; firing: number }
  /** Its episode was resolved before: nothing changes. */
  | { kind: 'repeat' }
  /** It ends an earlier episode; the member fired again since. */
  | { kind: 'ignored'; reason: string };

/** Distinct fingerprints (the first delivery of each) in the order they came. */
function distinct(members: BatchMember[]): BatchMember[] {
  const seen = new Set<string>();
  return members.filter((m) => !seen.has(m.fingerprint) && seen.add(m.fingerprint));
}

export class AlertGroup {
  constructor(
    readonly view: GroupView,
    /** A null-prototype object: a fingerprint is the sender's text, "__proto__" included. */
    readonly index: MemberIndex,
  ) {}

  static start(key: string): AlertGroup {
    return new AlertGroup({ key, members: [], memberCount: 0, firing: 0 }, Object.create(null) as MemberIndex);
  }

  static restore(view: GroupView, index: MemberIndex | undefined): AlertGroup {
    return new AlertGroup(view, Object.assign(Object.create(null) as MemberIndex, index ?? {}));
  }

  /**
   * Takes the members of a batch whose deliveries were not seen before; returns those that are
   * new alerts of the group (a first episode, or a member firing again after it resolved).
   * A repeat of a known episode, or a late firing of an episode already resolved, is not.
   */
  join(members: BatchMember[]): BatchMember[] {
    const fresh: BatchMember[] = [];
    let tracked = Object.keys(this.index).length;
    for (const m of distinct(members)) {
      const known = this.index[m.fingerprint];
      if (known === undefined) {
        this.view.memberCount += 1;
        this.view.firing += 1;
        if (tracked < MAX_TRACKED_MEMBERS) {
          this.index[m.fingerprint] = [m.startsAt, 0];
          tracked += 1;
        } else {
          this.view.untracked = (this.view.untracked ?? 0) + 1;
          this.view.untrackedFiring = (this.view.untrackedFiring ?? 0) + 1;
        }
        if (this.view.members.length < MEMBER_SAMPLE) this.view.members.push({ fingerprint: m.fingerprint, startsAt: m.startsAt, ...(m.labels ? { labels: m.labels } : {}) });
        fresh.push(m);
        continue;
      }
      const [startsAt, resolved] = known;
      // The same episode again, or an older one delivered late: nothing new.
      if (!(Date.parse(m.startsAt) > Date.parse(startsAt))) continue;
      if (resolved) this.view.firing += 1;
      this.index[m.fingerprint] = [m.startsAt, 0];
      const shown = this.view.members.find((x) => x.fingerprint === m.fingerprint);
      if (shown) {
        shown.startsAt = m.startsAt;
        delete shown.resolvedAt;
      }
      fresh.push(m);
    }
    return fresh;
  }

  /** A member's resolution: ends its current episode unless it is about an earlier one. */
  resolve(member: { fingerprint: string; startsAt: string }, resolvedAt: string): MemberResolution {
    const known = this.index[member.fingerprint];
    if (known === undefined) {
      // Beyond the index a resolution can only be counted; one of an alert that never joined
      // (it fired before the incident opened, or in another tenant's incident) changes nothing.
      if ((this.view.untrackedFiring ?? 0) > 0 && Object.keys(this.index).length >= MAX_TRACKED_MEMBERS) {
        this.view.untrackedFiring! -= 1;
        this.view.firing -= 1;
        return { kind: 'resolved', firing: this.view.firing };
      }
      return { kind: 'ignored', reason: 'the alert is not one of this incident\'s alerts (it never fired into it)' };
    }
    const [startsAt, resolved] = known;
    if (Date.parse(member.startsAt) < Date.parse(startsAt)) {
      return { kind: 'ignored', reason: `the resolution ends the alert's episode that started at ${member.startsAt}; it fired again at ${startsAt}` };
    }
    if (resolved && member.startsAt === startsAt) return { kind: 'repeat' };
    this.index[member.fingerprint] = [member.startsAt, 1];
    if (!resolved) this.view.firing -= 1;
    const shown = this.view.members.find((x) => x.fingerprint === member.fingerprint);
    if (shown) shown.resolvedAt = resolvedAt;
    return { kind: 'resolved', firing: this.view.firing };
  }
}
