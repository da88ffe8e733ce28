import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Two API processes and two worker processes on one Temporal server and one ledger, as a
 * deployment with replicas runs: alerts spread over both APIs open one incident per key with
 * the exact count, and a worker killed with SIGKILL mid-ladder neither loses nor repeats a page.
 * Prints the figures BENCHMARKS.md quotes (`npx jest test/integration/replicas.test.ts`).
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const KEYS = 8;
const ALERTS_PER_KEY = 50;
/** Two levels (alice, bob), three passes: the ladder of KLAXON_RESPONDERS with repeat 2. */
const PAGES_PER_INCIDENT = 6;

const node = (file: string, env: NodeJS.ProcessEnv) => Child.start(process.execPath, ['--import', 'tsx', file], env);

describe('two API and two worker replicas', () => {
  it('open one incident per key with every alert counted once, and page each level exactly once when a worker is killed mid-ladder', async () => {
    const ports = [await freePort(), await freePort()];
    const env = (port: number) =>
      apiProcessEnv(stack, port, {
        KLAXON_TASK_QUEUE: 'klaxon-replicas',
        DATABASE_URL: stack.db.url,
        SLACK_BOT_TOKEN: stack.slack.token,
        SLACK_API_URL: stack.slack.url,
        KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
        // Six seconds a level: the ladder runs its three passes within the test.
        KLAXON_ESCALATION_MINUTES: '0.1',
      });
    const apis = ports.map((port) => node('client/api/main.ts', env(port)));
    const workers = [node('worker/main.ts', env(ports[0])), node('worker/main.ts', env(ports[1]))];
    await Promise.all([...apis.map((a) => a.waitForOutput('listening')), ...workers.map((w) => w.waitForOutput('polling klaxon-replicas'))]);

    // Every key's alerts alternate between the two APIs, sixteen requests open at once.
    const jobs = Array.from({ length: KEYS * ALERTS_PER_KEY }, (_, i) => ({ key: `replica-${i % KEYS}`, api: `http://127.0.0.1:${ports[i % 2]}`, i }));
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
    await waitFor('every first page', () => ids.every((id) => stack.slack.callsOf('chat.postMessage').some((c) => JSON.stringify(c.args).includes(id))), 60_000);
    workers[0].process.kill('SIGKILL');
    await workers[0].exited;

    const exhausted = await waitFor(
      'every ladder run to its end on the surviving worker',
      async () => {
        const timelines = await Promise.all(ids.map((id) => stack.ledger.timeline(id)));
        return timelines.every((t) => t.some((e) => e.kind === 'ladder.exhausted')) && timelines;
      },
      240_000,
    );
    const counted = await Promise.all(ids.map(async (id) => (await stack.incidents.state(id)).alertCount));
    const posts = ids.map((id) => stack.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args).includes(id)).length);
    const paged = exhausted.map((t) => t.filter((e) => e.kind === 'responder.paged').length);
    console.log(
      `replicas: ${answers.length} alerts over 2 APIs → ${ids.length} incidents, counts ${counted.join('/')}; ` +
        `worker 1 of 2 killed after the first pages; Slack pages per incident ${posts.join('/')} (expected ${PAGES_PER_INCIDENT}), ledger pages ${paged.join('/')}`,
    );
    expect(counted).toEqual(ids.map(() => ALERTS_PER_KEY));
    expect(paged).toEqual(ids.map(() => PAGES_PER_INCIDENT));
    expect(posts).toEqual(ids.map(() => PAGES_PER_INCIDENT));
  }, 400_000);
});
