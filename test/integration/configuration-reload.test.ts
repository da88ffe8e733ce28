import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentEvidence } from '../../client/evidence';
import { CONFIGURATION_STREAM } from '../../ledger/configuration-record';
import type { LedgerEvent } from '../../ledger/event';
import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waiting';

/**
 * Policies and rules change while the API runs (issue 18, "replicas that agree"): two API
 * processes follow the same policy and rules files on one Temporal and one ledger, a third
 * follows its own file on SIGHUP only. Prints the reload latency (from the write to the record
 * in the ledger): `npx jest test/integration/configuration-reload.test.ts`.
 */
let stack: TestStack;
let dir: string;
let apis: Child[];
let urls: string[];
let policyFile: string;
let rulesFile: string;
/** The file of the API that re-reads on SIGHUP only. */
let hupPolicyFile: string;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A policy of two levels, one responder each, the ladder run once: the first level waits `minutes`, the second `lastMinutes`. */
const policy = (name: string, [first, second]: Array<[string, string]>, minutes: number, lastMinutes = minutes) =>
  [
    `name: ${name}`,
    'responders:',
    `  - { name: ${first[0]}, slackUserId: ${first[1]}, timeZone: Europe/Berlin } # off Slack: ${first[0]}@example.com`,
    `  - { name: ${second[0]}, slackUserId: ${second[1]}, timeZone: America/New_York }`,
    'levels:',
    `  - { targets: [${first[0]}], timeoutMinutes: ${minutes} }`,
    `  - { targets: [${second[0]}], timeoutMinutes: ${lastMinutes} }`,
    'repeat: 0',
    '',
  ].join('\n');

// Nine seconds at level 1: the incident opened under V1 pages its second level after the reload.
// Its second level's wait only delays the end of its ladder, which the test waits for: three seconds.
const V1 = policy('on-call-v1', [['alice', 'U0ALICE'], ['bob', 'U0BOB']], 0.15, 0.05);
const V2 = policy('on-call-v2', [['carol', 'U0CAROL'], ['dave', 'U0DAVE']], 0.15);
const NO_RULES = 'rules: []\n';
/** The SIGHUP API's first policy: a version of its own, so the records of the two files do not list the same policy hash. */
const HUP_V1 = policy('on-call-hup', [['alice', 'U0ALICE'], ['bob', 'U0BOB']], 0.15);

const alert = (key: string, title = 'Invoices of one tenant shown to another') => JSON.stringify({ title, severity: 'SEV2', tenant: 'acme', dedupKey: key });

async function configurationEvents(): Promise<LedgerEvent[]> {
  return (await stack.ledger.timeline(CONFIGURATION_STREAM)).filter((e) => e.kind.startsWith('configuration.'));
}

/** The configuration records of `kind` for `file` with content `sha`, once one is there. */
const recorded = (kind: string, file: string, sha?: string) =>
  waitFor(`${kind} of ${file}${sha ? ` (${sha.slice(0, 12)}…)` : ''} in the ledger`, async () => {
    const found = (await configurationEvents()).filter((e) => e.kind === kind && e.payload.file === file && (!sha || e.payload.sha256 === sha));
    return found.length > 0 && found;
  }, 15_000);

async function pagesOf(incidentId: string): Promise<string[]> {
  return (await stack.ledger.timeline(incidentId)).filter((e) => e.kind === 'responder.paged').map((e) => e.payload.responder as string);
}

beforeAll(async () => {
  stack = await startTestStack();
  dir = mkdtempSync(join(tmpdir(), 'klaxon-reload-'));
  policyFile = join(dir, 'policy.yaml');
  rulesFile = join(dir, 'rules.yaml');
  hupPolicyFile = join(dir, 'policy-hup.yaml');
  for (const [file, text] of [[policyFile, V1], [rulesFile, NO_RULES], [hupPolicyFile, HUP_V1]]) writeFileSync(file, text);
  const ports = [await freePort(), await freePort(), await freePort()];
  const env = (port: number, file: string, seconds: string) =>
    apiProcessEnv(stack, port, {
      DATABASE_URL: stack.db.url,
      SLACK_BOT_TOKEN: stack.slack.token,
      SLACK_API_URL: stack.slack.url,
      KLAXON_SLACK_CHANNEL: 'C0INCIDENTS',
      KLAXON_POLICY_FILE: file,
      KLAXON_RULES_FILE: rulesFile,
      KLAXON_RELOAD_SECONDS: seconds,
    });
  apis = [
    Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], env(ports[0], policyFile, '1')),
    Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], env(ports[1], policyFile, '1')),
    // An hour between checks: only SIGHUP makes this one read its file within the test.
    Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], env(ports[2], hupPolicyFile, '3600')),
  ];
  urls = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(apis.map((a) => a.waitForOutput('listening')));
}, 120_000);

