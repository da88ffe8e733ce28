import { AUDITED_STEPS, auditedName, type AuditedResult } from '../core/audit/audited-steps';
import type { NewLedgerEvent } from '../ledger/event';

/**
 * The audited twins of the steps core/audit/audited-steps.ts names: the step and the audit
 * events of the incident in one activity (a Temporal action, and history, per step saved).
 *
 * The ledger stays out of the step's failure domain: the events are appended beside the step
 * (never before it: a page must not wait for the ledger), within AUDIT_WITHIN_MS; a ledger that
 * does not take them in time makes the step answer `audited: false`, and the workflow writes
 * them itself (workflows/ledger-writer.ts). Every event has its step key, so an append that
 * landed late, or twice, is written once.
 */

/** How long a step waits for its audit events to be stored before it answers without them. */
export const AUDIT_WITHIN_MS = 5000;

type Step = (...args: never[]) => Promise<unknown>;

/** The audited twin of a step, as the workflow calls it: `<step>Audited(audit, ...its arguments)`. */
export type Audited<F extends Step> = (audit: NewLedgerEvent[], ...args: Parameters<F>) => Promise<AuditedResult<Awaited<ReturnType<F>>>>;

/** Whether `events` were appended within AUDIT_WITHIN_MS; never throws. */
function appendWithin(append: (events: NewLedgerEvent[]) => Promise<void>, events: NewLedgerEvent[]): Promise<boolean> {
  if (!events.length) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), AUDIT_WITHIN_MS);
  });
  return Promise.race([append(events).then(() => true, () => false), late]).finally(() => clearTimeout(timer));
}

/**
 * `activities` with the audited twin of each step: the step runs as it always does (its retries
 * and errors unchanged) while its audit events are appended beside it. The plain steps stay
 * registered: incidents opened before the twins existed call them by name.
 */
export function withAuditedTwins<A extends Record<string, unknown>>(activities: A, append: (events: NewLedgerEvent[]) => Promise<void>): A {
  const twins: Record<string, (audit: NewLedgerEvent[], ...args: never[]) => Promise<AuditedResult<unknown>>> = {};
  for (const name of AUDITED_STEPS) {
    const step = activities[name];
    if (typeof step !== 'function') throw new Error(`no activity ${name} to audit`);
    twins[auditedName(name)] = async (audit, ...args) => {
      // The step first: a page must not wait for the ledger, not even for its first query to go out.
      const running = (step as Step)(...args);
      const audited = appendWithin(append, audit);
      try {
        return { result: await running, audited: await audited };
      } catch (err) {
        // The step is retried (or given up) by Temporal; the events stored meanwhile stay stored.
        await audited;
        throw err;
      }
    };
  }
  return { ...activities, ...twins };
}
