import { redact } from '../core/shared/redaction';

/**
 * Redaction of hostile text: CPU time to redact 1 MiB made of one short unit repeated (the
 * shapes that would make a backtracking pattern explode), beside the baseline of 1 MiB of
 * ordinary log prose with personal data in it, and the growth from 128 KiB to 1 MiB (8 for
 * linear work). The unit test asserts only the growth; this prints the figures.
 *   npx tsx bench/redaction.ts
 */
const SHAPES = ['a', '1', 'eyJ-', 'eyJa.', '-eyJ.', 'a@', '@', 'a@a.aa.', '.', 'a.', '1.', '1 ', ' 1', '+1 ', '1(', '1-', 'sk-', 'xoxb_', 'AKIA', 'ghp_', 'rk_live_', 'Bearer ', 'Basic a', 'password=', 'token: ', 'DE89', 'DE89 3704 ', 'a:', '1:', '::', '1/', '４', '＠a'];
const PROSE = 'GET /admin/users 403 for jane.doe@example.com from 10.1.2.3, token xoxb-1234567890-abcdef, card 4111 1111 1111 1111; retry scheduled. ';

function cpuMs(text: string): number {
  return Math.min(...[1, 2, 3, 4, 5].map(() => {
    const start = process.cpuUsage();
    redact(text);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  }));
}

const sized = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const row = (label: string, unit: string) => {
  const small = cpuMs(sized(unit, 128 << 10));
  const large = cpuMs(sized(unit, 1 << 20));
  return { label, small, large };
};

const rows = [row('baseline: log prose', PROSE), ...SHAPES.map((unit) => row(JSON.stringify(unit), unit))];
console.log('shape'.padEnd(24), 'CPU ms 128 KiB'.padStart(15), 'CPU ms 1 MiB'.padStart(13), 'growth'.padStart(7));
for (const { label, small, large } of rows) {
  console.log(label.padEnd(24), small.toFixed(1).padStart(15), large.toFixed(1).padStart(13), (large / Math.max(small, 0.001)).toFixed(1).padStart(7));
}
const worst = rows.slice(1).reduce((a, b) => (b.large > a.large ? b : a));
console.log(`slowest shape ${worst.label}: ${worst.large.toFixed(1)} ms per MiB; baseline prose ${rows[0].large.toFixed(1)} ms per MiB`);
