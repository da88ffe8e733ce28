import { temporal } from '@temporalio/proto';
import { percentile } from './percentile';

/**
 * Where the time from a request to the first Slack message goes, read from the workflow's
 * history (the server's clock) and the Slack stand-in's receipt (this machine's clock, the
 * same one): the segments below add up to the whole for each run, so the slowest runs' time
 * can be laid at the door of the API, the server, the worker or the activity.
 */
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

const SEGMENTS = [
  ['request → start stored', 'the client (for Klaxon, the API: signature, schema, maintenance check, the start) until the server has stored the start'],
  ['start → first task picked up', 'the first workflow task waiting in the task queue (server and worker poll); none when started eagerly'],
  ['first task in the worker', 'the workflow task in the worker: the sandbox activation, its commands (started eagerly, also the start\'s answer bringing the task)'],
  ['task done → activity picked up', 'the server storing the commands and dispatching the activity to a worker'],
  ['activity → message received', 'the activity until the Slack stand-in has the message'],
] as const;

export type Segments = number[];

const ms = (e: HistoryEvent): number => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * The segments of one run: `requestAt` and `receivedAt` in epoch milliseconds; the first
 * activity of the history is the one that posts (Klaxon's page, the floor's post).
 */
export function segmentsOf(events: HistoryEvent[], requestAt: number, receivedAt: number): Segments | undefined {
  const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const taskStarted = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const taskDone = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const activityStarted = events.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
  if (!started || !taskStarted || !taskDone || !activityStarted) return undefined;
  // An activity started event is written when the activity completes, but its time is its start.
  const points = [requestAt, ms(started), ms(taskStarted), ms(taskDone), ms(activityStarted), receivedAt];
  return points.slice(1).map((p, i) => p - points[i]);
}

/**
 * Per segment: p50, p99, and its share of the time of the slowest 1 % of runs (by total), for
 * each arm side by side.
 */
export function printProfile(arms: Array<{ name: string; runs: Segments[] }>): void {
  const cell = (runs: Segments[], i: number) => {
    const sorted = runs.map((r) => r[i]).sort((a, b) => a - b);
    const total = (r: Segments) => r.reduce((a, b) => a + b, 0);
    const slowest = [...runs].sort((a, b) => total(b) - total(a)).slice(0, Math.max(1, Math.ceil(runs.length / 100)));
    const share = slowest.reduce((a, r) => a + r[i], 0) / slowest.reduce((a, r) => a + total(r), 0);
    return `${percentile(sorted, 50).toFixed(0)} / ${percentile(sorted, 99).toFixed(0)} ms, ${(share * 100).toFixed(0)} %`;
  };
  console.log(`\nwhere the time goes (p50 / p99 of each segment, and its share of the slowest 1 %'s time; ${arms.map((a) => `${a.name}: ${a.runs.length} runs`).join(', ')})`);
  console.log(`${'segment'.padEnd(34)}${arms.map((a) => a.name.padStart(28)).join('')}`);
  SEGMENTS.forEach(([name], i) => console.log(`${name.padEnd(34)}${arms.map((a) => cell(a.runs, i).padStart(28)).join('')}`));
  for (const [name, what] of SEGMENTS) console.log(`  ${name}: ${what}`);
}
