import { timeline, validateSchedule, type Schedule } from '../core/escalation/schedule';

/**
 * One year of a three-layer follow-the-sun schedule (daily rotations, regional working hours
 * in three zones, a weekly override), computed as the timeline of who is on call.
 *   npx tsx bench/schedule-year.ts        (prints the median of 5 runs)
 */
const schedule = validateSchedule({
  name: 'follow the sun',
  layers: [
    { name: 'americas', members: ['ana', 'ben', 'cai', 'dov'], zone: 'America/New_York', start: '2026-01-01T08:00', turn: { days: 1 }, hours: { from: '08:00', to: '16:00' } },
    { name: 'emea', members: ['eva', 'fin', 'gia'], zone: 'Europe/Berlin', start: '2026-01-01T08:00', turn: { days: 1 }, hours: { from: '08:00', to: '16:00' } },
    { name: 'apac', members: ['hal', 'ivy', 'jon', 'kai', 'lea'], zone: 'Australia/Sydney', start: '2026-01-01T08:00', turn: { days: 1 }, hours: { from: '08:00', to: '16:00' } },
  ],
  overrides: Array.from({ length: 52 }, (_, w) => {
    const from = Date.UTC(2026, 0, 7 + 7 * w, 13);
    return { responder: 'cover', from: new Date(from).toISOString(), to: new Date(from + 2 * 3_600_000).toISOString() };
  }),
} satisfies Schedule);

const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2027, 0, 1);
const times: number[] = [];
let shifts = 0;
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  shifts = timeline(schedule, from, to).length;
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`one year of a three-layer follow-the-sun schedule: ${shifts} shifts, median ${times[2].toFixed(0)} ms of 5 runs (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})`);
