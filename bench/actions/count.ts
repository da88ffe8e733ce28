import { temporal } from '@temporalio/proto';

/**
 * Counting Temporal actions from an incident's history the way Temporal Cloud bills them
 * (docs.temporal.io/cloud/actions, read 2026-12-06), and printing the count beside a minimal
 * design written line by line. The rules that matter here:
 * - a signal-with-start is one action, whether it starts the workflow or not;
 * - search attributes given at start are free, and so is an upsert of only `TemporalChangeVersion`
 *   (what `patched()` sets); every other upsert command is one action;
 * - all markers (patches, local activities) recorded by one workflow task are one action;
 * - a child workflow is two actions: its start and its execution;
 * - every activity attempt, timer started, signal and accepted Update is one action.
 */
const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const CHANGE_VERSION = 'TemporalChangeVersion';

/** One line of a minimal design: kind of action, how many, why it cannot go. */
export type MinimalLine = [kind: string, count: number, why: string];

/** A history event as billed: its kind, the actions it costs (0 when free) and what it is about. */
interface Billed {
  event: HistoryEvent;
  kind: string;
  actions: number;
  about: string;
}

const upsertedKeys = (e: HistoryEvent): string[] => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});

/** A patch marker's id (its details hold it as JSON, or as a JSON object with an id). */
function markerAbout(e: HistoryEvent): string {
  const a = e.markerRecordedEventAttributes!;
  const texts = Object.values(a.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString()));
  const id = texts.map((text) => /"id":\s*"([^"]+)"|^"([^"]+)"$/.exec(text)).find(Boolean);
  return [a.markerName, id?.[1] ?? id?.[2] ?? ''].filter(Boolean).join(' ');
}

/** Every billable event of a history, in order, with what Temporal Cloud charges for it. */
function billedEvents(events: HistoryEvent[]): Billed[] {
  const out: Billed[] = [];
  const markerTasks = new Set<string>();
  for (const e of events) {
    const at = (kind: string, actions: number, about = '') => out.push({ event: e, kind, actions, about });
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        at('signal-with-start', 1, 'workflow start');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // The signal a signal-with-start delivers is the event right after the start: billed with it.
        if (Number(e.eventId) === 2) at('signal-with-start', 0, 'its signal (billed with the start)');
        else at('signal', 1);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        at('update', 1, e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        at('activity', 1, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
        if (attempt > 1) at('activity retry', attempt - 1, `attempt ${attempt}`);
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED: {
        const t = e.timerStartedEventAttributes?.startToFireTimeout;
        at('timer', 1, `${(Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9).toFixed(3).replace(/\.?0+$/, '')} s`);
        break;
      }
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const keys = upsertedKeys(e);
        const free = keys.every((k) => k === CHANGE_VERSION);
        at('search attribute upsert', free ? 0 : 1, free ? `${keys.join(', ')} (not billed)` : keys.join(', '));
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const task = String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? '');
        const first = !markerTasks.has(task);
        markerTasks.add(task);
        at('markers (one per workflow task)', first ? 1 : 0, `${markerAbout(e)}${first ? '' : ' (same workflow task: not billed again)'}`);
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        at('child workflow (start and execution)', 2, e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? '');
        break;
      default:
    }
  }
  return out;
}

/** Prints the actions in order, the per-kind table beside the minimal design, the ratio, and the design's lines. */
export function printCase(title: string, events: HistoryEvent[], minimalLines: MinimalLine[]): { actual: number; minimal: number } {
  const t0 = Number(events[0].eventTime!.seconds);
  const billed = billedEvents(events);
  console.log(`\n${title}; ${events.length} history events`);
  console.log('actions in order (seconds since the start; billed actions first):');
  for (const b of billed) console.log(`  +${Number(b.event.eventTime!.seconds) - t0}s ${b.actions} ${b.kind} ${b.about}`);
  const actual = new Map<string, number>();
  for (const b of billed) actual.set(b.kind, (actual.get(b.kind) ?? 0) + b.actions);
  const minimal = new Map<string, number>();
  for (const [kind, n] of minimalLines) minimal.set(kind, (minimal.get(kind) ?? 0) + n);
  const kinds = [...new Set([...minimal.keys(), ...actual.keys()])];
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log('kind                                    Klaxon  minimal');
  for (const k of kinds) console.log(`${k.padEnd(40)}${String(actual.get(k) ?? 0).padStart(6)}${String(minimal.get(k) ?? 0).padStart(9)}`);
  console.log(`${'total actions'.padEnd(40)}${String(total(actual)).padStart(6)}${String(total(minimal)).padStart(9)}`);
  console.log(`ratio: ${(total(actual) / total(minimal)).toFixed(2)} × the minimal design (target ≤ 1.2 ×)`);
  console.log('minimal design, line by line:');
  for (const [kind, n, why] of minimalLines) console.log(`  ${n} ${kind}: ${why}`);
  return { actual: total(actual), minimal: total(minimal) };
}
