import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/environment';
import { LiveConfiguration, SETTLE_MS } from '../../client/api/live-configuration';

/**
 * What the API does with a policy file while a writer is at it, and when it is gone; the
 * ledger records and two replicas are test/integration/configuration-reload.test.ts.
 */
const policy = (name: string, responder: string) =>
  `name: ${name}\nresponders:\n  - { name: ${responder}, slackUserId: U0${responder.toUpperCase()}, timeZone: UTC }\nlevels:\n  - { targets: [${responder}], timeoutMinutes: 5 }\n`;

let dir: string;
let file: string;
let lines: string[];
let live: LiveConfiguration | undefined;

async function start(): Promise<LiveConfiguration> {
  // An hour between checks: the test checks by hand.
  const config = loadConfig({ KLAXON_POLICY_FILE: file, KLAXON_RELOAD_SECONDS: '3600' }, (p) => readFileSync(p, 'utf8'));
  live = await LiveConfiguration.start(config, { log: (line) => lines.push(line) });
  return live;
}

const policyName = (l: LiveConfiguration) => l.current().policies.policies[0].name;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'klaxon-live-'));
  file = join(dir, 'policy.yaml');
  lines = [];
  writeFileSync(file, policy('first', 'alice'));
});

afterEach(async () => {
  await live?.stop();
  live = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('a policy file re-read while the API runs', () => {
  it('is judged only once a writer has finished: half a file is not refused', async () => {
    const l = await start();
    const whole = policy('second', 'bob');
    writeFileSync(file, whole.slice(0, 40));
    const check = l.reload('poll');
    // The rest arrives while the check waits for the content to settle.
    setTimeout(() => appendFileSync(file, whole.slice(40)), SETTLE_MS / 2);
    await check;
    expect(policyName(l)).toBe('second');
    expect(lines.filter((x) => x.includes('refused'))).toEqual([]);
    expect(lines.filter((x) => x.includes('was applied (poll)'))).toHaveLength(1);
  });

  it('keeps the last good policy when the file goes away, says so once, and takes the file when it is back', async () => {
    const l = await start();
    unlinkSync(file);
    await l.reload('poll');
    await l.reload('poll');
    expect(policyName(l)).toBe('first');
    expect(lines.filter((x) => x.includes('refused'))).toEqual([expect.stringMatching(/KLAXON_POLICY_FILE=.*policy\.yaml cannot be read: ENOENT/)]);
    writeFileSync(file, policy('third', 'carol'));
    await l.reload('SIGHUP');
    expect(policyName(l)).toBe('third');
  });

  it('refuses a bad file at start as loadConfig does: the same check', async () => {
    writeFileSync(file, policy('bad', 'alice').replace('timeZone: UTC', 'timeZone: Mars/Base'));
    const config = loadConfig({ KLAXON_RELOAD_SECONDS: '3600' });
    await expect(LiveConfiguration.start({ ...config, policyFile: file }, { log: () => undefined })).rejects.toThrow(/timeZone: responder "alice": "Mars\/Base" is not an IANA time zone/);
    expect(() => loadConfig({ KLAXON_POLICY_FILE: file }, (p) => readFileSync(p, 'utf8'))).toThrow(/timeZone: responder "alice": "Mars\/Base" is not an IANA time zone/);
  });
});
