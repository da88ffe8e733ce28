import { ApiTokens } from '../../ledger/api-tokens';
import type { EvidencePack } from '../../core/audit/evidence';
import type { ReviewState } from '../../core/reviews/review';
import { incident } from '../../workflows/incident';
import { review } from '../../workflows/review';
import { reviewWorkflowId } from '../../workflows/review-messages';
import { klaxon } from '../support/processes';
import { sampleAlert } from '../support/samples';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/** A post-incident review through the REST API on the dev server: owed when the incident is resolved over REST, written by its owner, in the evidence pack. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

describe('post-incident reviews over the REST API', () => {
  it('are owed after a resolution, submitted by their owner only, carry actions, and reach the evidence pack', async () => {
    const tokens = new ApiTokens(stack.db.pool);
    const [alice, bob, auditor] = await Promise.all([
      tokens.create('alice-review', ['incidents:read', 'incidents:write'], { responder: 'alice' }),
      tokens.create('bob-review', ['incidents:read', 'incidents:write'], { responder: 'bob' }),
      tokens.create('review-auditor', ['audit:read']),
    ]);
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Record<string, unknown> };
    };
    const id = 'inc-rest-review';
    await stack.env.client.workflow.start(incident, {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: id,
      args: [{ incidentId: id, policy: stack.config.policies.policies[0], alert: sampleAlert({ dedupKey: id, tenant: 'q-review', severity: 'SEV2' }) }],
    });
    expect(await call('POST', `/v1/incidents/${id}/acknowledge`, alice.token)).toMatchObject({ status: 200 });
    expect(await call('GET', `/v1/incidents/${id}/review`, alice.token)).toMatchObject({ status: 404, body: { error: `the review of incident ${id} was not found` } });
    expect(await call('POST', `/v1/incidents/${id}/resolve`, alice.token, { note: 'cache purged' })).toMatchObject({ status: 200 });

    const owed = await waitFor('the review', async () => {
      const r = await call('GET', `/v1/incidents/${id}/review`, bob.token);
      return r.status === 200 && (r.body.review as ReviewState);
    });
    expect(owed).toMatchObject({ incidentId: id, owner: 'alice', status: 'owed', record: { escalations: 0 } });

    const findings = { summary: 'Customer rows cached across tenants', rootCause: 'the cache key lacked the tenant', wentWell: ['acknowledged in a minute'] };
    // Not the owner: refused with the reason. Malformed: 422 naming the field.
    expect(await call('PUT', `/v1/incidents/${id}/review`, bob.token, findings)).toMatchObject({ status: 403, body: { error: expect.stringContaining('bob may not submit the review') } });
    expect(await call('PUT', `/v1/incidents/${id}/review`, alice.token, { summary: 'x' })).toMatchObject({ status: 422, body: { error: expect.stringContaining('rootCause') } });
    expect(await call('POST', `/v1/incidents/${id}/review/actions`, alice.token, { title: 'Key the cache by tenant' })).toMatchObject({ status: 422, body: { error: expect.stringMatching(/owner.*dueAt/) } });
    expect(await call('POST', `/v1/incidents/${id}/review/actions`, alice.token, { title: 'Key the cache by tenant', owner: 'bob', dueAt: '2020-01-01' })).toMatchObject({ status: 403, body: { error: 'due date 2020-01-01T23:59:59.999Z is in the past' } });
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString();
    expect(await call('POST', `/v1/incidents/${id}/review/actions`, alice.token, { title: 'Key the cache by tenant', owner: 'bob', dueAt: due })).toMatchObject({ status: 201, body: { action: { n: 1, owner: 'bob', status: 'open' } } });
    expect(await call('PUT', `/v1/incidents/${id}/review`, alice.token, findings)).toMatchObject({ status: 200, body: { review: { status: 'submitted', submittedBy: 'alice' } } });
    await waitFor('the list of open reviews', async () => {
      const listed = await call('GET', '/v1/reviews', bob.token);
      return (listed.body.reviews as Array<{ incidentId: string; status: string }>).some((r) => r.incidentId === id && r.status === 'submitted');
    });
    // The CLI reads it through the API under a personal token; `klaxon review action add` checks its input before it sends it.
    const env = { ...process.env, KLAXON_TOKEN: alice.token, KLAXON_API_URL: stack.apiUrl, KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' };
    const shown = (await klaxon(['review', 'show', id], env)).stdout;
    expect(shown).toContain(`Review of ${id} (q-review): submitted`);
    expect(shown).toMatch(/action #1 \[open\] Key the cache by tenant — bob, due /);
    const noDue = await klaxon(['review', 'action', 'add', id, '--title', 'x', '--owner', 'bob', '--due', 'soon'], env).catch((e: { code: number; stderr: string }) => e);
    expect(noDue).toMatchObject({ code: 2, stderr: expect.stringContaining('dueAt: must be an instant with its offset') });
    // A drill whose policy owes reviews has one too, owed: listed (it is the drill's to write), never a metric of real incidents.
    const drillId = 'drill-q-review-20261206000000-abcdef';
    const resolved = await stack.incidents.state(id);
    await stack.env.client.workflow.start(review, {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: reviewWorkflowId(drillId),
      args: [{ incidentId: drillId, policy: stack.config.policies.policies[0], incident: { ...resolved, incidentId: drillId } }],
    });
    // Listed once it has published where it stands (a review just started is listed without a tenant yet).
    await waitFor("the drill's review listed", async () => ((await call('GET', '/v1/reviews', bob.token)).body.reviews as Array<{ incidentId: string; status: string; tenant?: string }>).some((r) => r.incidentId === drillId && r.status === 'owed' && r.tenant === 'q-review'));
    // The gauges read visibility: one review submitted with its action still open, none overdue, the drill's not counted.
    const metrics = await (await fetch(`${stack.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^klaxon_reviews\{state="submitted"\} 1$/m);
    expect(metrics).toMatch(/^klaxon_reviews\{state="owed"\} 0$/m);
    expect(metrics).toMatch(/^klaxon_review_actions_overdue 0$/m);
    expect(await call('POST', `/v1/incidents/${id}/review/actions/1`, bob.token, { done: true })).toMatchObject({ status: 200, body: { action: { status: 'done', doneBy: 'bob' } } });
    expect(await call('POST', `/v1/incidents/${id}/review/actions/9`, bob.token, { done: true })).toMatchObject({ status: 403, body: { error: `the review of ${id} has no action 9` } });

    // The incident writes its events at most once a second, so its resolution may land after the review's last event.
    await waitFor('the resolution and the review complete in the ledger', async () => {
      const kinds = (await stack.ledger.timeline(id)).map((e) => e.kind);
      return kinds.includes('review.action_done') && kinds.includes('incident.resolved');
    });
    const pack = (await call('GET', `/v1/incidents/${id}/evidence?format=json`, auditor.token)).body as unknown as EvidencePack;
    expect(pack.review).toMatchObject({ status: 'complete', owner: 'alice', findings: { rootCause: 'the cache key lacked the tenant' }, actions: [{ n: 1, status: 'done' }] });
    const lessons = pack.sections.find((s) => s.id === 'resolution')!;
    expect(lessons.controls).toEqual(['SOC 2 CC7.5', 'ISO 27001 A.5.27']);
    // The incident and its review write to the one chain from two workflows: the review's own events in order, the resolution beside them.
    expect(lessons.items.map((i) => i.kind).filter((k) => k.startsWith('review.'))).toEqual(['review.owed', 'review.action_added', 'review.submitted', 'review.action_done']);
    expect(lessons.items.map((i) => i.kind)).toContain('incident.resolved');
  });
});
