import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { incidentEvidence, renderEvidence } from '../../client/evidence';
import type { EvidencePack } from '../../core/audit/evidence';
import { incidentIdFor } from '../../core/incident/incident-id';
import { isInstantWithOffset } from '../../core/shared/time-format';
import { updates } from '../../workflows/messages';
import { klaxon } from '../support/processes';
import { ALERTMANAGER_TOKEN, postAlert, startTestStack, type TestStack } from '../support/stack';
import { temporalText as temporalTextOf } from '../support/temporal';
import { waitFor } from '../support/waiting';

/**
 * Personal data in an alert, sent through the real API to the real worker: none of it may be
 * kept anywhere (ledger rows, Temporal's history, memo and search attributes, what the CLI
 * shows, the evidence pack), while the record's own fields (instants, keys, ids) stay exact.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const CARD = '4111 1111 1111 1111';
const SSN = '123-45-6789';
const API_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const EMAIL = 'jane.doe@example.com';
const PERSONAL = [CARD, CARD.replace(/ /g, ''), SSN, API_KEY, EMAIL];

const cli = (args: string[]) => klaxon(args, { ...process.env, TEMPORAL_ADDRESS: stack.env.address, KLAXON_TASK_QUEUE: stack.config.temporal.taskQueue, DATABASE_URL: stack.db.url, KLAXON_DATA_DIR: '/nonexistent', TZ: 'UTC' });

const temporalText = (incidentId: string) => temporalTextOf(stack.env.client, incidentId);
const leaked = (text: string) => PERSONAL.filter((p) => text.includes(p));

/** The cells of each CSV line (quoted cells may hold commas; the pack's cells hold no line breaks). */
const csvRows = (csv: string) => csv.trim().split('\n').map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"')));

/** Every instant of an evidence pack's items and incident, wherever the format puts it. */
function instantsOf(pack: EvidencePack): string[] {
  const found: string[] = [pack.generatedAt, pack.incident.openedAt];
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && (/At$/.test(key) || key === 'at')) found.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(pack.sections);
  return found;
}

describe('personal data in an alert', () => {
  it('is redacted before anything keeps it: ledger, Temporal, the CLI and evidence hold none of it, and system fields stay exact', async () => {
    const dedupKey = `customer-${SSN}`;
    const body = JSON.stringify({
      title: `Card ${CARD} of ${EMAIL} served to tenant globex`,
      severity: 'SEV2',
      tenant: 'pd-acme',
      dedupKey,
      dataCategories: ['payment-card'],
      details: { ssn: SSN, key: API_KEY, contact: { email: EMAIL }, card: Number(CARD.replace(/ /g, '')), [EMAIL]: 'as a key', rows: 12 },
    });
    const first = await postAlert(stack.apiUrl, body);
    expect(first).toMatchObject({ status: 202, body: { deduplicated: false } });
    const incidentId = first.body.incidentId as string;
    // The incident is the one its key always named, and a repeat joins it, though the key is not kept.
    expect(incidentId).toBe(incidentIdFor({ tenant: 'pd-acme', dedupKey }));
    expect(await postAlert(stack.apiUrl, body.replace('"severity":"SEV2"', '"severity":"SEV1"'))).toMatchObject({ status: 202, body: { incidentId, deduplicated: true } });

    await stack.incidents.change('resolve', incidentId, { by: { responder: 'alice', via: 'cli' }, note: `Rotated ${API_KEY}, told ${EMAIL}` });
    // The run completes only once its ledger writes are stored: read the ledger after that, or a
    // write landing between the two reads below is counted in one and not the other.
    await stack.env.client.workflow.getHandle(incidentId).result();
    const events = await waitFor('the resolution in the ledger', async () => {
      const rows = await stack.ledger.timeline(incidentId);
      return rows.some((e) => e.kind === 'incident.resolved') ? rows : undefined;
    });

    const rows = await stack.db.pool.query<{ row: string }>('SELECT row_to_json(e)::text AS row FROM ledger_events e WHERE incident_id = $1', [incidentId]);
    expect(rows.rows.length).toBe(events.length);
    expect(leaked(rows.rows.map((r) => r.row).join('\n'))).toEqual([]);
    const received = events.find((e) => e.kind === 'alert.received')!;
    expect(received.payload).toMatchObject({ title: 'Card [number] of [email] served to tenant globex', dedupKey: expect.stringMatching(/^klaxon-pseudonym:[0-9a-f]{64}$/) });
    expect(events.find((e) => e.kind === 'incident.resolved')!.payload).toEqual({ note: 'Rotated [secret], told [email]' });

    expect(leaked(await temporalText(incidentId))).toEqual([]);
    const shown = await cli(['incidents', 'show', incidentId]);
    expect(shown.stdout).toContain('Card [number] of [email]');
    expect(leaked(shown.stdout + (await cli(['incidents', 'show', incidentId, '--json'])).stdout)).toEqual([]);

    // The evidence pack: nothing personal, and every system field as recorded.
    const pack = await incidentEvidence(stack.incidents, stack.ledger, incidentId, new Date());
    for (const format of ['json', 'csv', 'md'] as const) expect(leaked(renderEvidence(pack, format))).toEqual([]);
    const instants = instantsOf(pack);
    expect(instants.length).toBeGreaterThan(events.length);
    expect(instants.filter((t) => !isInstantWithOffset(t))).toEqual([]);
    const items = pack.sections.flatMap((s) => s.items);
    expect(items.find((i) => i.kind === 'alert.received')!.detail).toEqual(received.payload);
    expect(items.find((i) => i.kind === 'incident.opened')!.detail).toMatchObject({ dedupKey: received.payload.dedupKey });
    const csv = csvRows(renderEvidence(pack, 'csv')).slice(1);
    expect(csv.length).toBe(events.length);
    expect(csv.map((cells) => cells[4]).filter((t) => !isInstantWithOffset(t))).toEqual([]);
    expect(csv.map((cells) => JSON.parse(cells[7]) as unknown)).toEqual(items.map((i) => i.detail));
    const md = renderEvidence(pack, 'md').split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(md.length).toBe(events.length);
    expect(md.map((l) => l.split(' | ')[1]).filter((t) => !isInstantWithOffset(t))).toEqual([]);
  });
});

