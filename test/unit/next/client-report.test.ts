import { buildClientReport, stripQueries } from '../../../packages/next/src/client-report';

const page = { pathname: '/demo/client-error', requestId: '4c0f6a1e-0000-4000-8000-000000000001' };

describe('what the browser sends (buildClientReport)', () => {
  it('sends surface, route, release, request id and the error, nothing else (not the props the error carries)', () => {
    const error = Object.assign(new TypeError('x is undefined'), { digest: '2384971234', props: { email: 'a@b.example' } });
    const report = buildClientReport(error, { release: 'r1' }, page);
    expect(Object.keys(report).sort()).toEqual(['error', 'release', 'requestId', 'route', 'surface']);
    expect(Object.keys(report.error).sort()).toEqual(['digest', 'message', 'name', 'stack']);
    expect(report).toMatchObject({ surface: 'server-component', route: '/demo/client-error', release: 'r1', requestId: page.requestId, error: { name: 'TypeError', message: 'x is undefined', digest: '2384971234' } });
    expect(JSON.stringify(report)).not.toContain('a@b.example');
  });

  it("redacts the message and the stack with Klaxon's rules", () => {
    const error = new Error('no account for jane.doe@example.com (card 4111 1111 1111 1111, Bearer abcdefghijklmnop)');
    error.stack = `Error: ${error.message}\n    at f (https://app.example/a.js:1:1)`;
    const report = buildClientReport(error, {}, page);
    expect(report.error.message).toBe('no account for [email] (card [number], Bearer [secret])');
    expect(report.error.stack).not.toMatch(/jane|4111|abcdefghijklmnop/);
  });

  it('takes query strings and fragments out of the stack, keeping line and column', () => {
    expect(stripQueries('at f (https://a.example/app.js?token=abc&u=jane:10:5)\nat g (https://a.example/b.js#frag:3:4)\n at h https://a.example/c.js?x=1')).toBe(
      'at f (https://a.example/app.js:10:5)\nat g (https://a.example/b.js:3:4)\n at h https://a.example/c.js',
    );
    expect(stripQueries('f@https://a.example/app.js?v=2:7')).toBe('f@https://a.example/app.js:7');
  });

  it('strips in linear time whatever the stack holds', () => {
    const started = Date.now();
    stripQueries('?:1'.repeat(300_000));
    stripQueries(`?${'1:'.repeat(300_000)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not describe a thrown value that is not an Error (it could hold anything the component had)', () => {
    const report = buildClientReport({ user: { email: 'jane@example.com' } }, {}, page);
    expect(report.error).toEqual({ name: 'Error', message: 'A value that is not an Error was thrown' });
  });

  it("calls an error the server raised (Next's digest) a server component's, one raised in the browser a client component's", () => {
    expect(buildClientReport(Object.assign(new Error('x'), { digest: '123' }), {}, page).surface).toBe('server-component');
    expect(buildClientReport(new Error('x'), {}, page).surface).toBe('client-component');
    expect(buildClientReport(Object.assign(new Error('x'), { digest: '123' }), { surface: 'client-component' }, page).surface).toBe('client-component');
  });

  it('drops what does not fit the wire format: an odd name, a malformed request id, an oversized message', () => {
    const error = new Error('y'.repeat(5000));
    error.name = 'Bad Name <script>';
    const report = buildClientReport(error, { surface: 'server-component' }, { pathname: '/x', requestId: 'id with spaces' });
    expect(report.error.name).toBe('Error');
    expect(report.error.message).toHaveLength(1024);
    expect(report.requestId).toBeUndefined();
    expect(report.surface).toBe('server-component');
  });

  it('replaces what is not text: control characters, and a surrogate pair the bound cuts in two', () => {
    const report = buildClientReport(new Error(`${'a'.repeat(1023)}😀`), {}, page);
    expect(report.error.message).toBe(`${'a'.repeat(1023)}\ufffd`);
    expect(buildClientReport(new Error('bell\u0007 nul\u0000 tab\t line\n'), {}, page).error.message).toBe('bell\ufffd nul\ufffd tab\t line\n');
  });
});
