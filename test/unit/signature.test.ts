import { SignatureError, verifyKlaxonSignature, verifySlackSignature } from '../../core/shared/signature';
import { genericSource } from '../../core/sources/generic';
import { SourceRejection } from '../../core/sources/source';
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

describe('one captured request re-sent under another spelling of its header', () => {
  const alert = '{"title":"x","severity":"SEV2","tenant":"acme"}';
  const captured = signKlaxon(secret, alert, now);
  const v1 = captured.split('v1=')[1];
  const receive = (header: string) =>
    genericSource.receive(
      { header: (n) => (n === 'klaxon-signature' ? header : undefined), rawBody: Buffer.from(alert), receivedAt: new Date(now * 1000) },
      { secrets: { KLAXON_WEBHOOK_SECRET: secret }, defaultTenant: 'unassigned' },
    ).alerts[0].deliveryId;

  it.each([
    ['t in hexadecimal', `t=0x${now.toString(16)},v1=${v1}`],
    ['t with a plus sign', `t=+${now},v1=${v1}`],
    ['t with a decimal part', `t=${now}.0,v1=${v1}`],
    ['t with a leading zero', `t=0${now},v1=${v1}`],
    ['a leading space', ` t=${now},v1=${v1}`],
    ['t given twice', `t=${now},t=${now},v1=${v1}`],
    ['the same v1 twice', `${captured},v1=${v1}`],
    ['an unknown entry', `${captured},v0=${v1}`],
    ['uppercase hex', `t=${now},v1=${v1.toUpperCase()}`],
    ['four v1 entries', `${captured},v1=${'1'.repeat(64)},v1=${'2'.repeat(64)},v1=${'3'.repeat(64)}`],
  ])('is refused: %s', (_, header) => {
    const refused = (() => {
      try {
        receive(header);
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(SourceRejection);
    expect(refused).toMatchObject({ status: 401, message: expect.stringMatching(/^malformed Klaxon-Signature header/) });
  });

  it('counts as the same delivery when it verifies: the id is of the signed timestamp and body, not of the header', () => {
    const rotated = `t=${now},v1=${'0'.repeat(64)},v1=${v1}`;
    expect(receive(rotated)).toBe(receive(captured));
    expect(receive(signKlaxon(secret, alert, now + 1))).not.toBe(receive(captured));
  });

  it('reads the Slack timestamp as digits only', () => {
    const form = 'payload=%7B%7D';
    const h = signSlack('slack-secret', form, now);
    for (const timestamp of [`0x${now.toString(16)}`, `${now}.0`, ` ${now}`, `+${now}`]) {
      expect(() => verifySlackSignature('slack-secret', Buffer.from(form), { signature: h['x-slack-signature'], timestamp }, now)).toThrow(/digits only/);
    }
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
