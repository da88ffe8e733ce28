import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signatures older or newer than this are refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export class SignatureError extends Error {}

function hmacHex(secret: string, data: string | Buffer, algorithm = 'sha256'): string {
  return createHmac(algorithm, secret).update(data).digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkFreshness(timestamp: number, nowSeconds: number): void {
  if (!Number.isInteger(timestamp)) throw new SignatureError('signature timestamp is not a unix time in seconds');
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new SignatureError('signature timestamp is outside the five-minute tolerance');
  }
}

/** `Klaxon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as Stripe signs. */
export function klaxonSignatureHeader(secret: string, rawBody: Buffer | string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]))}`;
}

/**
 * Verifies a Klaxon signature header. Several `v1=` entries are accepted so a sender can
 * sign with an old and a new secret while a secret is rotated.
 */
export function verifyKlaxonSignature(secret: string, rawBody: Buffer, header: string | undefined, nowSeconds: number): void {
  if (!header) throw new SignatureError('missing Klaxon-Signature header');
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't') timestamp = Number(value);
    else if (key === 'v1' && value) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) {
    throw new SignatureError('malformed Klaxon-Signature header: expected t=<unix seconds>,v1=<hex>');
  }
  checkFreshness(timestamp, nowSeconds);
  const expected = klaxonSignatureHeader(secret, rawBody, timestamp).split('v1=')[1];
  if (!candidates.some((c) => equalHex(c, expected))) throw new SignatureError('signature does not match the body');
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
