import { batchAlerts } from '../../core/alerts/alert-batch';
import { Incident } from '../../core/incident/incident';
import { REMEMBERED_DELIVERIES, REMEMBERED_DELIVERIES_BEFORE_2026_12 } from '../../core/incident/incident-alerts';
import { deliveryIdOf } from '../../core/sources/delivery-id';
import { MAX_BATCH } from '../../client/alert-intake';
import { IncidentRuleError } from '../../core/incident/incident-rule-error';
import { parseResponders, PolicyError, validatePolicy } from '../../core/policy/policy';
import { sampleAlert, samplePolicy } from '../support/samples';
import { incidentMessage, SLACK_ACTIONS } from '../../core/channels/slack-message';
import { ignoredBecause } from '../support/ledger-events';

const policy = samplePolicy;
const alert = sampleAlert;
const T = '2026-11-24T10:00:00.000Z';

describe('incident rules', () => {
  it('walks the ladder level by level, repeats it, then is exhausted', () => {
    const inc = Incident.open('inc-1', { ...policy, repeat: 1 }, alert(), T);
    const seen: string[] = [];
    let now = Date.parse(T);
    for (let step = inc.step(T); step.kind === 'page' || (step.kind === 'wait' && step.until !== undefined); step = inc.step(new Date(now).toISOString())) {
      if (step.kind === 'page') seen.push(`${step.pass}.${step.level}:${step.pages.map((p) => p.recipient.name).join()}`);
      else if (step.kind === 'wait') now = step.until!;
    }
    expect(seen).toEqual(['1.1:alice', '1.2:bob', '2.1:alice', '2.2:bob']);
    expect(now - Date.parse(T)).toBe(20 * 60_000);
    expect(inc.snapshot().ladderExhausted).toBe(true);
  });

  it('counts each delivery once, however batches repeat them', () => {
    const inc = Incident.open('inc-1', policy, alert(), T);
    expect(inc.recordAlerts(batchAlerts([alert()]), T)).toEqual({ counted: 0, alertCount: 1 });
    const batch = batchAlerts([alert({ deliveryId: 'd2', dataCategories: ['credentials'] }), alert({ deliveryId: 'd1' }), alert({ deliveryId: 'd2' }), alert({ deliveryId: 'd3' })]);
    expect(inc.recordAlerts(batch, T)).toEqual({ counted: 2, alertCount: 3 });
    expect(inc.snapshot().dataCategories).toEqual(['personal-data', 'credentials']);
    const events = inc.takeEvents();
    expect(events.map((e) => e.kind)).toEqual(['incident.opened', 'alert.received', 'alert.received']);
    expect(events[2].payload).toMatchObject({ count: 2, alertNumbers: [2, 3], deliveryIds: ['d2', 'd3'] });
  });

  it('raises the severity when a more severe alert joins, and records it', () => {
    const inc = Incident.open('inc-1', policy, alert({ severity: 'SEV3' }), T);
    inc.recordAlerts(batchAlerts([alert({ deliveryId: 'd2', severity: 'SEV4' }), alert({ deliveryId: 'd3', severity: 'SEV1' })]), T);
    expect(inc.snapshot().severity).toBe('SEV1');
    expect(inc.takeEvents().at(-1)).toMatchObject({ kind: 'severity.raised', payload: { from: 'SEV3', to: 'SEV1' } });
  });

  it('lets responders acknowledge once, by name or Slack id, and refuses strangers', () => {
    const inc = Incident.open('inc-1', policy, alert(), T);
    expect(() => inc.validateAcknowledge({ responder: 'mallory', via: 'cli' })).toThrow(IncidentRuleError);
    expect(() => inc.validateAcknowledge({ slackUserId: 'U0MALLORY', via: 'slack' })).toThrow(/Slack user U0MALLORY is not a responder/);
    expect(inc.acknowledge({ slackUserId: 'U0BOB', via: 'slack' }, T)).toEqual({ incidentId: 'inc-1', acknowledgedBy: 'bob', acknowledgedAt: T, alreadyDone: false });
    expect(inc.acknowledge({ responder: 'alice', via: 'cli' }, '2026-11-24T11:00:00.000Z')).toMatchObject({ acknowledgedBy: 'bob', alreadyDone: true });
    inc.resolve({ responder: 'alice', via: 'cli' }, T, 'rotated keys');
    expect(() => inc.validateAcknowledge({ responder: 'alice', via: 'cli' })).toThrow(/already resolved/);
    expect(inc.takeEvents().filter((e) => e.kind.startsWith('incident.')).map((e) => [e.kind, e.actor.name])).toEqual([
      ['incident.opened', 'klaxon'],
      ['incident.acknowledged', 'bob'],
      ['incident.resolved', 'alice'],
    ]);
  });
});

