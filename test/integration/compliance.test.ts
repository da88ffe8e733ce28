import { once } from 'node:events';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../core/alerts/alert';
import { complianceDeps } from '../../client/api/compliance';
import { FAILED_ATTEMPTS_WINDOW_MS, MAX_FAILED_ATTEMPTS } from '../../client/api/failed-attempts';
import { apiDepsFromConfig, createApiServer } from '../../client/api/server';
import { FilterError, type IncidentFilter } from '../../client/incident-filter';
import type { EvidencePack } from '../../core/audit/evidence';
import { incidentIdFor } from '../../core/incident/incident-id';
import { validatePolicy } from '../../core/policy/policy';
import type { PeriodReport } from '../../core/audit/period-report';
import { incident } from '../../workflows/incident';
import { HistoryArchive } from '../../ledger/history-archive';
import { ApiTokens } from '../../ledger/api-tokens';
import { archiveClosedRuns, archiveScheduleId, scheduleHistoryArchive } from '../../worker/history-archiver';
import { archiveClosedIncidentHistories } from '../../workflows/history-archive';
import { queries, updates } from '../../workflows/messages';
import { klaxon } from '../support/processes';
import { sampleAlert } from '../support/samples';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { signKlaxon } from '../support/signing';
import { waitFor } from '../support/waiting';

/** Compliance queries on the real stack: incidents listed by what they are, through Temporal visibility. */
let stack: TestStack;
beforeAll(async () => {
  // Temporal deletes a closed run only once its queue's checkpoint has passed the run's close
  // (history.transferProcessorUpdateAckInterval, 30 s by default): checkpointing each second keeps
  // that order and lets the history-archive case see the deletion in seconds, not half a minute.
  stack = await startTestStack({ serverArgs: ['--dynamic-config-value', 'history.transferProcessorUpdateAckInterval="1s"'] });
});
afterAll(() => stack?.stop());

/**
 * A token made in the ledger directly, by the code `klaxon tokens create` runs, where the case
 * checks what the token may do rather than the CLI that makes it (each CLI run costs seconds of
 * start-up; the CLI's own token commands are checked in the cases that use them).
 */
const makeToken = async (name: string, scopes: string[], binding: { responder?: string } = {}) => (await new ApiTokens(stack.db.pool).create(name, scopes, binding)).token;

const open = async (id: string, over: Partial<Alert>, jurisdictions: string[]) => {
  const handle = await stack.env.client.workflow.start(incident, {
    taskQueue: stack.config.temporal.taskQueue,
    workflowId: id,
    args: [{ incidentId: id, policy: stack.config.policies.policies[0], alert: sampleAlert({ ...over, dedupKey: id, classification: { service: 'api', surfaces: [], jurisdictions } }) }],
  });
  return handle;
};