describe('text no record can hold', () => {
  const generic = (over: Record<string, unknown>) =>
    postAlert(stack.apiUrl, JSON.stringify({ title: 'Exports of tenant acme readable by globex', severity: 'SEV3', tenant: 'pd-text', dedupKey: `text-${Object.keys(over).join('-')}`, ...over }));

  it('is refused at intake with a 422 naming the field, from every source, and nothing is started', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: 'Leak\u0000 of rows' }, 'title: holds the control character U+0000 (NUL)'],
      [{ dedupKey: 'key-\ud800' }, 'dedupKey: holds a lone surrogate (U+D800)'],
      [{ dataCategories: ['personal-data', 'pii\u001b[2J'] }, 'dataCategories.1: holds the control character U+001B'],
      [{ dedupKey: 'klaxon-pseudonym:00' }, 'dedupKey: may not start with "klaxon-pseudonym:"'],
    ];
    for (const [over, problem] of cases) {
      const answer = await generic(over);
      expect({ over, status: answer.status, error: answer.body.error }).toEqual({ over, status: 422, error: expect.stringContaining(problem) });
    }
    const firing = JSON.parse(readFileSync(join(__dirname, '../fixtures/alertmanager-firing.json'), 'utf8'));
    firing.alerts[1].annotations.summary = 'Rows of globex\u0000';
    const res = await fetch(`${stack.apiUrl}/v1/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTMANAGER_TOKEN}` }, body: JSON.stringify(firing) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toContain('alerts.1.title: holds the control character U+0000');
    // The whole request was refused: not even its good first alert opened an incident.
    const ids = (await stack.incidents.list({ openOnly: false })).map((i) => i.incidentId);
    expect(ids.filter((id) => id.startsWith('inc-pd-text-') || id.startsWith('inc-acme-'))).toEqual([]);
  });

  it('in details is kept as U+FFFD, so the alert is not lost and its record is complete', async () => {
    const answer = await generic({ details: { trace: 'at handler\u0000 (\ud83d)', 'k\u0000': 1 } });
    expect(answer.status).toBe(202);
    const incidentId = answer.body.incidentId as string;
    await waitFor('the alert in the ledger', async () => (await stack.ledger.timeline(incidentId)).some((e) => e.kind === 'alert.received'));
    const history = await stack.env.client.workflow.getHandle(incidentId).fetchHistory();
    const input = JSON.parse(Buffer.from(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString('utf8'));
    expect(input.alert.details).toEqual({ trace: 'at handler\ufffd (\ufffd)', 'k\ufffd': 1, triage: 'no classification rule matched' });
  });

  it('in an Update (notes, reasons) is refused with a 422 naming the field, also when too long, and by the workflow itself', async () => {
    const answer = await generic({ title: 'Update text' });
    const incidentId = answer.body.incidentId as string;
    const writer = (await cli(['tokens', 'create', '--name', 'pd-runbook', '--scope', 'incidents:write', '--as', 'bob'])).stdout.split('\n')[0];
    const resolve = async (note: string) => {
      const started = performance.now();
      const res = await fetch(`${stack.apiUrl}/v1/incidents/${incidentId}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify({ note }) });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error, ms: performance.now() - started };
    };
    expect(await resolve('done\u0000')).toMatchObject({ status: 422, error: 'note: holds the control character U+0000 (NUL), which has no place in text' });
    // 120 KB of what made the old redaction backtrack: refused at once by its length.
    const long = await resolve('eyJ-'.repeat(30_000));
    expect(long).toMatchObject({ status: 422, error: 'note: is 120000 characters long; at most 3000' });
    expect(long.ms).toBeLessThan(1000);
    const fp = await cli(['false-positive', incidentId, '--reason', 'test\u001b[2J', '--as', 'alice']).catch((e: { code: number; stderr: string }) => e);
    expect(fp).toMatchObject({ code: 1, stderr: expect.stringContaining('reason: holds the control character U+001B') });
    // The workflow refuses such text too, should anything reach it without the client's check.
    await expect(stack.env.client.workflow.getHandle(incidentId).executeUpdate(updates.resolve, { args: [{ by: { responder: 'alice', via: 'cli' }, note: 'x\u0000' }] })).rejects.toMatchObject({ cause: { message: expect.stringContaining('note: holds the control character U+0000') } });
    expect((await stack.incidents.state(incidentId)).status).toBe('triggered');
  });
});
