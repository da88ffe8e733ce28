import { redact } from '../../core/shared/redaction';
import { formatInstant, readerZone } from '../../core/shared/time-format';
import { cpuMs } from '../support/cpu-time';

describe('redaction', () => {
  it('removes personal data and secrets from text sent to responders', () => {
    const out = redact('Leak: jane.doe@example.com, +44 20 7946 0958, card 4111 1111 1111 1111, ssn 123-45-6789 from 10.1.2.3 token xoxb-1234567890-abcdef');
    for (const leaked of ['jane.doe@example.com', '7946', '4111', '123-45-6789', '10.1.2.3', 'xoxb-']) expect(out).not.toContain(leaked);
    expect(out).toContain('[email]');
    expect(redact('Tenant acme: 401 spike on /admin')).toBe('Tenant acme: 401 spike on /admin');
  });
  it('redacts tokens, keys and addresses wherever they stand in the text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redact(`Bearer ${jwt}; key=sk_live_4eC39HqLyjWDarjtT1zdp7dc, slack xoxp-1234-5678-abcdef!`)).toBe('Bearer [secret]; key=[secret], slack [secret]!');
    expect(redact(`(${jwt}).next`)).toBe('([secret]).next');
    expect(redact('to:"ops+leak@eu.example.co.uk",cc:a@b')).toBe('to:"[email]",cc:a@b');
    expect(redact('card 4111-1111-1111-1111 ssn 078-05-1120 ip 192.168.10.254 call +1 (415) 555-0100')).toBe('card [number] ssn [ssn] ip [ip] call [phone]');
  });

  it('redacts cloud and repository credentials, credentials by their name, and authorisation headers', () => {
    const cases: Array<[string, string]> = [
      ['aws AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A', 'aws [secret] and [secret]'],
      ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY next', 'aws_secret_access_key=[secret] next'],
      ['gh ghp_16C7e42F292c6912E7710c838347Ae178B4a gho_16C7e42F292c6912E7710c838347Ae178B4a ghu_abcdefghij0123456789abcd ghs_abcdefghij0123456789abcd ghr_abcdefghij0123456789abcd', 'gh [secret] [secret] [secret] [secret] [secret]'],
      ['fine-grained github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'fine-grained [secret]'],
      ['stripe rk_live_abcdefghijklmnopqrst rk_test_0123456789abcdef', 'stripe [secret] [secret]'],
      ['Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123', 'Authorization: Bearer [secret]'],
      ['Authorization: Basic dXNlcjpodW50ZXIy', 'Authorization: Basic [secret]'],
      ['password=hunter2hunter2&user=x passwd: s3cr3t, "api_key": "abc123" apikey:xyz token=t0k3n SECRET = shh; pwd=1', 'password=[secret]&user=x passwd: [secret], "api_key": "[secret]" apikey:[secret] token=[secret] SECRET = [secret]; pwd=[secret]'],
    ];
    for (const [text, expected] of cases) expect(redact(text)).toBe(expected);
    // Words that only name a credential are kept.
    expect(redact('the password was rotated; token expired')).toBe('the password was rotated; token expired');
  });

  it('redacts cards however they are grouped or written, IBANs and IPv6 addresses, and reads full-width characters as what they look like', () => {
    expect(redact('card 4111/1111/1111/1111, 4111.1111.1111.1111, ４１１１ １１１１ １１１１ １１１１')).toBe('card [number], [number], [number]');
    expect(redact('mail john.doe＠example.com')).toBe('mail [email]');
    expect(redact('iban DE89370400440532013000, GB82 WEST 1234 5698 7654 32; not DE89370400440532013001 nor ZZ12345678901234')).toBe('iban [iban], [iban]; not DE[phone] nor ZZ[phone]');
    expect(redact('from 2001:db8::1, fe80:0:0:0:0:0:0:1 and ::1 at 10:30:00 in std::vector')).toBe('from [ip], [ip] and [ip] at 10:30:00 in std::vector');
  });

  it('finds exactly what the former backtracking patterns found', () => {
    // The patterns redaction used to run: correct, but quadratic on hostile text. On short
    // texts built from the pieces they care about, the linear scanners must agree with them.
    const reference: Array<[RegExp, string]> = [
      [/\b(?:eyJ[\w-]+\.[\w-]+\.[\w-]+|(?:sk|pk|xox[abpr])[-_][\w-]{10,})/g, '[secret]'],
      [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
      [/\b\d{3}-\d{2}-\d{4}\b/g, '[ssn]'],
      // Cards grouped by slashes and dots too since (a widening of the pattern, not of a scanner).
      [/\b(?:\d[ ./-]?){12,18}\d\b/g, '[number]'],
      [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[ip]'],
      [/\+?\d[\d ().-]{7,}\d/g, '[phone]'],
    ];
    const pieces = ['eyJ', 'a', 'aaaaa', 'Z', '.', '.', '-', '_', '@', '1', '123', ' ', 'sk-', 'pk_', 'xoxb_', 'xoxa-', '%', '+', '.com', 'x.io', '/', 'é', '(', '555-12-1234'];
    let seed = 15;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = 1 + random(40); n > 0; n--) text += pieces[random(pieces.length)];
      expect([text, redact(text)]).toEqual([text, reference.reduce((out, [p, r]) => out.replace(p, r), text)]);
    }
  });

  it('takes linear time whatever the shape of hostile text: 8 times the text costs about 8 times the work', () => {
    const shapes = ['a', '1', 'eyJ-', 'eyJa.', '-eyJ.', 'a@', '@', 'a@a.aa.', '.', 'a.', '1.', '1 ', ' 1', '+1 ', '1(', '1-', 'sk-', 'xoxb_', 'AKIA', 'ghp_', 'rk_live_', 'Bearer ', 'Basic a', 'password=', 'token: ', 'DE89', 'DE89 3704 ', 'a:', '1:', '::', '1/', '４', '＠a'];
    // CPU time, the best of five runs, compared between two sizes rather than against a fixed
    // budget: a loaded machine stretches both sizes alike, while a pattern that backtracks grows
    // with the square of the text (64 times the work here, minutes of CPU at 1 MiB). The floor of
    // 2 ms keeps the timer's granularity out of the ratio for shapes that cost next to nothing.
    // Absolute figures per shape: `npx tsx bench/redaction.ts`.
    const redactMs = (text: string) => cpuMs(() => redact(text), 5).ms;
    const sized = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
    for (const unit of shapes) {
      const small = redactMs(sized(unit, 128 << 10));
      const large = redactMs(sized(unit, 1 << 20));
      expect({ unit, linear: large <= 24 * Math.max(small, 2) }).toEqual({ unit, linear: true });
    }
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