describe('klaxon incidents list', () => {
  it('returns exactly the incidents each filter matches', async () => {
    await open('inc-q-a', { tenant: 'q-acme', severity: 'SEV1', dataCategories: ['personal-data'] }, ['DE']);
    await open('inc-q-b', { tenant: 'q-acme', severity: 'SEV3', dataCategories: ['health'] }, ['US']);
    const middle = new Date();
    // Not a wait for anything: the next two must start a second after `middle` (visibility keeps start times to the second).
    await new Promise((r) => setTimeout(r, 1100));
    await open('inc-q-c', { tenant: 'q-globex', severity: 'SEV1', dataCategories: ['health'] }, ['DE', 'US-CA']);
    const d = await open('inc-q-d', { tenant: 'q-globex', severity: 'SEV2', dataCategories: ['credentials'] }, []);
    await d.executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' } }] });
    await d.result();

    const ids = async (filter: IncidentFilter) => (await stack.incidents.list(filter)).map((r) => r.incidentId).filter((id) => id.startsWith('inc-q-')).sort();
    await waitFor('visibility to know all four, with their attributes', async () => (await ids({ jurisdiction: 'US-CA' })).length === 1 && (await ids({ status: ['resolved'] })).length === 1);

    expect(await ids({ tenant: 'q-acme' })).toEqual(['inc-q-a', 'inc-q-b']);
    expect(await ids({ severity: ['SEV1'] })).toEqual(['inc-q-a', 'inc-q-c']);
    expect(await ids({ dataCategory: 'health' })).toEqual(['inc-q-b', 'inc-q-c']);
    expect(await ids({ jurisdiction: 'DE' })).toEqual(['inc-q-a', 'inc-q-c']);
    expect(await ids({ status: ['resolved'] })).toEqual(['inc-q-d']);
    expect(await ids({ openOnly: true })).toEqual(['inc-q-a', 'inc-q-b', 'inc-q-c']);
    expect(await ids({ tenant: 'q-globex', dataCategory: 'health' })).toEqual(['inc-q-c']);
    expect(await ids({ openedFrom: middle })).toEqual(['inc-q-c', 'inc-q-d']);
    expect(await ids({ openedTo: middle })).toEqual(['inc-q-a', 'inc-q-b']);
    await expect(stack.incidents.list({ tenant: "x' OR '1'='1" })).rejects.toThrow(FilterError);
    await expect(stack.incidents.list({ severity: ['SEV9'] })).rejects.toThrow('severity "SEV9" is not one of SEV1, SEV2, SEV3, SEV4');

    // The CLI takes the same filters.
    const cli = (args: string[]) => klaxon(args, { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' });
    const [filtered, noOffset] = await Promise.all([
      cli(['incidents', 'list', '--all', '--jurisdiction', 'DE', '--severity', 'SEV1', '--since', middle.toISOString(), '--json']),
      cli(['incidents', 'list', '--since', '2026-11-01T00:00']).catch((e: { code: number; stderr: string }) => e),
    ]);
    const listed = JSON.parse((filtered as { stdout: string }).stdout) as Array<{ incidentId: string; jurisdictions: string[] }>;
    expect(listed.filter((r) => r.incidentId.startsWith('inc-q-'))).toEqual([expect.objectContaining({ incidentId: 'inc-q-c', jurisdictions: ['DE', 'US-CA'] })]);
    expect(noOffset).toMatchObject({ code: 2, stderr: expect.stringContaining('--since "2026-11-01T00:00" needs a date-time with an offset') });
  });
});

describe('the history archive', () => {
  it('sweeps closed runs oldest first from its watermark, so a sweep cut short by its limit leaves none behind', async () => {
    const ids = ['inc-sweep-1', 'inc-sweep-2', 'inc-sweep-3'];
    for (const id of ids) {
      const handle = await open(id, { tenant: 'q-sweep', severity: 'SEV3' }, []);
      await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' } }] });
      await handle.result();
    }
    await waitFor('visibility to see the three closed', async () => (await stack.incidents.list({ tenant: 'q-sweep', closedOnly: true })).length === 3);
    const archive = new HistoryArchive(stack.db.pool);
    const swept: string[] = [];
    // One run a sweep: as if more runs closed in an interval than a sweep takes.
    for (let sweep = 0; sweep < 50; sweep++) {
      const done = await archiveClosedRuns(stack.env.client, archive, stack.ledger, { limit: 1 });
      if (!done.length) break;
      swept.push(done[0].incidentId);
    }
    expect(swept.filter((id) => id.startsWith('inc-sweep-'))).toEqual(ids);
    const closed = await stack.incidents.list({ closedOnly: true }, 1000);
    const runIds = await Promise.all(closed.map(async (c) => (await stack.incidents.currentRun(c.incidentId)).runId));
    expect((await archive.archivedRunIds(runIds)).size).toBe(closed.length);

    // Two replicas sweeping at once: while one sweeps, the other skips rather than doubling the work.
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const held = new Promise<void>((r) => (release = r));
    const first = archive.exclusively(async () => {
      entered();
      await held;
      return 'first';
    });
    await inside;
    expect(await archive.exclusively(async () => 'second')).toBeUndefined();
    release();
    expect(await first).toBe('first');
    expect(await archive.exclusively(async () => 'third')).toBe('third');
  });

  it('runs as one Temporal Schedule per task queue, whose every run takes batch after batch until none is left', async () => {
    const archive = new HistoryArchive(stack.db.pool);
    const closeRuns = async (prefix: string, n: number) => {
      const ids = Array.from({ length: n }, (_, i) => `inc-${prefix}-${i}`);
      for (const id of ids) {
        const handle = await open(id, { tenant: `q-${prefix}`, severity: 'SEV3' }, []);
        // A query waits for the first workflow task, which records the tenant that visibility lists by.
        await handle.query(queries.state);
        await handle.terminate('closed for the archiver');
      }
      await waitFor(`visibility to see the ${prefix} runs closed`, async () => (await stack.incidents.list({ tenant: `q-${prefix}`, closedOnly: true })).length === n);
      return Promise.all(ids.map(async (id) => (await stack.incidents.currentRun(id)).runId));
    };

    // More runs closed than one batch takes: one sweep archives them all, batch after batch.
    const burst = await closeRuns('burst', 5);
    const sweep = await stack.env.client.workflow.start(archiveClosedIncidentHistories, { taskQueue: stack.config.temporal.taskQueue, workflowId: 'sweep-by-hand', args: [{ batch: 2 }] });
    expect((await sweep.result()).archived).toBeGreaterThanOrEqual(5);
    expect((await archive.archivedRunIds(burst)).size).toBe(5);
    const batches = (await sweep.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes).length;
    expect(batches).toBeGreaterThanOrEqual(3);

    // Two workers start: the first creates the schedule (which sweeps at once), the second only sets its interval.
    const later = await closeRuns('scheduled', 2);
    const tq = stack.config.temporal.taskQueue;
    await scheduleHistoryArchive(stack.env.client, tq, 60);
    await waitFor('the schedule\'s first run to archive what closed since', async () => (await archive.archivedRunIds(later)).size === 2, 60_000);
    const handle = await scheduleHistoryArchive(stack.env.client, tq, 30);
    const schedules: string[] = [];
    for await (const s of stack.env.client.schedule.list()) schedules.push(s.scheduleId);
    expect(schedules.filter((id) => id.startsWith('klaxon-history-archive'))).toEqual([archiveScheduleId(tq)]);
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 30 * 60_000 })]);
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    await handle.delete();
  });

  it('copies a closed incident\'s Temporal history into the ledger, which serves it once Temporal has deleted it', async () => {
    const id = 'inc-archive-1';
    const handle = await open(id, { tenant: 'q-archive', severity: 'SEV2' }, ['FR']);
    await handle.executeUpdate(updates.resolve, { args: [{ by: { responder: 'bob', via: 'cli' } }] });
    await handle.result();
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' };
    const cli = (args: string[]) => klaxon(args, env);

    // The archive takes what visibility lists as closed: waited for here, without a CLI run per poll.
    await waitFor('visibility to see it closed', async () => (await stack.incidents.list({ tenant: 'q-archive', closedOnly: true })).length === 1);
    const done = JSON.parse((await cli(['audit', 'archive', '--incident', id, '--json'])).stdout) as Array<{ runId: string; sha256: string; events: number }>;
    expect(done).toHaveLength(1);
    const archived = done[0];
    // Archived once: a second run finds nothing to take. (The live history is read meanwhile.)
    const [again, liveOut] = await Promise.all([cli(['audit', 'archive', '--incident', id, '--json']), cli(['incidents', 'history', id])]);
    expect(JSON.parse(again.stdout)).toEqual([]);
    const recorded = (await stack.ledger.timeline(id)).find((e) => e.kind === 'history.archived');
    expect(recorded?.payload).toEqual({ runId: archived.runId, status: 'COMPLETED', events: archived.events, sha256: archived.sha256 });
    await expect(stack.db.pool.query(`UPDATE history_archives SET status = 'x' WHERE incident_id = '${id}'`)).rejects.toThrow(/history_archives is append-only: UPDATE/);

    const live = JSON.parse(liveOut.stdout) as { runs: Array<{ source: string; sha256: string; history: { events: Array<{ eventType: string }> } }> };
    expect(live.runs).toEqual([expect.objectContaining({ source: 'temporal' })]);
    expect(live.runs[0].history.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');

    // Retention ends: Temporal deletes the run. The ledger still has it, byte for byte.
    await stack.env.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: id, runId: archived.runId } });
    // Temporal deletes in the background: polled through the client (a CLI run per poll cost seconds each), then asked once through the CLI.
    const run = stack.env.client.workflow.getHandle(id, archived.runId);
    await waitFor('Temporal to forget it', () => run.fetchHistory().then(() => false, (err: { code?: number; name?: string }) => err.code === 5 || err.name === 'WorkflowNotFoundError' || Promise.reject(err)), 60_000);
    const [keptOut, verified] = await Promise.all([cli(['incidents', 'history', id]), cli(['audit', 'verify'])]);
    const kept = JSON.parse(keptOut.stdout) as { runs: Array<{ source: string; sha256: string; history: { events: unknown[] } }> };
    expect(kept.runs).toEqual([expect.objectContaining({ source: 'archive', sha256: archived.sha256 })]);
    expect(kept.runs[0].history).toEqual(live.runs[0].history);
    expect(verified.stdout).toMatch(/^Ledger verified/);
  });
});


