import { redact } from '../../core/redaction';
import { formatInstant, readerZone } from '../../core/time-format';

describe('redaction', () => {
  it('removes personal data and secrets from text sent to responders', () => {
    const out = redact('Leak: jane.doe@example.com, +44 20 7946 0958, card 4111 1111 1111 1111, ssn 123-45-6789 from 10.1.2.3 token xoxb-1234567890-abcdef');
    for (const leaked of ['jane.doe@example.com', '7946', '4111', '123-45-6789', '10.1.2.3', 'xoxb-']) expect(out).not.toContain(leaked);
    expect(out).toContain('[email]');
    expect(redact('Tenant acme: 401 spike on /admin')).toBe('Tenant acme: 401 spike on /admin');
  });
});

describe('times for people', () => {
  it('shows an instant in the reader zone with the zone named, across DST', () => {
    // Europe/Berlin leaves summer time on 2026-10-25 at 01:00 UTC.
    expect(formatInstant('2026-10-25T00:30:00Z', 'Europe/Berlin')).toBe('2026-10-25 02:30:00 +02:00 (Europe/Berlin)');
    expect(formatInstant('2026-10-25T01:30:00Z', 'Europe/Berlin')).toBe('2026-10-25 02:30:00 +01:00 (Europe/Berlin)');
    expect(formatInstant('2026-11-24T10:00:00Z', 'Asia/Kolkata')).toBe('2026-11-24 15:30:00 +05:30 (Asia/Kolkata)');
  });

  it('refuses a zone that is not IANA', () => {
    expect(() => readerZone('CEST', 'UTC')).toThrow(/not an IANA time zone/);
    expect(readerZone(undefined, 'America/New_York')).toBe('America/New_York');
  });
});
