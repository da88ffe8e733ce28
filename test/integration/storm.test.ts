import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/** Alert storms and crashes on the real stack: counts stay exact, history stays small, nothing acknowledged is lost. */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const body = (dedupKey: string, i: number, tenant = 'acme') =>
  JSON.stringify({ title: 'Spike of 403 on /admin/users', severity: i === 4321 ? 'SEV1' : 'SEV3', tenant, dedupKey, details: { seq: i } });

/** Sends `count` alerts with at most `concurrency` requests open at once; returns the answers in order. */
async function fire(apiUrl: string, count: number, make: (i: number) => string, concurrency = 64, progress = { answered: 0 }) {
  const answers: Array<{ status: number; body: Record<string, unknown> }> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        answers[i] = await postAlert(apiUrl, make(i)).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
        progress.answered += 1;
      }
    }),
  );
  return answers;
}

describe('an alert storm', () => {
  it('ends as one incident counting exactly 10,000 alerts, with a small history', async () => {
    const started = Date.now();
    // Senders wait for their 202 while their alert's batch is signalled, so a storm this fast
    // takes a few hundred open requests, as a fleet of senders would have.
    const answers = await fire(stack.apiUrl, 10_000, (i) => body('storm', i), 400);
    const seconds = (Date.now() - started) / 1000;
    console.log(`storm: 10,000 alerts answered in ${seconds.toFixed(1)} s`);

    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    const ids = new Set(answers.map((a) => a.body.incidentId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.deduplicated === false)).toHaveLength(1);

    const incidentId = [...ids][0] as string;
    const state = await waitFor('all 10,000 alerts counted', async () => {
      const s = await stack.incidents.state(incidentId);
      return s.alertCount >= 10_000 && s;
    }, 120_000);
    expect(state.alertCount).toBe(10_000);
    expect(state.severity).toBe('SEV1');

    const history = await stack.env.client.workflow.getHandle(incidentId).fetchHistory();
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    console.log(`storm: workflow history has ${history.events!.length} events, ${signals} of them signals`);
    // Alerts are coalesced while a signal for their key is in flight or was sent under
    // COALESCE_INTERVAL_MS ago, so the history grows with how long the storm lasts (61 signals in
    // 18 s idle, 196 in 35 s on a busy machine), never with how many alerts it held: one signal per
    // alert would make 10,000. Five alerts a signal at the least, whatever the machine.
    expect(signals).toBeLessThan(10_000 / 5);
    expect(history.events!.length).toBeLessThan(10_000);

    const counted = await waitFor('the ledger to hold every alert', async () => {
      const events = (await stack.ledger.timeline(incidentId)).filter((e) => e.kind === 'alert.received');
      const total = events.reduce((sum, e) => sum + (e.payload.count as number), 0);
      return total === 10_000 && events;
    }, 120_000);
    expect(new Set(counted.flatMap((e) => e.payload.deliveryIds as string[])).size).toBe(10_000);
    // 10 s on an idle machine; a busy core has stretched it past jest's default of 120 s.
  }, 600_000);

  it('a slow storm (50 alerts a second for 10 s) is signalled at most once per coalescing interval', async () => {
    const started = Date.now();
    const sends: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
    for (let i = 0; i < 500; i++) {
      // Even pace: alert i leaves at i × 20 ms.
      const due = started + i * 20;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      sends.push(postAlert(stack.apiUrl, body('slow-storm', i)));
    }
    const answers = await Promise.all(sends);
    const seconds = (Date.now() - started) / 1000;
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    const incidentId = String(answers[0].body.incidentId);
    await waitFor('all 500 alerts counted', async () => (await stack.incidents.state(incidentId)).alertCount >= 500, 60_000);
    const history = await stack.env.client.workflow.getHandle(incidentId).fetchHistory();
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    console.log(`slow storm: 500 alerts in ${seconds.toFixed(1)} s, ${signals} signals, ${history.events!.length} history events`);
    // One signal per COALESCE_INTERVAL_MS (250 ms) at most, the first at once: alerts that arrive
    // apart are gathered like those that arrive together (before, a lane forgotten while still
    // in use let them out two at a time: 95 signals for this storm).
    expect(signals).toBeLessThanOrEqual(Math.ceil(seconds / 0.25) + 1);
  }, 120_000);

  it('a slow storm spread over two API replicas is signalled at most once per coalescing interval in all', async () => {
    // A second API process beside the test's own, both on the ledger database, as two replicas
    // behind a load balancer; the storm alternates between them.
    const port = await freePort();
    const replica = Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], apiProcessEnv(stack, port, { DATABASE_URL: stack.db.url }));
    try {
      await replica.waitForOutput('listening');
      const apis = [stack.apiUrl, `http://127.0.0.1:${port}`];
      const started = Date.now();
      const sends: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
      for (let i = 0; i < 500; i++) {
        const due = started + i * 20;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        sends.push(postAlert(apis[i % 2], body('replicated-storm', i)));
      }
      const answers = await Promise.all(sends);
      const seconds = (Date.now() - started) / 1000;
      expect(answers.filter((a) => a.status !== 202)).toEqual([]);
      const incidentId = String(answers[0].body.incidentId);
      expect(new Set(answers.map((a) => a.body.incidentId))).toEqual(new Set([incidentId]));
      await waitFor('all 500 alerts counted', async () => (await stack.incidents.state(incidentId)).alertCount >= 500, 60_000);
      expect((await stack.incidents.state(incidentId)).alertCount).toBe(500);
      const history = await stack.env.client.workflow.getHandle(incidentId).fetchHistory();
      const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      console.log(`replicated slow storm: 500 alerts over 2 API replicas in ${seconds.toFixed(1)} s, ${signals} signals, ${history.events!.length} history events`);
      // Each replica pacing only itself would signal up to twice as often (one per interval each).
      expect(signals).toBeLessThanOrEqual(Math.ceil(seconds / 0.25) + 1);
    } finally {
      replica.process.kill('SIGTERM');
      await replica.exited;
    }
  }, 120_000);

  it('keeps tenants apart: the same dedup key from two tenants is two incidents', async () => {
    const [a, b] = await Promise.all([postAlert(stack.apiUrl, body('shared-key', 1, 'acme')), postAlert(stack.apiUrl, body('shared-key', 1, 'globex'))]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.incidentId).not.toBe(b.body.incidentId);
    expect([a.body.deduplicated, b.body.deduplicated]).toEqual([false, false]);
  });
});