afterAll(async () => {
  await Promise.all((apis ?? []).map((a) => a.stop()));
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a changed policy file', () => {
  it('pages the next new incident by the new policy, while an incident opened before keeps its own to its end; recorded once by hash across two APIs', async () => {
    // Both APIs started on V1: recorded once, not once per replica.
    expect((await recorded('configuration.applied', policyFile, sha256(V1))).map((e) => e.payload.trigger)).toEqual(['start']);

    const before = await postAlert(urls[0], alert('reload-before'));
    expect(before.status).toBe(202);
    const opened = before.body.incidentId as string;
    await waitFor('the first page of the incident opened under V1', async () => (await pagesOf(opened)).length > 0);

    const written = Date.now();
    writeFileSync(policyFile, V2);
    const [applied] = await recorded('configuration.applied', policyFile, sha256(V2));
    const latencyMs = Date.now() - written;
    // Each API applied it itself; one record between them.
    await Promise.all(apis.slice(0, 2).map((a) => a.waitForOutput(`→ ${sha256(V2).slice(0, 12)}…) and was applied (poll)`, 15_000)));
    const v2Records = (await configurationEvents()).filter((e) => e.kind === 'configuration.applied' && e.payload.sha256 === sha256(V2));
    expect(v2Records).toHaveLength(1);
    expect(applied.payload).toMatchObject({ variable: 'KLAXON_POLICY_FILE', file: policyFile, previousSha256: sha256(V1), trigger: 'poll', routes: 0 });
    const [v2Policy] = applied.payload.policies as Array<{ name: string; hash: string }>;
    expect(v2Policy.name).toBe('on-call-v2');

    // A new incident, through the other API: the new responders.
    const after = await postAlert(urls[1], alert('reload-after'));
    const newer = after.body.incidentId as string;
    // The open incident's key again, after the change: it joins the incident, which keeps its policy.
    const again = await postAlert(urls[1], alert('reload-before'));
    expect(again.body).toMatchObject({ incidentId: opened, deduplicated: true });

    await waitFor('the old incident to run its ladder to its end', async () => (await stack.ledger.timeline(opened)).some((e) => e.kind === 'ladder.exhausted'), 40_000);
    expect(await pagesOf(opened)).toEqual(['alice', 'bob']);
    await waitFor('the new incident to page', async () => (await pagesOf(newer)).length > 0);
    expect((await pagesOf(newer))[0]).toBe('carol');
    const postsTo = (user: string, id: string) => stack.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args).includes(id) && JSON.stringify(c.args).includes(`<@${user}>`)).length;
    expect([postsTo('U0ALICE', opened), postsTo('U0BOB', opened), postsTo('U0CAROL', opened), postsTo('U0CAROL', newer)]).toEqual([1, 1, 0, 1]);

    // Each incident names the policy version it pinned, as the configuration record does.
    const openedWith = async (id: string) => (await stack.ledger.timeline(id)).find((e) => e.kind === 'incident.opened')!.payload;
    expect(await openedWith(newer)).toMatchObject({ policy: 'on-call-v2', policyHash: v2Policy.hash });
    expect(await openedWith(opened)).toMatchObject({ policy: 'on-call-v1' });
    // Each incident's evidence pack names the record that brought its policy version in.
    const records = async (id: string) =>
      (await incidentEvidence(stack.incidents, stack.ledger, id, new Date())).sections.find((x) => x.id === 'configuration')!.items.map((i) => [i.stream, i.seq]);
    const [startRecord] = await recorded('configuration.applied', policyFile, sha256(V1));
    expect([await records(opened), await records(newer)]).toEqual([[[CONFIGURATION_STREAM, startRecord.seq]], [[CONFIGURATION_STREAM, applied.seq]]]);
    console.log(`configuration reload: KLAXON_RELOAD_SECONDS=1, two APIs: ${latencyMs} ms from the write to configuration.applied in the ledger (1 record)`);
  }, 60_000);
});