/** Who the incident's next step pages at `now`. */
function pagedAt(inc: Incident, now: string): string[] {
  const step = inc.step(now);
  return step.kind === 'page' ? step.pages.map((p) => p.recipient.name) : [];
}

describe('levels that page a schedule', () => {
  const withSchedule = {
    ...policy,
    schedules: [{ name: 'primary', layers: [{ name: 'day', members: ['alice', 'bob'], zone: 'Europe/Berlin', start: '2026-11-02T09:00', turn: { days: 1 } }], overrides: [] }],
    levels: [{ targets: [{ schedule: 'primary' }, 'bob'], timeoutMinutes: 5 }],
  };

  it('page whoever is on call at that moment, once even if also named', () => {
    const inc = Incident.open('inc-1', withSchedule, alert(), T);
    // 2026-11-24 11:00 in Berlin is turn 22 of the daily rotation: alice; the day before, bob.
    expect(pagedAt(inc, '2026-11-24T10:00:00.000Z')).toEqual(['alice', 'bob']);
    expect(pagedAt(Incident.open('inc-2', withSchedule, alert(), T), '2026-11-23T10:00:00.000Z')).toEqual(['bob']);
  });

  it('record a schedule with nobody on call instead of skipping it silently', () => {
    const afterHours = { ...withSchedule, schedules: [{ ...withSchedule.schedules[0], layers: [{ ...withSchedule.schedules[0].layers[0], hours: { from: '09:00', to: '17:00' } }] }] };
    const inc = Incident.open('inc-1', afterHours, alert(), T);
    inc.takeEvents();
    expect(pagedAt(inc, '2026-11-24T22:00:00.000Z')).toEqual(['bob']);
    expect(inc.takeEvents()[0]).toEqual(expect.objectContaining({ kind: 'target.unresolved', payload: expect.objectContaining({ schedule: 'primary', reason: 'nobody is on call' }) }));
  });
});

