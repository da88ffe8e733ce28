import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { HeartbeatMonitor, Silence } from '../core/heartbeats/heartbeat-monitor';

/** A beat: the monitor as the API's policy declares it now, so a changed interval or severity applies from the next beat. */
export interface Beat {
  monitor: HeartbeatMonitor;
}

/** Where a watch stands; also what it carries across continue-as-new. */
export interface HeartbeatView {
  monitor: HeartbeatMonitor;
  /** The latest beat (workflow time): silence is counted from here. */
  lastBeatAt: string;
  /** Beats taken since the watch started, every run of it. */
  beats: number;
  /** Silences so far; the last one is `silent` while it lasts. */
  silences: number;
  silent?: { since: string; at: string; incidentId: string };
}

/**
 * The watch's messages. A beat is a Signal, not an Update: the sender needs only to know Temporal
 * holds it (the 202), and a beat can be refused by nothing the watch knows. Sent with
 * signal-with-start, so the first beat of a monitor starts its watch.
 */
export const heartbeatMessages = {
  beat: defineSignal<[Beat]>('beat'),
  state: defineQuery<HeartbeatView>('state'),
};

/** The watch's workflow type (the function's name), for the client that signals it. */
export const HEARTBEAT_WORKFLOW_TYPE = 'heartbeatMonitor';

/** What a watch does to the world, through the worker (worker/heartbeat-incidents.ts): a workflow cannot call Temporal's client itself. */
export interface HeartbeatActivities {
  /** The monitor as the worker's policy declares it now, or null when it no longer is (then the watch ends). */
  heartbeatDeclaration(monitor: Pick<HeartbeatMonitor, 'name' | 'tenant'>): Promise<HeartbeatMonitor | null>;
  /** Opens (or joins) the monitor's incident through the same path as an alert, under the policy that declares it. */
  openSilenceIncident(silence: Silence): Promise<{ incidentId: string }>;
  /** Passes the beat that ended the silence to its incident as a source's "resolved" (the policy's autoResolve decides). */
  resolveSilenceIncident(silence: Silence, resumedAt: string): Promise<{ incidentId: string; matched: boolean }>;
}

const activities = proxyActivities<HeartbeatActivities>({
  startToCloseTimeout: '30 seconds',
  // Temporal or the policy may be away for a while: a silence must still page once they are back.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Beats a run takes before it hands over to a new one. A beat costs about four history events
 * (the signal and a workflow task), so this keeps a run near the 4 Ki events at which Temporal
 * suggests continuing as new (also honoured), and a worker that must replay a watch replays little.
 */
export const BEATS_PER_RUN = 500;

/** While its incident is open, how often a silent watch asks whether its monitor is still declared. */
const DECLARATION_CHECK_MS = 24 * 60 * 60_000;

export interface HeartbeatInput {
  monitor: HeartbeatMonitor;
  /** Set when a previous run continued-as-new: where it stood. */
  resume?: HeartbeatView;
}

/**
 * The watch of one heartbeat monitor (workflow id from heartbeatWorkflowId). Beats only move
 * `lastBeatAt`; the one durable timer is re-armed for the rest of the interval when it fires
 * early, so a monitor beating every second costs no timer per beat. Silence past the interval
 * opens one incident (once, not once per interval); the first beat after it resolves that
 * incident. Ends (returns) when the worker's policy no longer declares the monitor: found when
 * the silence is due, or once a day while its incident is open.
 */
export async function heartbeatMonitor(input: HeartbeatInput): Promise<{ retired: string }> {
  const info = workflowInfo();
  const state: HeartbeatView = input.resume ?? { monitor: input.monitor, lastBeatAt: new Date().toISOString(), beats: 0, silences: 0 };
  const watch = `${info.workflowId}/${info.firstExecutionRunId}`;
  let beatsThisRun = 0;
  // Bumped when a beat changes the interval, so a timer armed for the old one is re-armed.
  let redeclared = 0;
  setHandler(heartbeatMessages.beat, ({ monitor }) => {
    if (monitor.intervalSeconds !== state.monitor.intervalSeconds) redeclared += 1;
    state.monitor = monitor;
    state.lastBeatAt = new Date().toISOString();
    state.beats += 1;
    beatsThisRun += 1;
  });
  setHandler(heartbeatMessages.state, () => state);

  const handOverDue = (): boolean => beatsThisRun >= BEATS_PER_RUN || workflowInfo().continueAsNewSuggested;
  const retired = (): { retired: string } => ({ retired: `heartbeat monitor "${state.monitor.name}" of ${state.monitor.tenant} is no longer declared in the policy` });
  const silenceOf = (silent: NonNullable<HeartbeatView['silent']>): Silence => ({ monitor: state.monitor, watch, number: state.silences, lastBeatAt: silent.since, at: silent.at });

  for (;;) {
    if (handOverDue()) {
      await condition(allHandlersFinished);
      return await continueAsNew<typeof heartbeatMonitor>({ monitor: state.monitor, resume: state });
    }
    const silent = state.silent;
    if (silent) {
      const resumed = await condition(() => state.lastBeatAt !== silent.since || handOverDue(), DECLARATION_CHECK_MS);
      if (state.lastBeatAt !== silent.since) {
        await activities.resolveSilenceIncident(silenceOf(silent), state.lastBeatAt);
        state.silent = undefined;
      } else if (!resumed && !(await activities.heartbeatDeclaration(state.monitor))) {
        // Its incident stays open for people to resolve; nothing will beat for it any more.
        return retired();
      }
      continue;
    }
    const wait = Date.parse(state.lastBeatAt) + state.monitor.intervalSeconds * 1000 - Date.now();
    if (wait > 0) {
      const seen = redeclared;
      await condition(() => handOverDue() || redeclared !== seen, wait);
      continue;
    }
    // Due: the policy as the worker reads it now decides whether, and how, this monitor is watched.
    const at = new Date().toISOString();
    const declared = await activities.heartbeatDeclaration(state.monitor);
    if (!declared) return retired();
    const changed = declared.intervalSeconds !== state.monitor.intervalSeconds;
    state.monitor = declared;
    // A longer interval declared since the last beat may not be due yet; a beat during the check is looked at again.
    if (changed || Date.parse(state.lastBeatAt) + declared.intervalSeconds * 1000 > Date.now()) continue;
    state.silences += 1;
    const since = state.lastBeatAt;
    const { incidentId } = await activities.openSilenceIncident({ monitor: state.monitor, watch, number: state.silences, lastBeatAt: since, at });
    // A beat that came while the incident was opening resolves it on the next turn.
    state.silent = { since, at, incidentId };
  }
}
