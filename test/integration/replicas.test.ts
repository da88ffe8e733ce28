import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { incidentIdFor } from '../../core/incident/incident-id';
import { Child, freePort } from '../support/processes';
import { signKlaxon } from '../support/signing';
import { apiProcessEnv, postAlert, startTestStack, VERCEL_SECRET, WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/waiting';

/**
 * Two API processes and two worker processes on one Temporal server and one ledger, as a
 * deployment with replicas runs, shared by the tests below: alerts spread over both APIs open
 * one incident per key with the exact count; a worker killed with SIGKILL mid-ladder neither
 * loses nor repeats a page; a Vercel status spike split across both APIs fires once; an API
 * killed with SIGKILL mid-storm loses and doubles nothing. Prints the figures BENCHMARKS.md
 * quotes (`npx jest test/integration/replicas.test.ts`).
 */
const QUEUE = 'klaxon-replicas';
/** Two levels (alice, bob), three passes: the ladder of KLAXON_RESPONDERS with repeat 2. */
const PAGES_PER_INCIDENT = 6;

let stack: TestStack;
/** In front of the ledger database for the first API only, so the storm can keep the database's answers from it before it is killed. */
let ledgerProxy: TcpProxy;
let ports: number[];
const apis: Child[] = [];
const workers: Child[] = [];

const node = (file: string, env: NodeJS.ProcessEnv) => Child.start(process.execPath, ['--import', 'tsx', file], env);
const running = (child: Child | undefined) => child !== undefined && child.process.exitCode === null && child.process.signalCode === null;
const apiUrl = (i: number) => `http://127.0.0.1:${ports[i]}`;
const throughProxy = (url: string) => Object.assign(new URL(url), { hostname: '127.0.0.1', port: String(ledgerProxy.port) }).toString();

function replicaEnv(port: number, databaseUrl = stack.db.url): NodeJS.ProcessEnv {
  return apiProcessEnv(stack, port, {
    KLAXON_TASK_QUEUE: QUEUE,
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: stack.slack.token,
    SLACK_API_URL: stack.slack.url,
    KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
    KLAXON_SOURCES: 'generic,vercel',
    KLAXON_VERCEL_SECRET: VERCEL_SECRET,
    KLAXON_RULES_FILE: join(__dirname, '../fixtures/rules-status-spike.yaml'),
    // Three seconds a level: the ladder runs its three passes within the test.
    KLAXON_ESCALATION_MINUTES: '0.05',
  });
}

/** Starts each of the four replicas that is not running (all of them at first), as an orchestrator replaces a dead one. */
async function replaceTheDead(): Promise<void> {
  const ready: Array<Promise<void>> = [];
  for (const i of [0, 1]) {
    if (!running(apis[i])) {
      apis[i] = node('client/api/main.ts', replicaEnv(ports[i], i === 0 ? throughProxy(stack.db.url) : undefined));
      ready.push(apis[i].waitForOutput('listening'));
    }
    if (!running(workers[i])) {
      workers[i] = node('worker/main.ts', replicaEnv(ports[i]));
      ready.push(workers[i].waitForOutput(`polling ${QUEUE}`));
    }
  }
  await Promise.all(ready);
}

beforeAll(async () => {
  stack = await startTestStack();
  const db = new URL(stack.db.url);
  ledgerProxy = new TcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
  await ledgerProxy.start();
  ports = [await freePort(), await freePort()];
  await replaceTheDead();
}, 180_000);
// Each test starts with two of each, whatever the one before it killed.
beforeEach(replaceTheDead, 120_000);
afterAll(() => stack?.stop());

const slackPagesOf = (id: string) => stack.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args).includes(id)).length;

/** Once every incident's ladder has run to its end: the alerts each counted, its pages at the Slack stand-in and in the ledger. */
async function ladderEnds(ids: string[]): Promise<{ counted: number[]; posts: number[]; paged: number[] }> {
  const timelines = await waitFor(
    'every ladder run to its end',
    async () => {
      const all = await Promise.all(ids.map((id) => stack.ledger.timeline(id)));
      return all.every((t) => t.some((e) => e.kind === 'ladder.exhausted')) && all;
    },
    240_000,
  );
  const paged = timelines.map((t) => t.filter((e) => e.kind === 'responder.paged').length);
  // The ledger records a page as it starts: on a loaded machine the last post can still be on its
  // way to Slack when the ladder ends. Wait for each to land; a page posted twice still shows.
  await waitFor('every page the ledger holds at the Slack stand-in', () => ids.every((id, i) => slackPagesOf(id) >= paged[i]), 60_000).catch(() => undefined);
  return {
    counted: await Promise.all(ids.map(async (id) => (await stack.incidents.state(id)).alertCount)),
    posts: ids.map(slackPagesOf),
    paged,
  };
}

