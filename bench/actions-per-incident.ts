import { temporal } from '@temporalio/proto';
import { connectIncidents } from '../client/connect';
import { klaxonSignatureHeader } from '../core/shared/signature';
import { startStackWithSlack } from './stack-with-slack';
import { runBench } from './run-bench';

/**
 * Temporal actions one standard incident costs: a SEV2 alert through the API, level 1 paged,
 * no answer, level 2 paged, acknowledged there, resolved. Counted from the incident's history
 * the way Temporal Cloud bills actions, next to the fewest actions a design could do it with.
 *   npx tsx bench/actions-per-incident.ts
 */
const SECRET = 'whsec_bench';
const { EventType } = temporal.api.enums.v1;

/** History events that are billable actions, by what they are. */
const ACTION_EVENTS: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]: 'workflow start',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]: 'signal',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: 'update',
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: 'activity',
  [EventType.EVENT_TYPE_TIMER_STARTED]: 'timer',
  [EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: 'search attribute upsert',
  [EventType.EVENT_TYPE_MARKER_RECORDED]: 'marker (patch, local activity)',
  [EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]: 'child workflow',
};

/**
 * The same incident with the fewest actions a design could use while still meeting the
 * product's rules (durable, every step audited, listable by status): each line says why it
 * cannot go.
 */
const MINIMAL: Array<[string, number, string]> = [
  ['workflow start', 1, 'the incident itself'],
  ['signal', 1, 'the alert, delivered with the start (signal-with-start dedups repeated alerts)'],
  ['activity', 2, 'one page per level; each writes its own audit event in the same activity'],
  ['timer', 2, 'level 1, then level 2, waits for an acknowledgement'],
  ['update', 2, 'acknowledge and resolve, each answering the responder'],
  ['activity', 2, 'the messages rewritten (and the steps audited) once on acknowledge, once on resolve'],
  ['search attribute upsert', 2, 'status listable: set at start, changed on acknowledge and on resolve (one folded into the start)'],
];

async function main(): Promise<void> {
  const bench = await startStackWithSlack({
    KLAXON_WEBHOOK_SECRET: SECRET,
    KLAXON_RESPONDERS: 'alice:U0ALICE:Europe/Berlin,bob:U0BOB:America/New_York',
    // Level 1 times out after 12 s instead of minutes: the count does not depend on the wait.
    KLAXON_ESCALATION_MINUTES: '0.2',
  });
  const { stack, slack } = bench;
  const { incidents, client, connection } = await connectIncidents(stack.config);
  try {
    const body = JSON.stringify({ title: 'Customer emails visible across tenants', severity: 'SEV2', tenant: 'bench', dedupKey: `cost-${Date.now()}`, dataCategories: ['personal-data'] });
    const res = await fetch(`${stack.apiUrl}/v1/alerts/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'klaxon-signature': klaxonSignatureHeader(SECRET, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    const { incidentId } = (await res.json()) as { incidentId: string };
    if (res.status !== 202) throw new Error(`alert answered ${res.status}`);

    const pagesOf = () => slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args).includes(incidentId) && !c.args.thread_ts);
    const deadline = Date.now() + 120_000;
    while (pagesOf().length < 2) {
      if (Date.now() > deadline) throw new Error(`level 2 was not paged within 120 s (${pagesOf().length} pages)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await incidents.change('acknowledge', incidentId, { responder: 'bob', via: 'slack' });
    await incidents.change('resolve', incidentId, { by: { responder: 'bob', via: 'slack' }, note: 'Leaking route reverted' });
    const handle = client.workflow.getHandle(incidentId);
    await handle.result();

    const history = await handle.fetchHistory();
    const t0 = Number(history.events![0].eventTime!.seconds);
    const described = (e: temporal.api.history.v1.IHistoryEvent) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name ??
      (e.timerStartedEventAttributes ? `${Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)} s` : '');
    console.log('actions in order (seconds since the start):');
    for (const e of history.events ?? []) {
      const kind = ACTION_EVENTS[e.eventType ?? 0];
      if (kind) console.log(`  +${Number(e.eventTime!.seconds) - t0}s ${kind} ${described(e)}`);
    }
    const actual = new Map<string, number>();
    for (const e of history.events ?? []) {
      const kind = ACTION_EVENTS[e.eventType ?? 0];
      if (kind) actual.set(kind, (actual.get(kind) ?? 0) + 1);
      // A retried activity is billed again for each attempt after the first.
      const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (attempt > 1) actual.set('activity retry', (actual.get('activity retry') ?? 0) + attempt - 1);
    }
    const minimal = new Map<string, number>();
    for (const [kind, n] of MINIMAL) minimal.set(kind, (minimal.get(kind) ?? 0) + n);

    const kinds = [...new Set([...minimal.keys(), ...actual.keys()])];
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.log(`SEV2 incident ${incidentId}: level 1 paged, level 2 paged, acknowledged at level 2, resolved; ${history.events!.length} history events`);
    console.log('kind                              Klaxon  minimal');
    for (const k of kinds) console.log(`${k.padEnd(34)}${String(actual.get(k) ?? 0).padStart(6)}${String(minimal.get(k) ?? 0).padStart(9)}`);
    console.log(`${'total actions'.padEnd(34)}${String(total(actual)).padStart(6)}${String(total(minimal)).padStart(9)}`);
    console.log(`ratio: ${(total(actual) / total(minimal)).toFixed(2)} × the minimal design (target ≤ 1.2 ×)`);
    console.log('minimal design, line by line:');
    for (const [kind, n, why] of MINIMAL) console.log(`  ${n} ${kind}: ${why}`);
  } finally {
    await connection.close();
    await bench.stop();
  }
}

runBench(main);