describe('the compliance REST API', () => {
  it('answers bearer tokens by their scopes, audits every read of audit data, and keeps only hashes of tokens', async () => {
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent' };
    const token = async (name: string, ...scopes: string[]) => (await klaxon(['tokens', 'create', '--name', name, ...scopes.flatMap((s) => ['--scope', s])], env)).stdout.split('\n')[0];
    const [reader, auditor, bad] = await Promise.all([
      token('dashboard', 'incidents:read'),
      token('auditor-2026', 'incidents:read', 'audit:read'),
      klaxon(['tokens', 'create', '--name', 'x', '--scope', 'root'], env).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(reader).toMatch(/^kx_[\w-]{43}$/);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('"root" is not a scope (incidents:read, audit:read, incidents:write)') });

    const id = 'inc-rest-1';
    await open(id, { tenant: 'q-rest', severity: 'SEV1' }, ['DE']);
    await waitFor('the incident in the ledger', async () => (await stack.ledger.timeline(id)).length > 0);
    const get = async (path: string, bearer?: string) => {
      const res = await fetch(`${stack.apiUrl}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    expect(await get('/v1/incidents')).toMatchObject({ status: 401, body: { error: 'an Authorization: Bearer <token> header is required' } });
    expect(await get('/v1/incidents', 'kx_forged')).toMatchObject({ status: 401, body: { error: 'the bearer token is unknown or revoked' } });
    const listed = await waitFor('the incident listed', async () => {
      const r = await get('/v1/incidents?tenant=q-rest&severity=SEV1', reader);
      return (r.body.incidents as unknown[]).length === 1 ? r : undefined;
    });
    expect(listed.body.incidents).toEqual([expect.objectContaining({ incidentId: id, tenant: 'q-rest', jurisdictions: ['DE'] })]);
    expect(await get('/v1/incidents?severity=SEV9', reader)).toMatchObject({ status: 400, body: { error: 'severity "SEV9" is not one of SEV1, SEV2, SEV3, SEV4' } });
    expect(await get('/v1/incidents?since=2026-11-01', reader)).toMatchObject({ status: 400 });
    expect(await get(`/v1/incidents/${id}`, reader)).toMatchObject({ status: 200, body: { incident: { incidentId: id, severity: 'SEV1' }, clocks: { incidentId: id } } });
    expect(await get('/v1/incidents/inc-nobody', reader)).toMatchObject({ status: 404 });

    expect(await get(`/v1/incidents/${id}/timeline`, reader)).toMatchObject({ status: 403, body: { error: 'token "dashboard" lacks the audit:read scope' } });
    const timeline = await get(`/v1/incidents/${id}/timeline`, auditor);
    expect(timeline).toMatchObject({ status: 200, body: { incidentId: id, verified: { ok: true } } });
    expect((timeline.body.events as Array<{ kind: string; hash: string }>)[0]).toMatchObject({ kind: 'incident.opened', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await get(`/v1/incidents/${id}/history`, auditor)).toMatchObject({ status: 200, body: { incidentId: id, runs: [expect.objectContaining({ source: 'temporal' })] } });

    // Both audit reads are in the ledger, by the token that made them; the refused one is not.
    const reads = await waitFor('the reads in the ledger', async () => {
      const events = (await stack.ledger.timeline(id)).filter((e) => e.kind === 'audit.read');
      return events.length === 2 ? events : undefined;
    });
    expect(reads.map((e) => [e.actor, e.payload.what])).toEqual([
      [{ type: 'token', name: 'auditor-2026', via: 'api' }, 'timeline'],
      [{ type: 'token', name: 'auditor-2026', via: 'api' }, 'history'],
    ]);

    // Only a hash is kept; a revoked token stops working at once.
    const stored = await stack.db.pool.query(`SELECT * FROM api_tokens WHERE name = 'auditor-2026'`);
    expect(JSON.stringify(stored.rows)).not.toContain(auditor.slice(3));
    await klaxon(['tokens', 'revoke', 'auditor-2026'], env);
    expect(await get(`/v1/incidents/${id}/timeline`, auditor)).toMatchObject({ status: 401 });
  });
});

describe('the REST API\'s writes', () => {
  it('acknowledge and resolve as the responder an incidents:write token acts as', async () => {
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent' };
    const [nobody, writer, reader] = await Promise.all([
      klaxon(['tokens', 'create', '--name', 'bot-x', '--scope', 'incidents:write'], env).catch((e: { code: number; stderr: string }) => e),
      makeToken('runbook-bot', ['incidents:write'], { responder: 'bob' }),
      makeToken('wallboard', ['incidents:read']),
    ]);
    expect(nobody).toMatchObject({ code: 1, stderr: expect.stringContaining('an incidents:write token acts as a responder') });
    const id = 'inc-rest-write';
    const handle = await open(id, { tenant: 'q-write', severity: 'SEV2' }, []);
    const post = async (path: string, bearer: string, body?: unknown) => {
      const res = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await post(`/v1/incidents/${id}/acknowledge`, reader)).toMatchObject({ status: 403, body: { error: 'token "wallboard" lacks the incidents:write scope' } });
    expect(await post(`/v1/incidents/${id}/acknowledge`, writer)).toMatchObject({ status: 200, body: { incidentId: id, acknowledgedBy: 'bob', alreadyDone: false } });
    expect(await post(`/v1/incidents/${id}/resolve`, writer, { note: 42 })).toMatchObject({ status: 422 });
    expect(await post(`/v1/incidents/${id}/resolve`, writer, { note: 'runbook: cache purged' })).toMatchObject({ status: 200, body: { resolvedBy: 'bob' } });
    expect((await handle.result()).resolveNote).toBe('runbook: cache purged');
    const acked = await waitFor('the ledger', async () => (await stack.ledger.timeline(id)).find((e) => e.kind === 'incident.acknowledged'));
    expect(acked.actor).toEqual({ type: 'responder', name: 'bob', via: 'api' });
  });

  it('takes every change of the catalogue as the token\'s responder, and the two-person rule holds whichever path each person takes', async () => {
    const [bob, alice] = await Promise.all([makeToken('bob-cli', ['incidents:write'], { responder: 'bob' }), makeToken('alice-cli', ['incidents:write'], { responder: 'alice' })]);
    const base = stack.config.policies.policies[0];
    const policy = validatePolicy({ ...base, responders: base.responders.map((r) => ({ ...r, roles: ['approver'] })), containment: { rules: [] } });
    const id = 'inc-rest-changes';
    await stack.env.client.workflow.start(incident, {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: id,
      args: [{ incidentId: id, policy, alert: sampleAlert({ dedupKey: id, tenant: 'q-changes', severity: 'SEV2' }) }],
    });
    const post = async (change: string, bearer: string, body?: unknown) => {
      const res = await fetch(`${stack.apiUrl}/v1/incidents/${id}/${change}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const requested = await post('requestContainment', bob, { spec: { kind: 'isolate-tenant', mode: 'read-only' }, reason: 'tenant data served across tenants' });
    expect(requested).toMatchObject({ status: 200, body: { actionId: 'a1', status: 'awaiting-approval' } });
    // Bob asked: neither the API nor Slack lets him approve it.
    expect(await post('approveContainment', bob, { actionId: 'a1' })).toMatchObject({ status: 403, body: { error: expect.stringContaining('a second person must approve it (two-person rule)') } });
    await expect(stack.incidents.change('approveContainment', id, { by: { slackUserId: 'U0BOB', via: 'slack' }, actionId: 'a1' })).rejects.toThrow('two-person rule');
    expect(await post('approveContainment', alice, { actionId: 'a1' })).toMatchObject({ status: 200, body: { actionId: 'a1', status: 'approved' } });

    expect(await post('snooze', bob, { minutes: 'ten' })).toMatchObject({ status: 422, body: { error: expect.stringContaining('minutes') } });
    expect(await post('snooze', bob, { minutes: 15, by: { responder: 'alice' } })).toMatchObject({ status: 422, body: { error: expect.stringContaining('by') } });
    expect(await post('trigger', alice, { event: 'aware', reason: 'confirmed by the tenant admin' })).toMatchObject({ status: 200, body: { event: 'aware' } });
    expect(await post('repin', alice, { policy: 'made-up' })).toMatchObject({ status: 422, body: { error: expect.stringContaining('"made-up" is not one of') } });
    expect(await post('explode', alice)).toMatchObject({ status: 404, body: { error: expect.stringContaining('no route for POST') } });
    expect(await post('falsePositive', alice, { reason: 'a test tenant' })).toMatchObject({ status: 200, body: { resolvedBy: 'alice' } });

    const events = await waitFor('the ledger', async () => {
      const timeline = await stack.ledger.timeline(id);
      return timeline.some((e) => e.kind === 'incident.false_positive') && timeline;
    });
    const actorOf = (kind: string) => events.find((e) => e.kind === kind)?.actor;
    expect(actorOf('containment.requested')).toEqual({ type: 'responder', name: 'bob', via: 'api' });
    expect(actorOf('containment.approved')).toEqual({ type: 'responder', name: 'alice', via: 'api' });
    expect(actorOf('clock.trigger_recorded')).toEqual({ type: 'responder', name: 'alice', via: 'api' });
  });
});

describe('evidence', () => {
  it('exports every part of an incident, mapped to its controls, with hashes that verify against the ledger; and a period report', async () => {
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent' };
    const auditor = await makeToken('evidence-auditor', ['audit:read']);
    const since = new Date(Date.now() - 1000);
    const id = 'inc-evidence-1';
    const handle = await open(id, { tenant: 'q-evidence', severity: 'SEV1', title: 'Invoices of jane@example.com served to globex' }, ['DE']);
    const alice = { responder: 'alice', via: 'cli' as const };
    await waitFor('the first page', async () => (await handle.query(queries.state)).pages.length === 1);
    await handle.executeUpdate(updates.acknowledge, { args: [alice] });
    await handle.executeUpdate(updates.trigger, { args: [{ by: alice, event: 'aware' }] });
    await waitFor('the GDPR clock', async () => (await handle.query(queries.state)).clocks?.length === 1);
    await handle.executeUpdate(updates.file, { args: [{ by: alice, obligation: 'gdpr-art33', reference: 'BfDI-2026-77' }] });
    await handle.executeUpdate(updates.resolve, { args: [{ by: alice, note: 'tenant filter restored on /api/invoices' }] });
    await handle.result();
    await waitFor('the resolution in the ledger', async () => (await stack.ledger.timeline(id)).some((e) => e.kind === 'incident.resolved'));
    const until = new Date(Date.now() + 1000);

    // The ledger as the export will find it (the export's own read is audited after it).
    const ledger = await stack.ledger.timeline(id);
    const get = (path: string) => fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${auditor}` } });
    const res = await get(`/v1/incidents/${id}/evidence`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const pack = (await res.json()) as EvidencePack;
    expect(pack.incident).toMatchObject({ tenant: 'q-evidence', severity: 'SEV1', status: 'resolved', jurisdictions: ['DE'], dataCategories: ['personal-data'], acknowledged: { by: 'alice' }, resolved: { by: 'alice', note: 'tenant filter restored on /api/invoices' } });
    expect(pack.incident.title).not.toContain('jane@example.com');
    expect(pack.figures.minutesToAcknowledge).toBeGreaterThanOrEqual(0);
    expect(pack.figures.minutesToNotify).toBeGreaterThanOrEqual(pack.figures.minutesToAcknowledge!);
    const section = (sid: string) => pack.sections.find((s) => s.id === sid)!;
    expect(section('detection')).toMatchObject({ controls: expect.arrayContaining(['SOC 2 CC7.2', 'ISO 27001 A.5.25']) });
    expect(section('escalation').items.map((i) => i.kind)).toEqual(expect.arrayContaining(['responder.paged', 'incident.acknowledged']));
    expect(section('notification').items.map((i) => i.kind)).toEqual(['clock.trigger_recorded', 'clock.started', 'clock.filed']);
    expect(section('notification').controls).toEqual(expect.arrayContaining(['SOC 2 CC2.3', 'ISO 27001 A.5.5']));
    // The post-incident review it owes writes to this chain too, from its own workflow (test/integration/reviews.test.ts).
    expect(section('resolution').items.map((i) => i.kind).filter((k) => !k.startsWith('review.'))).toEqual(['incident.resolved']);
    // Every item is a ledger event, by sequence and hash; the chain verifies and the head closes it.
    const bySeq = new Map(ledger.map((e) => [e.seq, e.hash]));
    const items = pack.sections.flatMap((s) => s.items);
    expect(items.every((i) => bySeq.get(i.seq) === i.hash)).toBe(true);
    expect(pack.ledger).toMatchObject({ verified: true, headHash: ledger.at(-1)!.hash, headSeq: ledger.at(-1)!.seq });

    const md = await (await get(`/v1/incidents/${id}/evidence?format=md`)).text();
    expect(md).toContain(`# Incident evidence: ${id}`);
    expect(md).toContain('## Regulatory and external notification');
    expect(md).toContain('Evidences: SOC 2 CC2.3, SOC 2 P6.6, ISO 27001 A.5.5, ISO 27001 A.5.34');
    const csv = await (await get(`/v1/incidents/${id}/evidence?format=csv`)).text();
    expect(csv.split('\n')[0]).toBe('incident,section,controls,seq,at,kind,actor,detail,hash');
    expect((await get(`/v1/incidents/${id}/evidence?format=pdf`)).status).toBe(400);
    // The CLI gives the same pack (run while visibility is waited for below).
    const cliExport = klaxon(['evidence', 'export', id], env);

    const period = await waitFor('visibility to see it closed', async () => {
      const r = (await (await get(`/v1/evidence?since=${since.toISOString()}&until=${until.toISOString()}`)).json()) as PeriodReport;
      return r.rows?.some((x) => x.incidentId === id && x.status === 'resolved') ? r : undefined;
    });
    const cliPack = JSON.parse((await cliExport).stdout) as EvidencePack;
    expect(cliPack.sections.flatMap((x) => x.items).slice(0, items.length)).toEqual(items);
    expect(period.bySeverity.find((b) => b.severity === 'SEV1')).toMatchObject({ acknowledge: { count: expect.any(Number) }, notify: { count: 1 } });
    expect((await get('/v1/evidence?since=2026-11-01T00:00Z')).status).toBe(400);
    const periodMd = (await klaxon(['evidence', 'export', '--since', since.toISOString(), '--until', until.toISOString(), '--format', 'md'], env)).stdout;
    expect(periodMd).toContain(`| ${id} | SEV1 | q-evidence | resolved |`);
  });
});

describe('tokens bound to tenants', () => {
  it('see, list, export and change only their tenants\' incidents; another tenant\'s answers as unknown (404)', async () => {
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent' };
    const since = new Date(Date.now() - 1000);
    // Real incident ids (derived from tenant and key): `t-acme` must not own `t-acme-eu`'s.
    const ids = Object.fromEntries(['t-acme', 't-acme-eu', 't-globex'].map((tenant) => [tenant, incidentIdFor({ tenant, dedupKey: 'leak-1' })]));
    for (const [tenant, id] of Object.entries(ids)) await open(id, { tenant, severity: 'SEV2' }, ['DE']);
    const [created, bad] = await Promise.all([
      klaxon(['tokens', 'create', '--name', 'acme-ops', '--scope', 'incidents:read', '--scope', 'audit:read', '--scope', 'incidents:write', '--as', 'bob', '--tenant', 't-acme'], env),
      klaxon(['tokens', 'create', '--name', 'x-bad', '--scope', 'incidents:read', '--tenant', "acme' OR '1"], env).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(created.stdout).toContain('tenants t-acme only');
    const bound = created.stdout.split('\n')[0];
    expect((await klaxon(['tokens', 'list'], env)).stdout).toMatch(/acme-ops +\S+ +tenants t-acme /);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a tenant') });

    const call = async (path: string, method = 'GET') => {
      const res = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${bound}` } });
      return { status: res.status, text: await res.text() };
    };
    const listed = await waitFor('visibility to know all three', async () => {
      const all = (await stack.incidents.list({ openOnly: true })).map((r) => r.incidentId);
      return Object.values(ids).every((id) => all.includes(id)) ? ((JSON.parse((await call('/v1/incidents')).text) as { incidents: Array<{ incidentId: string }> }).incidents) : undefined;
    });
    expect(listed.map((r) => r.incidentId)).toEqual([ids['t-acme']]);
    expect(JSON.parse((await call('/v1/incidents?tenant=t-globex')).text)).toEqual({ incidents: [] });

    // An id of its own tenant that exists nowhere: what "unknown" reads like on each route.
    const unknown = incidentIdFor({ tenant: 't-acme', dedupKey: 'never-alerted' });
    for (const other of [ids['t-globex'], ids['t-acme-eu']]) {
      for (const [path, method] of [['', 'GET'], ['/timeline', 'GET'], ['/evidence', 'GET'], ['/history', 'GET'], ['/acknowledge', 'POST'], ['/resolve', 'POST']]) {
        const answer = await call(`/v1/incidents/${other}${path}`, method);
        expect({ path, ...answer }).toEqual({ path, status: 404, text: expect.stringContaining(other) });
        // Word for word what an id that exists nowhere gets.
        expect(answer.text.replace(other, 'ID')).toBe((await call(`/v1/incidents/${unknown}${path}`, method)).text.replace(unknown, 'ID'));
      }
    }
    expect((await stack.incidents.state(ids['t-globex'])).status).toBe('triggered');

    expect(await call(`/v1/incidents/${ids['t-acme']}`)).toMatchObject({ status: 200 });
    expect(await call(`/v1/incidents/${ids['t-acme']}/acknowledge`, 'POST')).toMatchObject({ status: 200, text: expect.stringContaining('"acknowledgedBy":"bob"') });
    const report = JSON.parse((await call(`/v1/evidence?since=${since.toISOString()}&until=${new Date(Date.now() + 60_000).toISOString()}`)).text) as PeriodReport;
    expect(report.rows.map((r) => r.incidentId)).toEqual([ids['t-acme']]);
  });
});

describe('failed bearer-token attempts', () => {
  it('are limited per client: past the limit, 429 with Retry-After before any token is looked up, and signed alerts still pass', async () => {
    const good = await makeToken('limit-reader', ['incidents:read']);
    // An API of its own on the same stack, so the other tests' answers are not limited.
    const api = createApiServer({ ...apiDepsFromConfig(stack.config, stack.incidents, complianceDeps(stack.db.pool, stack.env.client)), log: () => undefined });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const get = async (bearer: string) => {
      const res = await fetch(`${url}/v1/incidents`, { headers: { authorization: `Bearer ${bearer}` } });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string } };
    };
    try {
      expect((await get(good)).status).toBe(200);
      for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) expect((await get(`kx_guess${i}`)).status).toBe(401);
      const limited = await get('kx_one-more-guess');
      expect(limited).toMatchObject({ status: 429, body: { error: expect.stringContaining('too many failed bearer-token attempts') } });
      expect(Number(limited.retryAfter)).toBeGreaterThan(0);
      expect(Number(limited.retryAfter)).toBeLessThanOrEqual(FAILED_ATTEMPTS_WINDOW_MS / 1000);
      // Refused before the lookup: even the right token waits out the window from this address.
      expect((await get(good)).status).toBe(429);
      const alert = JSON.stringify({ title: 'limited client, alerts still taken', severity: 'SEV4', tenant: 'q-limit' });
      const res = await fetch(`${url}/v1/alerts/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, alert) }, body: alert });
      expect(res.status).toBe(202);
    } finally {
      await new Promise((ok) => api.close(ok));
    }
  });

  it('are limited when sent all at once: guesses still in flight count, so no more than the limit reach the token check', async () => {
    const api = createApiServer({ ...apiDepsFromConfig(stack.config, stack.incidents, complianceDeps(stack.db.pool, stack.env.client)), log: () => undefined });
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    // The token table is held locked meanwhile, so every lookup waits (as on a slow database) and
    // all the guesses are in flight together, none of them answered yet.
    const lock = await stack.db.pool.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE');
      const answers = Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${url}/v1/incidents`, { headers: { authorization: `Bearer kx_parallel${i}` } }).then((r) => r.status)));
      await new Promise((ok) => setTimeout(ok, 1000));
      await lock.query('COMMIT');
      const statuses = await answers;
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS);
      expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
    } finally {
      lock.release();
      await new Promise((ok) => api.close(ok));
    }
  });
});
