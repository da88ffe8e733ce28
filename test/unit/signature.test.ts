import { SignatureError, verifyKlaxonSignature, verifySlackSignature } from '../../core/signature';
import { signKlaxon, signSlack } from '../support/signing';

const secret = 'whsec_test';
const body = Buffer.from('{"title":"x"}');
const now = 1_800_000_000;

describe('Klaxon webhook signature (t=…,v1=…)', () => {
  it('accepts a fresh signature over the exact body', () => {
    expect(() => verifyKlaxonSignature(secret, body, signKlaxon(secret, body.toString(), now - 10), now)).not.toThrow();
  });

  it('accepts any of several v1 signatures, so secrets can be rotated', () => {
    const good = signKlaxon(secret, body.toString(), now);
    const header = `t=${now},v1=${'0'.repeat(64)},${good.split(',')[1]}`;
    expect(() => verifyKlaxonSignature(secret, body, header, now)).not.toThrow();
  });

  it.each([
    ['missing', undefined, /missing Klaxon-Signature/],
    ['malformed', 'sha256=abc', /malformed/],
    ['signed with another secret', signKlaxon('other', body.toString(), now), /does not match/],
    ['over another body', signKlaxon(secret, '{"title":"y"}', now), /does not match/],
    ['stale (6 minutes old)', signKlaxon(secret, body.toString(), now - 360), /five-minute tolerance/],
    ['from the future (6 minutes ahead)', signKlaxon(secret, body.toString(), now + 360), /five-minute tolerance/],
  ])('rejects a signature that is %s', (_, header, message) => {
    expect(() => verifyKlaxonSignature(secret, body, header, now)).toThrow(SignatureError);
    expect(() => verifyKlaxonSignature(secret, body, header, now)).toThrow(message);
  });
});

describe('Slack request signature (v0)', () => {
  const form = 'payload=%7B%7D';
  it('accepts what Slack signs', () => {
    const h = signSlack('slack-secret', form, now);
    expect(() =>
      verifySlackSignature('slack-secret', Buffer.from(form), { signature: h['x-slack-signature'], timestamp: h['x-slack-request-timestamp'] }, now),
    ).not.toThrow();
  });

  it('rejects a replay older than five minutes and a forged body', () => {
    const old = signSlack('slack-secret', form, now - 301);
    expect(() =>
      verifySlackSignature('slack-secret', Buffer.from(form), { signature: old['x-slack-signature'], timestamp: old['x-slack-request-timestamp'] }, now),
    ).toThrow(/tolerance/);
    const h = signSlack('slack-secret', form, now);
    expect(() =>
      verifySlackSignature('slack-secret', Buffer.from('payload=forged'), { signature: h['x-slack-signature'], timestamp: h['x-slack-request-timestamp'] }, now),
    ).toThrow(/does not match/);
    expect(() => verifySlackSignature('slack-secret', Buffer.from(form), {}, now)).toThrow(/missing/);
  });
});
