import { clientOf, FAILED_ATTEMPTS_WINDOW_MS, FailedAttempts, MAX_FAILED_ATTEMPTS, MAX_TRACKED_ADDRESSES } from '../../client/api/failed-attempts';

describe('failed bearer-token attempts per client', () => {
  it('refuses a client past the limit until its window ends, then lets it try again', () => {
    let now = 0;
    const attempts = new FailedAttempts(() => now);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS - 1; i++) attempts.failed('10.0.0.1');
    expect(attempts.retryAfterSeconds('10.0.0.1')).toBe(0);
    attempts.failed('10.0.0.1');
    now = 15_000;
    expect(attempts.retryAfterSeconds('10.0.0.1')).toBe((FAILED_ATTEMPTS_WINDOW_MS - 15_000) / 1000);
    expect(attempts.retryAfterSeconds('10.0.0.2')).toBe(0);
    now = FAILED_ATTEMPTS_WINDOW_MS;
    expect(attempts.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('tracks a bounded number of clients, forgetting the oldest', () => {
    const attempts = new FailedAttempts(() => 0);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) attempts.failed('first');
    for (let i = 0; i < MAX_TRACKED_ADDRESSES; i++) attempts.failed(`c${i}`);
    expect(attempts.retryAfterSeconds('first')).toBe(0);
    expect((attempts as unknown as { windows: Map<string, unknown> }).windows.size).toBe(MAX_TRACKED_ADDRESSES);
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as IPv4', () => {
    expect(clientOf('2001:db8:0:7::1')).toBe(clientOf('2001:db8:0:7:ffff:1:2:3'));
    expect(clientOf('2001:db8:0:7::1')).not.toBe(clientOf('2001:db8:0:8::1'));
    expect(clientOf('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});