describe('two API and two worker replicas', () => {
  it('open one incident per key with every alert counted once, and page each level exactly once when a worker is killed mid-ladder', async () => {
    const KEYS = 8;
    const ALERTS_PER_KEY = 50;
    // Every key's alerts alternate between the two APIs, sixteen requests open at once.
    const jobs = Array.from({ length: KEYS * ALERTS_PER_KEY }, (_, i) => ({ key: `replica-${i % KEYS}`, api: apiUrl(i % 2), i }));
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) {
          answers.push(await postAlert(job.api, JSON.stringify({ title: 'Tenant invoices in another tenant\'s portal', severity: 'SEV2', tenant: 'acme', dedupKey: job.key, details: { n: job.i } })));
        }
      }),
    );
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    const ids = [...new Set(answers.map((a) => a.body.incidentId as string))];
    expect(ids).toHaveLength(KEYS);
    expect(answers.filter((a) => a.body.deduplicated === false)).toHaveLength(KEYS);

    // The first page of every incident is out: kill one worker without warning.
    await waitFor('every first page', () => ids.every((id) => slackPagesOf(id) > 0), 60_000);
    workers[0].process.kill('SIGKILL');
    await workers[0].exited;

    const { counted, posts, paged } = await ladderEnds(ids);
    console.log(
      `replicas: ${answers.length} alerts over 2 APIs → ${ids.length} incidents, counts ${counted.join('/')}; ` +
        `worker 1 of 2 killed after the first pages; Slack pages per incident ${posts.join('/')} (expected ${PAGES_PER_INCIDENT}), ledger pages ${paged.join('/')}`,
    );
    expect(counted).toEqual(ids.map(() => ALERTS_PER_KEY));
    expect(paged).toEqual(ids.map(() => PAGES_PER_INCIDENT));
    expect(posts).toEqual(ids.map(() => PAGES_PER_INCIDENT));
  }, 400_000);

  it('fire a Vercel status spike split across both APIs once, and not at all below its threshold', async () => {
    // test/fixtures/rules-status-spike.yaml: the README's detector, 20 lines in 60 s.
    const DETECTOR = 'spike of 401/403 on admin routes';
    const incidentOf = (project: string) => incidentIdFor({ tenant: stack.config.defaultTenant, dedupKey: `vercel:${DETECTOR}:${project}` });
    const window = Math.floor(Date.now() / 60_000) * 60_000;
    /** Forbidden admin responses of a project, lines `from` to `from + n - 1`, all in one window. */
    const forbidden = (project: string, from: number, n: number) =>
      Array.from({ length: n }, (_, k) => ({ id: `${project}-line-${from + k}`, projectId: project, timestamp: window + (from + k) * 100, source: 'edge', proxy: { method: 'GET', path: '/admin/users', statusCode: 403 } }));
    /** Each line a drain batch of its own, alternating between the two APIs, all at once: the alerts the answers name. */
    const drainSplit = async (lines: unknown[]) => {
      const answers = await Promise.all(
        lines.map(async (line, i) => {
          const body = JSON.stringify([line]);
          const res = await fetch(`${apiUrl(i % 2)}/v1/alerts/vercel`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-vercel-signature': createHmac('sha1', VERCEL_SECRET).update(body).digest('hex') },
            body,
          });
          return { status: res.status, alerts: ((await res.json()) as { alerts?: Array<{ incidentId: string; deduplicated: boolean }> }).alerts ?? [] };
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(lines.map(() => 202));
      return answers.flatMap((a) => a.alerts);
    };

    // 24 lines, 12 on each API: neither alone reaches 20, the shared window does, once.
    const spike = await drainSplit(forbidden('prj_replicas_spike', 0, 24));
    expect(spike).toEqual([{ incidentId: incidentOf('prj_replicas_spike'), deduplicated: false }]);
    // 12 more lines in the window that paged raise nothing.
    const more = await drainSplit(forbidden('prj_replicas_spike', 24, 12));
    expect(more).toEqual([]);
    expect((await stack.incidents.state(incidentOf('prj_replicas_spike'))).alertCount).toBe(1);
    // 18 lines split, below the threshold: no alert, no incident.
    const below = await drainSplit(forbidden('prj_replicas_below', 0, 18));
    expect(below).toEqual([]);
    await expect(stack.incidents.state(incidentOf('prj_replicas_below'))).rejects.toThrow();
    console.log(`replicas: Vercel status spike (threshold 20 in 60 s), one line a batch alternating over 2 APIs: 24 lines → ${spike.length} alert; 12 more in the window → ${more.length}; 18 lines → ${below.length}`);
  }, 60_000);

  it('lose and double nothing when an API is killed mid-storm: every alert answered 202 counted once, every level paged once', async () => {
    const ALERTS = 4000;
    const KEYS = 2;
    /** The first API dies once it has answered this many. */
    const KILL_AFTER = 200;
    // Every request open at once, alternating APIs, each key's alerts on both; each request
    // signed once, so its retry is the same delivery.
    const jobs = Array.from({ length: ALERTS }, (_, i) => {
      const body = JSON.stringify({ title: 'Tenant exports served to another tenant', severity: 'SEV2', tenant: 'acme', dedupKey: `storm-${Math.floor(i / 2) % KEYS}`, details: { n: i } });
      return { api: i % 2, body, headers: { 'klaxon-signature': signKlaxon(WEBHOOK_SECRET, body) } };
    });
    type Job = (typeof jobs)[number];
    const accepted: Array<Record<string, unknown>> = [];
    const send = async (job: Job, api: number): Promise<boolean> => {
      try {
        const answer = await postAlert(apiUrl(api), job.body, job.headers);
        if (answer.status === 202) accepted.push(answer.body);
        return answer.status === 202;
      } catch {
        // The connection was refused or reset: the API is gone.
        return false;
      }
    };
    let killed: Promise<void> | undefined;
    const killFirstApi = async () => {
      // The database's answers to the first API wait in the proxy, so it dies between Temporal
      // taking its alerts and remembering and answering them: the batches it sends in the
      // meantime are counted, their senders never hear so, and their retries must not count twice.
      ledgerProxy.holdReplies();
      await sleep(1000);
      apis[0].process.kill('SIGKILL');
      await apis[0].exited;
      ledgerProxy.release();
    };
    let answeredByFirst = 0;
    const started = Date.now();
    const failed: Job[] = [];
    await Promise.all(
      jobs.map(async (job) => {
        if (!(await send(job, job.api))) failed.push(job);
        else if (job.api === 0 && ++answeredByFirst === KILL_AFTER) killed = killFirstApi();
      }),
    );
    await killed;
    expect(running(apis[0])).toBe(false);
    const ids = [...new Set(accepted.map((a) => a.incidentId as string))];
    expect(ids).toHaveLength(KEYS);
    const countedNow = async () => (await Promise.all(ids.map(async (id) => (await stack.incidents.state(id)).alertCount))).reduce((a, b) => a + b, 0);
    // What the incidents counted beyond what was answered 202: taken from the killed API, never acknowledged.
    const heard = await waitFor('the killed API\'s last signals counted', async () => {
      const before = await countedNow();
      await sleep(1000);
      return before === (await countedNow()) && before;
    });
    const heardNotAnswered = heard - accepted.length;

    // Every sender whose request failed sends it again, the same delivery, to the surviving API.
    await Promise.all(
      failed.map(async (job) => {
        for (let attempt = 1; !(await send(job, 1)); attempt++) {
          if (attempt === 5) throw new Error(`the surviving API refused a retry 5 times: ${job.body}`);
          await sleep(500);
        }
      }),
    );
    const stormSeconds = (Date.now() - started) / 1000;
    const replayed = accepted.filter((a) => a.replayed === true).length;

    const { counted, posts, paged } = await ladderEnds(ids);
    const total = counted.reduce((a, b) => a + b, 0);
    console.log(
      `replicas: storm of ${ALERTS} alerts at once over 2 APIs (${KEYS} keys), API 1 of 2 killed after answering ${KILL_AFTER}: ` +
        `${failed.length} requests failed and were retried on the other API (${heardNotAnswered} of them already counted, ${replayed} answered as replays), ${stormSeconds.toFixed(1)} s; ` +
        `${accepted.length} answered 202 → ${ids.length} incidents counting ${counted.join('/')} = ${total} (expected ${ALERTS}); ` +
        `Slack pages per incident ${posts.join('/')} (expected ${PAGES_PER_INCIDENT}), ledger pages ${paged.join('/')}`,
    );
    // The kill must have left alerts in Temporal that their senders never heard of, or nothing was tested.
    expect(heardNotAnswered).toBeGreaterThan(0);
    expect(accepted).toHaveLength(ALERTS);
    expect(counted).toEqual(ids.map(() => ALERTS / KEYS));
    expect(paged).toEqual(ids.map(() => PAGES_PER_INCIDENT));
    expect(posts).toEqual(ids.map(() => PAGES_PER_INCIDENT));
  }, 400_000);
});