describe('an API process that dies', () => {
  it('loses no alert it answered 202, even when killed mid-storm', async () => {
    const port = await freePort();
    // `node --import tsx` rather than the tsx command: the kill must reach the process that serves.
    const api = Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], apiProcessEnv(stack, port));
    await api.waitForOutput('listening');
    const apiUrl = `http://127.0.0.1:${port}`;

    // The first alert alone: killed the instant its 202 arrives.
    const first = await postAlert(apiUrl, body('crash', 0));
    expect(first.status).toBe(202);
    // Then a storm, killed a moment in, with requests in every stage of their life.
    const progress = { answered: 0 };
    const storm = fire(apiUrl, 2000, (i) => body('crash', i + 1), 32, progress);
    await waitFor('the storm under way', () => progress.answered >= 64);
    api.process.kill('SIGKILL');
    const answers = await storm;
    const accepted = 1 + answers.filter((a) => a.status === 202).length;
    const incidentId = first.body.incidentId as string;
    await api.exited;

    const state = await waitFor('the accepted alerts counted', async () => {
      const s = await stack.incidents.state(incidentId);
      return s.alertCount >= accepted && s;
    });
    console.log(`crash: ${accepted} alerts answered 202 before the kill, ${state.alertCount} counted`);
    expect(accepted).toBeGreaterThan(1);
    expect(answers.some((a) => a.status !== 202)).toBe(true);
    expect(state.alertCount).toBeGreaterThanOrEqual(accepted);
    expect(state.alertCount).toBeLessThanOrEqual(2001);
  });
});

