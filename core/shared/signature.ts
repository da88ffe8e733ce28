import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signatures older or newer than this are refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * How long a verified delivery is remembered against replays (client/delivery-memory.ts).
 * A signed timestamp verifies at most twice the tolerance after the earliest moment it could
 * (one signed ahead of the receiver's clock), so that long covers every replay of it. Senders
 * that sign only the body (Sentry, Vercel, PagerDuty) give no such bound: their deliveries are
 * remembered for a day, and the same bytes sent after that are not recognised as a replay.
 */
export const REPLAY_MEMORY_SECONDS = { signedTimestamp: 2 * SIGNATURE_TOLERANCE_SECONDS, bodyOnly: 24 * 60 * 60 } as const;

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

function hmacHex(secret: string, data: string | Buffer, algorithm = 'sha256'): string {
  return createHmac(algorithm, secret).update(data).digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkFreshness(timestamp: number, nowSeconds: number): void {
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new SignatureError('signature timestamp is outside the five-minute tolerance');
  }
}

/** `Klaxon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as Stripe signs. */
export function klaxonSignatureHeader(secret: string, rawBody: Buffer | string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]))}`;
}

/** The most `v1=` entries a header may carry: two secrets during a rotation, with room for one more. */
export const MAX_KLAXON_SIGNATURES = 3;

const UNIX_SECONDS = /^[1-9][0-9]{0,11}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Reads `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` strictly: digits only in `t`, once; lowercase
 * hex SHA-256 in each `v1`, no repeats; no other keys, no spaces. A lenient reader would let one
 * captured request be re-sent under many spellings (`t=0x…`, `t=+…`, ` t=…`, an extra `v1=`)
 * that all verify; strictness leaves exactly one spelling per signature.
 */
function parseKlaxonSignature(header: string): { timestamp: number; signatures: string[] } {
  const malformed = (why: string) => new SignatureError(`malformed Klaxon-Signature header (${why}): expected t=<unix seconds>,v1=<hex>`);
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const [key, value] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    if (key === 't') {
      if (timestamp !== undefined) throw malformed('t is given twice');
      if (!UNIX_SECONDS.test(value)) throw malformed('t is not a unix time in whole seconds, digits only');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) throw malformed('a v1 is not 64 lowercase hex digits');
      if (signatures.includes(value)) throw malformed('a v1 is given twice');
      signatures.push(value);
    } else {
      throw malformed(`unknown entry "${key.slice(0, 20)}"`);
    }
  }
  if (timestamp === undefined || signatures.length === 0) throw malformed('t and at least one v1 are required');
  if (signatures.length > MAX_KLAXON_SIGNATURES) throw malformed(`more than ${MAX_KLAXON_SIGNATURES} v1 entries`);
  return { timestamp, signatures };
}

/**
 * Verifies a Klaxon signature header and returns the timestamp it signs. Several `v1=`
 * entries are accepted so a sender can sign with an old and a new secret while a secret is
 * rotated.
 */
export function verifyKlaxonSignature(secret: string, rawBody: Buffer, header: string | undefined, nowSeconds: number): { timestamp: number } {
  if (!header) throw new SignatureError('missing Klaxon-Signature header');
  const { timestamp, signatures } = parseKlaxonSignature(header);
  checkFreshness(timestamp, nowSeconds);
  const expected = klaxonSignatureHeader(secret, rawBody, timestamp).split('v1=')[1];
  if (!signatures.some((c) => equalHex(c, expected))) throw new SignatureError('signature does not match the body');
  return { timestamp };
}

/**
 * Slack's request signing: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">` with
 * the app's signing secret, `X-Slack-Request-Timestamp: <ts>`.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function verifySlackSignature(
  signingSecret: string,
  rawBody: Buffer,
  headers: { signature?: string; timestamp?: string },
  nowSeconds: number,
): void {
  if (!headers.signature || !headers.timestamp) {
    throw new SignatureError('missing X-Slack-Signature or X-Slack-Request-Timestamp header');
  }
  // Slack signs the timestamp as sent, but read it as strictly as Klaxon's own: digits only.
  if (!UNIX_SECONDS.test(headers.timestamp)) throw new SignatureError('X-Slack-Request-Timestamp is not a unix time in whole seconds, digits only');
  checkFreshness(Number(headers.timestamp), nowSeconds);
  const base = Buffer.concat([Buffer.from(`v0:${headers.timestamp}:`), rawBody]);
  if (!equalHex(headers.signature, `v0=${hmacHex(signingSecret, base)}`)) {
    throw new SignatureError('Slack signature does not match the body');
  }
}

/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>[,v1=…]`,
 * one signature per secret PagerDuty holds (several while PagerDuty rotates). Klaxon may hold
 * several secrets too (while it rotates); one match of any pair is enough.
 * https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
 */
export function verifyPagerDutySignature(secrets: string[], rawBody: Buffer, header: string | undefined): void {
  if (!header) throw new SignatureError('missing X-PagerDuty-Signature header');
  const given = header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='));
  if (given.length === 0) throw new SignatureError('malformed X-PagerDuty-Signature header: expected v1=<hex>[,v1=<hex>]');
  const expected = secrets.map((secret) => `v1=${hmacHex(secret, rawBody)}`);
  if (!given.some((g) => expected.some((e) => equalHex(g, e)))) throw new SignatureError('PagerDuty signature does not match the body under any configured secret');
}
