import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/**
 * A durable timer for the next instant an incident waits for (escalation, a legal clock's
 * reminder, another try at an undo), kept while that instant stays the same: a change that does
 * not move it (an acknowledgement under a running clock) starts no new timer, which Temporal
 * would bill again. Moving the instant cancels the timer running and starts one for the new.
 */
export function createAlarm() {
  let at: number | undefined;
  let scope: CancellationScope | undefined;
  let rang = false;
  return {
    /** Waits for `until` (nothing when undefined), keeping the timer already running for it. */
    set(until: number | undefined): void {
      if (until === at && scope && !rang) return;
      scope?.cancel();
      scope = undefined;
      rang = false;
      at = until;
      if (until === undefined) return;
      const own = new CancellationScope();
      scope = own;
      own
        .run(() => sleep(Math.max(0, until - Date.now())))
        .then(
          () => {
            if (scope === own) rang = true;
          },
          (err: unknown) => {
            if (!isCancellation(err)) throw err;
          },
        );
    },

    /** Whether the instant set last has come (until the next `set`). */
    get rang(): boolean {
      return rang;
    },
  };
}
