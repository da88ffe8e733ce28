/**
 * Every workflow a Klaxon worker runs: the entry point of the worker's bundle (worker/worker.ts).
 * The incident workflow is the product; the heartbeat monitors' watches open incidents when a
 * source goes quiet; a drill runs the incident code under its own type; the history archive's
 * sweep is the job its Schedule starts; a drill schedule's Schedule starts `scheduledDrill`; a
 * resolved incident's post-incident review is its child; the Schedule `coverage-check` starts
 * `coverageCheck` daily; a schedule asking for hand-off notices has its `handoff` watch; each
 * maintenance window has its `maintenanceWindow`, whose timer ends it.
 */
export { incident } from './incident';
export { heartbeatMonitor } from './heartbeat';
export { archiveClosedIncidentHistories } from './history-archive';
export { drill } from './drill';
export { scheduledDrill } from './scheduled-drill';
export { review } from './review';
export { coverageCheck } from './coverage-check';
export { handoff } from './handoff';
export { maintenanceWindow } from './maintenance';