describe('resolutions from a source', () => {
  const resolution = { source: 'alertmanager', title: 'x', labels: {}, tenant: 'acme', dedupKey: 'k', deliveryId: 'r1', resolvedAt: T };

  it('are recorded only, unless the policy lets them resolve the incident', () => {
    const inc = Incident.open('inc-1', policy, alert(), T);
    expect(inc.recordSourceResolution(resolution, T, T)).toBe(true);
    expect(inc.status).toBe('triggered');
    expect(inc.recordSourceResolution(resolution, T, T)).toBe(false);
    expect(inc.takeEvents().map((e) => e.kind)).toEqual(['incident.opened', 'alert.received', 'alert.resolved_by_source']);
  });

  it('resolve the incident when the policy allows it, never undoing a person', () => {
    const inc = Incident.open('inc-1', { ...policy, autoResolve: true }, alert(), T);
    inc.recordSourceResolution(resolution, T, T);
    expect(inc.snapshot()).toMatchObject({ status: 'resolved', resolvedBy: 'alertmanager', resolveNote: 'resolved by alertmanager' });
    const byHand = Incident.open('inc-2', { ...policy, autoResolve: true }, alert(), T);
    byHand.resolve({ responder: 'bob', via: 'cli' }, T, 'fixed');
    byHand.recordSourceResolution(resolution, T, T);
    expect(byHand.snapshot()).toMatchObject({ resolvedBy: 'bob', resolveNote: 'fixed' });
  });

  it('are ignored, and recorded with the reason, when they ended before the run opened (beyond the clock skew allowed)', () => {
    const opened = '2026-11-24T12:00:00.000Z';
    const inc = Incident.open('inc-1', { ...policy, autoResolve: true }, alert(), opened);
    inc.takeEvents();
    inc.recordSourceResolution({ ...resolution, resolvedAt: T }, opened, opened);
    expect(inc.status).toBe('triggered');
    expect(ignoredBecause(inc.takeEvents()[0])).toMatch(/before the incident's current run opened at 2026-11-24T12:00:00.000Z/);
    // Within the skew allowed, a resolution is taken as this run's.
    inc.recordSourceResolution({ ...resolution, deliveryId: 'r2', resolvedAt: '2026-11-24T11:59:30.000Z' }, opened, opened);
    expect(inc.status).toBe('resolved');
  });
});

describe('incident memento', () => {
  it('carries everything over, unwritten audit events included', () => {
    const inc = Incident.open('inc-1', policy, alert(), T);
    inc.acknowledge({ responder: 'bob', via: 'cli' }, T);
    const copy = Incident.restore(policy, inc.memento());
    expect(copy.snapshot()).toEqual(inc.snapshot());
    expect(copy.takeEvents().map((e) => e.kind)).toEqual(['incident.opened', 'alert.received', 'incident.acknowledged']);
    // Deliveries seen before the hand-over are still recognised after it.
    expect(copy.recordAlerts(batchAlerts([alert()]), T).counted).toBe(0);
  });
});

describe('delivery ids remembered against replays', () => {
  /** Ids as the sources make them (32 hex characters), `from` to `from + n - 1`. */
  const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => deliveryIdOf('generic', String(from + i)));
  /** The ids in batches of MAX_BATCH, as the API signals a storm; how many were counted. */
  const record = (inc: Incident, delivered: string[]) => {
    let counted = 0;
    for (let i = 0; i < delivered.length; i += MAX_BATCH) counted += inc.recordAlerts(batchAlerts(delivered.slice(i, i + MAX_BATCH).map((deliveryId) => alert({ deliveryId }))), T).counted;
    return counted;
  };

  it('recognises a retry after 9,999 newer deliveries and counts one after 10,000 again, across a hand-over too', () => {
    const [first] = ids(0, 1);
    const inc = Incident.open('inc-1', policy, alert({ deliveryId: first }), T);
    expect(record(inc, ids(1, REMEMBERED_DELIVERIES - 1))).toBe(REMEMBERED_DELIVERIES - 1);
    expect(record(inc, [first])).toBe(0);
    // The audit events written (the workflow hands over once its ledger queue has drained).
    inc.takeEvents();
    const memento = inc.memento();
    // Oldest first, bounded: about 350 kB of the continue-as-new input.
    expect(memento.deliveries).toEqual(ids(0, REMEMBERED_DELIVERIES));
    expect(JSON.stringify(memento).length).toBeLessThan(400_000);
    const next = Incident.restore(policy, memento);
    expect(record(next, ids(REMEMBERED_DELIVERIES, 1))).toBe(1);
    expect(record(next, [first])).toBe(1);
    expect(next.snapshot().alertCount).toBe(REMEMBERED_DELIVERIES + 2);
  });

  it('recognises a whole batch of MAX_BATCH retried after four more, where the bound of older runs forgot it', () => {
    const batch = ids(1, MAX_BATCH);
    const later = ids(1 + MAX_BATCH, 4 * MAX_BATCH);
    const now = Incident.open('inc-1', policy, alert(), T);
    const before = Incident.open('inc-1', policy, alert(), T, REMEMBERED_DELIVERIES_BEFORE_2026_12);
    for (const inc of [now, before]) record(inc, [...batch, ...later]);
    expect(record(now, batch)).toBe(0);
    // Runs begun before the patch keep their bound, and count the retried batch again as they did.
    expect(record(before, batch)).toBe(MAX_BATCH);
    expect(before.memento().deliveries).toHaveLength(REMEMBERED_DELIVERIES_BEFORE_2026_12);
  });
});

