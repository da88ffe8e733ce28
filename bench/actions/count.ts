import { temporal } from '@temporalio/proto';

/**
 * Counting Temporal actions from an incident's history the way Temporal Cloud bills them, and
 * printing the count beside a minimal design written line by line.
 */
const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** History events that are billable actions, by what they are. */
const ACTION_EVENTS: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]: 'workflow start',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]: 'signal',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: 'update',
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: 'activity',
  [EventType.EVENT_TYPE_TIMER_STARTED]: 'timer',
  [EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: 'search attribute upsert',
  [EventType.EVENT_TYPE_MARKER_RECORDED]: 'marker (patch, local activity)',
  [EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]: 'child workflow',
};

/** One line of a minimal design: kind of action, how many, why it cannot go. */
export type MinimalLine = [kind: string, count: number, why: string];

/** What one action event is about: the activity's type, the timer's length, the update's name, the patch's id. */
function described(e: HistoryEvent): string {
  if (e.activityTaskScheduledEventAttributes) return e.activityTaskScheduledEventAttributes.activityType?.name ?? '';
  if (e.timerStartedEventAttributes) return `${Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)} s`;
  if (e.workflowExecutionUpdateAcceptedEventAttributes) return e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '';
  if (e.markerRecordedEventAttributes) {
    // A patch marker's details hold its id (as JSON, or as a JSON object with an id).
    const ids = Object.values(e.markerRecordedEventAttributes.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString()));
    const id = ids.map((text) => /"id":\s*"([^"]+)"|^"([^"]+)"$/.exec(text)).find(Boolean);
    return [e.markerRecordedEventAttributes.markerName, id?.[1] ?? id?.[2] ?? ''].filter(Boolean).join(' ');
  }
  if (e.startChildWorkflowExecutionInitiatedEventAttributes) return e.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name ?? '';
  if (e.upsertWorkflowSearchAttributesEventAttributes) return Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join(', ');
  return '';
}

/** Actions by kind; a retried activity is billed again for each attempt after the first. */
function countActions(events: HistoryEvent[]): Map<string, number> {
  const actual = new Map<string, number>();
  const add = (kind: string, n: number) => actual.set(kind, (actual.get(kind) ?? 0) + n);
  for (const e of events) {
    const kind = ACTION_EVENTS[e.eventType ?? 0];
    if (kind) add(kind, 1);
    const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
    if (attempt > 1) add('activity retry', attempt - 1);
  }
  return actual;
}

/** Prints the actions in order, the per-kind table beside the minimal design, the ratio, and the design's lines. */
export function printCase(title: string, events: HistoryEvent[], minimalLines: MinimalLine[]): { actual: number; minimal: number } {
  const t0 = Number(events[0].eventTime!.seconds);
  console.log(`\n${title}; ${events.length} history events`);
  console.log('actions in order (seconds since the start):');
  for (const e of events) {
    const kind = ACTION_EVENTS[e.eventType ?? 0];
    if (kind) console.log(`  +${Number(e.eventTime!.seconds) - t0}s ${kind} ${described(e)}`);
  }
  const actual = countActions(events);
  const minimal = new Map<string, number>();
  for (const [kind, n] of minimalLines) minimal.set(kind, (minimal.get(kind) ?? 0) + n);
  const kinds = [...new Set([...minimal.keys(), ...actual.keys()])];
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log('kind                              Klaxon  minimal');
  for (const k of kinds) console.log(`${k.padEnd(34)}${String(actual.get(k) ?? 0).padStart(6)}${String(minimal.get(k) ?? 0).padStart(9)}`);
  console.log(`${'total actions'.padEnd(34)}${String(total(actual)).padStart(6)}${String(total(minimal)).padStart(9)}`);
  console.log(`ratio: ${(total(actual) / total(minimal)).toFixed(2)} × the minimal design (target ≤ 1.2 ×)`);
  console.log('minimal design, line by line:');
  for (const [kind, n, why] of minimalLines) console.log(`  ${n} ${kind}: ${why}`);
  return { actual: total(actual), minimal: total(minimal) };
}
