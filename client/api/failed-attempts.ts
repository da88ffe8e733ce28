/** Failed bearer-token attempts a client may make per window before it is refused with 429. */
export const MAX_FAILED_ATTEMPTS = 20;
export const FAILED_ATTEMPTS_WINDOW_MS = 60_000;
/** Addresses tracked at most; past it the oldest are forgotten, so a flood of addresses cannot grow memory. */
export const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Failed bearer-token attempts (missing, unknown or revoked tokens) per client, in fixed
 * windows: a client over the limit is refused before its token is even looked up, until its
 * window ends. Keyed by the connection's address (see clientOf): behind a reverse proxy every
 * client shares the proxy's, and the limit then applies to them together.
 *
 * Webhook signatures are not limited this way: refusing a sender's address could stop real
 * alerts from everyone behind the same address, and an HMAC-SHA256 cannot be guessed online
 * anyway; a bad signature costs one HMAC and is answered 401.
 */
export class FailedAttempts {
  private readonly windows = new Map<string, { since: number; failures: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Failures per window before 429; only a test that fuzzes the token check itself raises it. */
    private readonly limit = MAX_FAILED_ATTEMPTS,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfterSeconds(key: string): number {
    const w = this.windows.get(key);
    if (!w || w.failures < this.limit) return 0;
    const left = w.since + FAILED_ATTEMPTS_WINDOW_MS - this.now();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  failed(key: string): void {
    const t = this.now();
    const w = this.windows.get(key);
    this.windows.delete(key);
    this.windows.set(key, w && t - w.since < FAILED_ATTEMPTS_WINDOW_MS ? { since: w.since, failures: w.failures + 1 } : { since: t, failures: 1 });
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= MAX_TRACKED_ADDRESSES) break;
      this.windows.delete(oldest);
    }
  }
}

/** The routes that take a bearer token (the compliance API). */
export const takesBearerToken = (path: string): boolean => /^\/v1\/(incidents|evidence)(\/|$)/.test(path);

/**
 * Whom failures are counted against: an IPv4 address, or an IPv6 address's /64 (one host
 * commonly holds a whole /64, and would otherwise have 2^64 fresh addresses to try from).
 */
export function clientOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (v4) return v4[1];
  const [head, tail = ''] = address.toLowerCase().split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
