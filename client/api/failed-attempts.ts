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
  /**
   * Attempts admitted and not yet answered, per client. Each counts against the limit as if it
   * had failed: failures are only known once answered, and a client that sends thousands of
   * guesses at once must not have them all checked before the first one is counted.
   */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Failures per window before 429; only a test that fuzzes the token check itself raises it. */
    private readonly limit = MAX_FAILED_ATTEMPTS,
  ) {}

  /**
   * Admits one attempt of `key` (0), or says in how many seconds it may try again. An admitted
   * attempt must be settled once answered. A client whose failures and unanswered attempts
   * together reach the limit waits: for the end of its window when the failures alone reach
   * it, else a second (by then its attempts in flight are answered).
   */
  admit(key: string): number {
    const pending = this.inFlight.get(key) ?? 0;
    const w = this.windows.get(key);
    const failures = w && this.now() - w.since < FAILED_ATTEMPTS_WINDOW_MS ? w.failures : 0;
    if (failures >= this.limit) return Math.ceil((w!.since + FAILED_ATTEMPTS_WINDOW_MS - this.now()) / 1000);
    if (failures + pending >= this.limit) return 1;
    this.inFlight.set(key, pending + 1);
    return 0;
  }

  /** An admitted attempt was answered: counted as a failure when its token was refused (401). */
  settle(key: string, failed: boolean): void {
    const pending = (this.inFlight.get(key) ?? 1) - 1;
    if (pending > 0) this.inFlight.set(key, pending);
    else this.inFlight.delete(key);
    if (failed) this.failed(key);
  }

  private failed(key: string): void {
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

/** The routes that take a token (the compliance API, by bearer header or console session, and the console's sign-in form). */
export const takesBearerToken = (path: string): boolean => /^\/v1\/(incidents|evidence|me|deadlines)(\/|$)/.test(path) || path === '/console/sign-in';

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
