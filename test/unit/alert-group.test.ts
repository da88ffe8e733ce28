import { batchAlerts } from '../../core/alerts/alert-batch';
import { MAX_TRACKED_MEMBERS, MEMBER_SAMPLE } from '../../core/alerts/alert-group';
import type { Alert } from '../../core/alerts/alert';
import { Incident } from '../../core/incident/incident';
import { REMEMBERED_DELIVERIES } from '../../core/incident/incident-alerts';
import { alertTextProblems, keptAlert } from '../../core/alerts/kept-alert';
import type { SourceResolution } from '../../core/sources/source';
import { sampleAlert, samplePolicy } from '../support/samples';
import { ignoredBecause } from '../support/ledger-events';

/**
 * The incident of an Alertmanager / Grafana notification group: its alerts counted once each
 * however often the tool re-sends the group, each member's resolution recorded, and the
 * incident resolved by the source only once every member that fired is resolved.
 */
const T = '2026-11-24T10:00:00.000Z';
const LATER = '2026-11-24T10:30:00.000Z';
const STARTS = '2026-11-24T09:58:30.000Z';

/** Member `fp` of the group as the API hands it on (kept alert), firing since `startsAt`. */
function member(fp: string, startsAt = STARTS): Alert {
  return sampleAlert({
    source: 'alertmanager',
    title: 'CrossTenantCacheHit',
    dedupKey: 'alertmanager:group:g1',
    deliveryId: `${fp}/firing/${startsAt}`,
    details: { labels: { alertname: 'CrossTenantCacheHit', tenant: 'acme', pod: fp } },
    member: { groupKey: '{}:{alertname="CrossTenantCacheHit", tenant="acme"}', fingerprint: fp, startsAt },
  });
}

function resolution(fp: string, startsAt = STARTS, resolvedAt = LATER): SourceResolution {
  return {
    source: 'alertmanager', title: 'CrossTenantCacheHit', labels: { pod: fp }, tenant: 'acme', dedupKey: 'alertmanager:group:g1',
    deliveryId: `${fp}/resolved/${startsAt}`, resolvedAt, member: { fingerprint: fp, startsAt },
  };
}

const fps = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `fp${String(i + from).padStart(5, '0')}`);

/** Opens the group's incident from its first member and takes the notification of all `members`, as the API signals them. */
function openGroup(members: string[], autoResolve = true): Incident {
  const inc = Incident.open('inc-acme-g1', { ...samplePolicy, autoResolve }, member(members[0]), T);
  inc.recordAlerts(batchAlerts(members.map((fp) => member(fp))), T);
  return inc;
}

