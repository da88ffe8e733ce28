// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
/**
 * How far a source's clock may run behind the API's before its resolution is taken for one
 * about an earlier run. The resolution's time (Alertmanager's `endsAt`) comes from the
 * source's clock and the run's opening from the API's (when it received the first alert):
 * NTP keeps them within a second or so; a minute also covers a source whose clock drifted
 * and an alert that flapped (resolved, fired again) within one evaluation, without letting a
 * resolution from an earlier run, minutes or days old, close the newer one.
 */
export const RESOLUTION_CLOCK_SKEW_MS = 60_000;

/**
 * Why a source's resolution cannot be about the run that opened at `runOpenedAt` (it ended
 * before that run opened: replayed, or delivered that late), or undefined when it may be.
 * An incident id opens a new run once the last one is resolved, so a late "resolved" for the
 * old run would otherwise close the new one.
 */
export function staleResolution(resolvedAt: string, runOpenedAt: string): string | undefined {
  const ended = Date.parse(resolvedAt);
  const opened = Date.parse(runOpenedAt);
  if (Number.isNaN(ended) || Number.isNaN(opened) || ended >= opened - RESOLUTION_CLOCK_SKEW_MS) return undefined;
  return `the resolution ended at ${new Date(ended).toISOString()}, before the incident's current run opened at ${new Date(opened).toISOString()}: it is about an earlier run`;
}
