import { clientOf, FAILED_ATTEMPTS_WINDOW_MS, FailedAttempts, MAX_FAILED_ATTEMPTS, MAX_TRACKED_ADDRESSES } from '../../client/api/failed-attempts';

/** One attempt of `key` that is admitted and then refused (401). */
function fail(attempts: FailedAttempts, key: string): void {
  expect(attempts.admit(key)).toBe(0);
  attempts.settle(key, true);
}

describe('failed bearer-token attempts per client', () => {
  it('refuses a client past the limit until its window ends, then lets it try again', () => {
    let now = 0;
    const attempts = new FailedAttempts(() => now);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS - 1; i++) fail(attempts, '10.0.0.1');
    fail(attempts, '10.0.0.1');
    now = 15_000;
    expect(attempts.admit('10.0.0.1')).toBe((FAILED_ATTEMPTS_WINDOW_MS - 15_000) / 1000);
    expect(attempts.admit('10.0.0.2')).toBe(0);
    now = FAILED_ATTEMPTS_WINDOW_MS;
    expect(attempts.admit('10.0.0.1')).toBe(0);
  });

  it('counts attempts still in flight against the limit, so parallel guesses cannot all be checked', () => {
    let now = 0;
    const attempts = new FailedAttempts(() => now);
    // A burst sent at once: none answered yet, so none has failed yet.
    const admitted = Array.from({ length: 1000 }, () => attempts.admit('10.0.0.1')).filter((wait) => wait === 0).length;
    expect(admitted).toBe(MAX_FAILED_ATTEMPTS);
    // An answered success frees its place; a failure keeps it, until the window ends.
    attempts.settle('10.0.0.1', false);
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) attempts.settle('10.0.0.1', true);
    expect(attempts.admit('10.0.0.1')).toBe(0);
    attempts.settle('10.0.0.1', true);
    expect(attempts.admit('10.0.0.1')).toBe(FAILED_ATTEMPTS_WINDOW_MS / 1000);
    expect(attempts.admit('10.0.0.2')).toBe(0);
    now = FAILED_ATTEMPTS_WINDOW_MS;
    expect(attempts.admit('10.0.0.1')).toBe(0);
  });

  it('tracks a bounded number of clients, forgetting the oldest', () => {
    const attempts = new FailedAttempts(() => 0);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) fail(attempts, 'first');
    for (let i = 0; i < MAX_TRACKED_ADDRESSES; i++) fail(attempts, `c${i}`);
    expect(attempts.admit('first')).toBe(0);
    expect((attempts as unknown as { windows: Map<string, unknown> }).windows.size).toBe(MAX_TRACKED_ADDRESSES);
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as IPv4', () => {
    expect(clientOf('2001:db8:0:7::1')).toBe(clientOf('2001:db8:0:7:ffff:1:2:3'));
    expect(clientOf('2001:db8:0:7::1')).not.toBe(clientOf('2001:db8:0:8::1'));
    expect(clientOf('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});