describe('an invalid file', () => {
  /** Writes a bad file and waits until both APIs have refused it and the ledger holds the refusal. */
  async function refusedByBoth(file: string, text: string): Promise<LedgerEvent> {
    writeFileSync(file, text);
    await Promise.all(apis.slice(0, 2).map((a) => a.waitForOutput(`(sha256 ${sha256(text).slice(0, 12)}…) and was refused (poll)`, 15_000)));
    const [refusal] = await recorded('configuration.refused', file, sha256(text));
    return refusal;
  }

  it('is refused with the problem named, once across two APIs, and the last good configuration keeps paging', async () => {
    // The line where YAML stops holds an e-mail address: it reaches neither the ledger nor the log.
    const badYaml = V2.replace('timeZone: Europe/Berlin } # off Slack', 'timeZone: Europe/Berlin } } # off Slack');
    const yamlRefused = await refusedByBoth(policyFile, badYaml);
    expect(yamlRefused.payload).toMatchObject({ variable: 'KLAXON_POLICY_FILE', kept: sha256(V2), trigger: 'poll' });
    expect(yamlRefused.payload.reason).toMatch(new RegExp(`^${policyFile}:3:\\d+: Unexpected flow-map-end`));
    expect(JSON.stringify(yamlRefused.payload)).not.toContain('carol@example.com');

    const misspelt = V2.replace('timeoutMinutes: 0.15 }\n  - { targets: [dave]', 'timeoutMinute: 0.15 }\n  - { targets: [dave]');
    const schemaRefused = await refusedByBoth(policyFile, misspelt);
    expect(schemaRefused.payload.reason).toContain('levels.0.timeoutMinute: unknown field');

    const badJson = '{"rules": [ {"name": "half written"';
    const rulesRefused = await refusedByBoth(rulesFile, badJson);
    expect(rulesRefused.payload).toMatchObject({ variable: 'KLAXON_RULES_FILE', kept: sha256(NO_RULES) });
    expect(rulesRefused.payload.reason).toMatch(/rules\.yaml: not valid YAML/);

    // Both APIs refused each one; each is recorded once, and neither log holds the address.
    const refusals = (await configurationEvents()).filter((e) => e.kind === 'configuration.refused');
    expect(refusals.map((e) => e.payload.sha256)).toEqual([sha256(badYaml), sha256(misspelt), sha256(badJson)]);
    for (const api of apis) expect(api.output).not.toContain('carol@example.com');

    // Alerts keep working, by the last good policy (V2).
    const answer = await postAlert(urls[0], alert('reload-while-refused'));
    expect(answer.status).toBe(202);
    await waitFor('the page under the policy kept', async () => (await pagesOf(answer.body.incidentId as string))[0] === 'carol');

    // A good rules file again: the next alert is classified by it.
    const rules = 'rules:\n  - name: billing leaks\n    match: { title: "^Billing export" }\n    set: { service: billing-api, severity: SEV1 }\n';
    writeFileSync(rulesFile, rules);
    const [rulesApplied] = await recorded('configuration.applied', rulesFile, sha256(rules));
    expect(rulesApplied.payload).toMatchObject({ variable: 'KLAXON_RULES_FILE', rules: 1, detectors: 0 });
    await Promise.all(apis.slice(0, 2).map((a) => a.waitForOutput(`→ ${sha256(rules).slice(0, 12)}…) and was applied`, 15_000)));
    const billing = await postAlert(urls[1], alert('reload-rules', 'Billing export of acme readable by globex'));
    const state = await stack.incidents.state(billing.body.incidentId as string);
    expect([state.service, state.severity]).toEqual(['billing-api', 'SEV1']);
  }, 60_000);
});

describe('SIGHUP', () => {
  it('reads the files at once, whatever the interval between checks', async () => {
    writeFileSync(hupPolicyFile, V2);
    // Well past the other APIs' one-second checks: this one has not looked.
    await new Promise((ok) => setTimeout(ok, 1_500));
    expect((await configurationEvents()).filter((e) => e.payload.file === hupPolicyFile).map((e) => e.payload.sha256)).toEqual([sha256(HUP_V1)]);
    const sent = Date.now();
    apis[2].process.kill('SIGHUP');
    const [applied] = await recorded('configuration.applied', hupPolicyFile, sha256(V2));
    const latencyMs = Date.now() - sent;
    expect(applied.payload.trigger).toBe('SIGHUP');
    const answer = await postAlert(urls[2], alert('reload-hup'));
    await waitFor('the page under the policy SIGHUP applied', async () => (await pagesOf(answer.body.incidentId as string))[0] === 'carol');
    console.log(`configuration reload: SIGHUP with KLAXON_RELOAD_SECONDS=3600: ${latencyMs} ms from the signal to configuration.applied in the ledger`);
  }, 30_000);
});