describe('policy validation', () => {
  it('names what is wrong', () => {
    expect(() => parseResponders('alice')).toThrow(/expected name:SlackUserId/);
    expect(() =>
      validatePolicy({ name: 'p', responders: [{ name: 'a', slackUserId: 'bad', timeZone: 'Mars/Olympus' }], levels: [{ targets: ['b'], timeoutMinutes: 0 }], repeat: -1, autoResolve: false }),
    ).toThrow(PolicyError);
    try {
      validatePolicy({ name: 'p', responders: [{ name: 'a', slackUserId: 'bad', timeZone: 'Mars/Olympus' }], levels: [{ targets: ['b'], timeoutMinutes: 0 }], repeat: -1, autoResolve: false });
    } catch (err) {
      const m = (err as Error).message;
      for (const part of ['not a Slack user id', 'Mars/Olympus', 'unknown responder "b"', 'positive number', 'repeat']) expect(m).toContain(part);
    }
  });
});

describe('incident message', () => {
  it('mentions the paged responder, redacts the title, and offers buttons while open', () => {
    const inc = Incident.open('inc-1', policy, alert(), T);
    const open = incidentMessage(inc.snapshot(), { slackUserId: 'U0ALICE', level: 1 });
    const json = JSON.stringify(open);
    expect(json).toContain('<@U0ALICE>');
    expect(json).not.toContain('jane@example.com');
    expect(json).toContain(SLACK_ACTIONS.acknowledge);
    inc.resolve({ responder: 'bob', via: 'cli' }, T);
    const closed = JSON.stringify(incidentMessage(inc.snapshot(), { slackUserId: 'U0ALICE', level: 1 }));
    expect(closed).toContain('Resolved* by bob');
    expect(closed).not.toContain(SLACK_ACTIONS.acknowledge);
    expect(closed).not.toContain(SLACK_ACTIONS.resolve);
  });
});

describe('messages of a malformed shape', () => {
  const T = '2026-11-24T12:00:00.000Z';
  const good = () => batchAlerts([sampleAlert({ deliveryId: 'd-2' })]);
  it.each([
    ['delivery ids as a string', { ...good(), deliveryIds: 'd-2' }, 'batch.deliveryIds is missing or malformed'],
    ['no sample', { ...good(), sample: [] }, 'batch.sample is missing or malformed'],
    ['a sample alert without a tenant', { ...good(), sample: [{ ...sampleAlert(), tenant: undefined }] }, 'batch.sample is missing or malformed'],
    ['an unknown severity', { ...good(), severity: 'SEV0' }, 'batch.severity is missing or malformed'],
    ['members that are not a list', { ...good(), members: {} }, 'batch.members is malformed'],
    ['null', null, 'batch is not an object'],
  ])('refuses a batch with %s whole: nothing counted, nothing recorded', (_, batch, problem) => {
    const inc = Incident.open('inc-1', samplePolicy, sampleAlert(), T);
    inc.takeEvents();
    expect(() => inc.recordAlerts(batch as never, T)).toThrow(new IncidentRuleError(problem));
    expect(inc.snapshot().alertCount).toBe(1);
    expect(inc.takeEvents()).toEqual([]);
    // The batch as the API builds it still counts.
    expect(inc.recordAlerts(good(), T).counted).toBe(1);
  });

  it('refuses a resolution without its delivery id, and takes one as sources send it', () => {
    const inc = Incident.open('inc-1', samplePolicy, sampleAlert(), T);
    const resolution = { source: 'alertmanager', title: 't', labels: {}, tenant: 'acme', dedupKey: 'k', deliveryId: 'r-1', resolvedAt: T };
    expect(() => inc.recordSourceResolution({ ...resolution, deliveryId: 7 } as never, T, T)).toThrow('resolution.deliveryId is missing or malformed');
    expect(inc.recordSourceResolution(resolution, T, T)).toBe(true);
  });
});
