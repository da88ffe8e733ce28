/**
 * Every workflow a Klaxon worker runs: the entry point of the worker's bundle (worker/worker.ts).
 * The incident workflow is the product; the history archive's sweep is the job its Schedule starts.
 */
export { incident } from './incident';
export { archiveClosedIncidentHistories } from './history-archive';
