import { request } from 'node:http';
import { connect } from 'node:net';
import { Child, freePort } from '../support/processes';
import { apiProcessEnv, postAlert, startTestStack, type TestStack } from '../support/stack';

/**
 * Malformed request paths against the API process as production runs it (client/api/main.ts):
 * every route answers 400 naming the problem, and the process keeps serving afterwards.
 */
let stack: TestStack;
let api: Child;
let apiUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  const port = await freePort();
  // `node --import tsx` rather than the tsx command, so `api.exited` is the serving process's own exit.
  api = Child.start(process.execPath, ['--import', 'tsx', 'client/api/main.ts'], apiProcessEnv(stack, port, { DATABASE_URL: stack.db.url }));
  await api.waitForOutput('listening');
  apiUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  if (api && api.process.exitCode === null) {
    api.process.kill('SIGTERM');
    await api.exited;
  }
  await stack?.stop();
});

/** Sends the path exactly as given (fetch and URL would re-encode some of it). */
function send(method: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const req = request(`${apiUrl}/`, { method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => ok({ status: res.statusCode!, text }));
    });
    req.on('error', fail);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** A segment as sent, how the test names it, and what the answer must say. */
const BAD_SEGMENTS: Array<[string, string, RegExp]> = [
  ['%', 'a lone %', /percent-encod/],
  ['%E0%A4%A', 'a truncated UTF-8 escape', /percent-encod/],
  ['%ZZ', 'a non-hex escape', /percent-encod/],
  ['%C0%AF', 'an overlong UTF-8 escape', /percent-encod/],
  ['inc-%00x', 'an escaped NUL', /control character/],
  ['inc-%0Ax', 'an escaped line feed', /control character/],
  ['inc-%1B%5B31m', 'an escaped terminal escape', /control character/],
  ['inc-%C2%85', 'an escaped C1 control', /control character/],
  ['a'.repeat(5000), '5,000 characters', /longer than/],
];

const ROUTES: Array<[string, (segment: string) => string]> = [
  ['POST', (s) => `/v1/alerts/${s}`],
  ['POST', (s) => `/v1/heartbeats/${s}`],
  ['GET', (s) => `/v1/incidents/${s}`],
  ['GET', (s) => `/v1/incidents/${s}/timeline`],
  ['GET', (s) => `/v1/incidents/${s}/evidence`],
  ['GET', (s) => `/v1/incidents/${s}/history`],
  ['POST', (s) => `/v1/incidents/${s}/acknowledge`],
  ['POST', (s) => `/v1/incidents/${s}/resolve`],
  ['GET', (s) => `/healthz${s}`],
  ['GET', (s) => `/v1/incidents${s}`],
];

describe('a malformed request path', () => {
  it.each(ROUTES.flatMap(([method, path]) => BAD_SEGMENTS.map(([segment, name, why]) => [method, path(':x'), name, path(segment), why] as const)))(
    '%s %s with :x %s is answered 400 naming the problem',
    async (method, _, __, path, why) => {
      const r = await send(method, path);
      expect(r.status).toBe(400);
      expect((JSON.parse(r.text) as { error: string }).error).toMatch(why);
    },
  );

  it('leaves the process serving: health and a signed alert are still answered', async () => {
    for (const [method, path] of ROUTES) await send(method, path('%'));
    expect(api.process.exitCode).toBeNull();
    expect((await send('GET', '/healthz')).status).toBe(200);
    const alert = await postAlert(apiUrl, JSON.stringify({ title: 'still here', severity: 'SEV3', tenant: 'acme', dedupKey: 'after-bad-paths' }));
    expect(alert.status).toBe(202);
  });

  it('names the problem also where Node\'s own parser refuses the request line (raw control characters, raw non-ASCII)', async () => {
    for (const raw of ['/v1/alerts/gen\x01eric', '/v1/incidents/inc-\x7f', '/v1/incidents/inc-\xe9']) {
      const answer = await new Promise<string>((ok, fail) => {
        const socket = connect(Number(new URL(apiUrl).port), '127.0.0.1', () => socket.end(Buffer.from(`GET ${raw} HTTP/1.1\r\nhost: x\r\n\r\n`, 'latin1')));
        let text = '';
        socket.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => ok(text)).on('error', fail);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: expect.stringMatching(/not well-formed HTTP/) });
    }
    expect((await send('GET', '/healthz')).status).toBe(200);
  });

  it('still reaches the route when the path is well-formed percent-encoding', async () => {
    // An encoded id is decoded before it is looked up: `inc-%61` is `inc-a`, unknown, so 401 (no token) rather than 400.
    const r = await send('GET', '/v1/incidents/inc-%61');
    expect(r.status).toBe(401);
  });
});