describe('a notification group', () => {
  it('is one incident counting each of its alerts once, however often the group is re-sent', () => {
    const inc = openGroup(fps(5));
    expect(inc.snapshot()).toMatchObject({ alertCount: 5, group: { memberCount: 5, firing: 5, key: '{}:{alertname="CrossTenantCacheHit", tenant="acme"}' } });
    expect(inc.snapshot().group!.members.map((m) => [m.fingerprint, m.startsAt, m.labels?.pod])).toEqual(fps(5).map((fp) => [fp, STARTS, fp]));
    // repeat_interval: the whole group again.
    expect(inc.recordAlerts(batchAlerts(fps(5).map((fp) => member(fp))), LATER)).toEqual({ counted: 0, alertCount: 5 });
    // A new alert joins the group: counted, listed.
    expect(inc.recordAlerts(batchAlerts([...fps(5), 'fp-new'].map((fp) => member(fp))), LATER)).toEqual({ counted: 1, alertCount: 6 });
    const received = inc.takeEvents().filter((e) => e.kind === 'alert.received');
    expect(received.map((e) => e.payload.group)).toEqual([
      { joined: [{ fingerprint: 'fp00000', startsAt: STARTS }], firing: 1, members: 1 },
      { joined: fps(4, 1).map((fingerprint) => ({ fingerprint, startsAt: STARTS })), firing: 5, members: 5 },
      { joined: [{ fingerprint: 'fp-new', startsAt: STARTS }], firing: 6, members: 6 },
    ]);
  });

  it('records each member\'s resolution, and resolves itself only when every member that fired has', () => {
    const inc = openGroup(fps(3));
    inc.takeEvents();
    for (const fp of fps(2)) expect(inc.recordSourceResolution(resolution(fp), LATER, T)).toBe(true);
    expect(inc.snapshot()).toMatchObject({ status: 'triggered', group: { firing: 1, memberCount: 3 } });
    expect(inc.snapshot().group!.members.map((m) => m.resolvedAt)).toEqual([LATER, LATER, undefined]);
    // Alertmanager re-sends a resolved member with the rest of the group: not recorded twice.
    expect(inc.recordSourceResolution(resolution('fp00000'), LATER, T)).toBe(false);
    inc.recordSourceResolution(resolution('fp00002'), LATER, T);
    expect(inc.snapshot()).toMatchObject({ status: 'resolved', resolvedBy: 'alertmanager', resolveNote: 'resolved by alertmanager: all 3 alerts of the group resolved', group: { firing: 0 } });
    const events = inc.takeEvents();
    expect(events.map((e) => (e.kind === 'alert.resolved_by_source' ? [e.kind, e.payload.member?.fingerprint, e.payload.firing] : [e.kind, undefined, undefined]))).toEqual([
      ['alert.resolved_by_source', 'fp00000', 2],
      ['alert.resolved_by_source', 'fp00001', 1],
      ['alert.resolved_by_source', 'fp00002', 0],
      ['incident.resolved', undefined, undefined],
    ]);
  });

  it('without auto-resolve, records every resolution and waits for a person, who may resolve at any time', () => {
    const inc = openGroup(fps(2), false);
    for (const fp of fps(2)) inc.recordSourceResolution(resolution(fp), LATER, T);
    expect(inc.snapshot()).toMatchObject({ status: 'triggered', group: { firing: 0 } });
    const byHand = openGroup(fps(2));
    byHand.resolve({ responder: 'alice', via: 'cli' }, T, 'contained');
    expect(byHand.snapshot()).toMatchObject({ status: 'resolved', resolvedBy: 'alice', group: { firing: 2 } });
  });

  it('counts a member that fires again as a new alert, and ignores a late resolution of its earlier episode', () => {
    const inc = openGroup(fps(2));
    inc.recordSourceResolution(resolution('fp00000'), LATER, T);
    const again = '2026-11-24T10:40:00.000Z';
    expect(inc.recordAlerts(batchAlerts([member('fp00000', again), member('fp00001')]), again)).toEqual({ counted: 1, alertCount: 3 });
    expect(inc.snapshot().group).toMatchObject({ memberCount: 2, firing: 2 });
    // A firing delivery of the resolved episode, late: not counted, and the member stays as it is.
    expect(inc.recordAlerts(batchAlerts([member('fp00000')]), again).counted).toBe(0);
    inc.takeEvents();
    // The first episode's resolution, delivered again after the window of remembered deliveries: ignored with the reason.
    inc.recordSourceResolution({ ...resolution('fp00000'), deliveryId: 'resent' }, again, T);
    expect(ignoredBecause(inc.takeEvents()[0])).toMatch(/it fired again at 2026-11-24T10:40:00.000Z/);
    inc.recordSourceResolution(resolution('fp00001'), again, T);
    expect(inc.status).toBe('triggered');
    inc.recordSourceResolution(resolution('fp00000', again), again, T);
    expect(inc.status).toBe('resolved');
  });

  it('ignores, with the reason, the resolution of an alert that never fired into it', () => {
    const inc = openGroup(fps(1));
    inc.takeEvents();
    inc.recordSourceResolution(resolution('fp-other'), LATER, T);
    expect(inc.status).toBe('triggered');
    expect(ignoredBecause(inc.takeEvents()[0])).toMatch(/not one of this incident's alerts/);
  });

  it('stays bounded for a group of thousands: a sample of members listed, every one counted, repeats recognised past the deliveries remembered', () => {
    const all = fps(MAX_TRACKED_MEMBERS + 500);
    const inc = openGroup(all);
    const s = inc.snapshot();
    expect(s.alertCount).toBe(all.length);
    expect(s.group).toMatchObject({ memberCount: all.length, firing: all.length, untracked: 500 });
    expect(s.group!.members).toHaveLength(MEMBER_SAMPLE);
    // What a continue-as-new carries once the ledger took the events: the members' index and the
    // delivery ids remembered against retries (all of this group's, under REMEMBERED_DELIVERIES).
    inc.takeEvents();
    const remembered = JSON.stringify(all.slice(-REMEMBERED_DELIVERIES).map((fp) => member(fp).deliveryId)).length;
    expect(JSON.stringify(inc.memento()).length).toBeLessThan(MAX_TRACKED_MEMBERS * 60 + remembered + 60_000);
    const copy = Incident.restore({ ...samplePolicy, autoResolve: true }, inc.memento());
    expect(copy.recordAlerts(batchAlerts(all.slice(0, 2000).map((fp) => member(fp))), LATER).counted).toBe(0);
    for (const fp of all) copy.recordSourceResolution(resolution(fp), LATER, T);
    expect(copy.snapshot()).toMatchObject({ status: 'resolved', group: { firing: 0 } });
  });

  it('an incident opened per alert (no member) keeps its old behaviour: the first resolution resolves it', () => {
    const inc = Incident.open('inc-1', { ...samplePolicy, autoResolve: true }, sampleAlert(), T);
    inc.recordAlerts(batchAlerts([member('fp1')]), T);
    expect(inc.snapshot().group).toBeUndefined();
    inc.recordSourceResolution(resolution('fp1'), LATER, T);
    expect(inc.snapshot()).toMatchObject({ status: 'resolved', resolveNote: 'resolved by alertmanager' });
  });

  it('takes any fingerprint as a name, "__proto__" too, across a continue-as-new', () => {
    const inc = openGroup(['__proto__', 'constructor']);
    const copy = Incident.restore({ ...samplePolicy, autoResolve: true }, JSON.parse(JSON.stringify(inc.memento())));
    expect(copy.recordAlerts(batchAlerts([member('__proto__')]), LATER).counted).toBe(0);
    copy.recordSourceResolution(resolution('__proto__'), LATER, T);
    copy.recordSourceResolution(resolution('constructor'), LATER, T);
    expect(copy.snapshot()).toMatchObject({ status: 'resolved', group: { firing: 0, memberCount: 2 } });
  });

  it('refuses at intake a member no record can hold (naming the field), and keeps its group key redacted', () => {
    expect(alertTextProblems(member('f'.repeat(300)), (f) => `alerts.0.${f}`)).toEqual(['alerts.0.fingerprint: is 300 characters long; at most 255']);
    expect(alertTextProblems({ ...member('fp'), member: { groupKey: 'g', fingerprint: 'fp', startsAt: 'now\u0000' } }, (f) => `alerts.0.${f}`)).toEqual([expect.stringMatching(/^alerts\.0\.startsAt: holds the control character U\+0000/)]);
    const kept = keptAlert({ ...member('fp'), member: { groupKey: '{}:{user="jane@example.com"}', fingerprint: 'fp', startsAt: STARTS } });
    expect(kept.member!.groupKey).not.toContain('jane@example.com');
  });
});
