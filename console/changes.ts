import { incidentPath, postJson } from './api';
import type { Feedback } from './feedback';

/** What a section of the incident page needs to change the incident: where to say what happened, and how to show the result. */
export interface ChangeContext {
  incidentId: string;
  feedback: Feedback;
  /** Reads the incident again and redraws the page (after every change, refused or not). */
  reload(): Promise<void>;
}

/**
 * `POST /v1/incidents/<id>/<change>` (client/api/incident-changes.ts), the same route the CLI
 * uses: the workflow's rules decide (the two-person rule, a closed incident), and their refusal
 * is shown as given. `control` is disabled while the change is on its way, so a double click
 * sends it once.
 */
export async function makeChange<R>(ctx: ChangeContext, control: HTMLButtonElement, change: string, body: object, describe: (result: R) => string): Promise<void> {
  ctx.feedback.clear();
  control.disabled = true;
  try {
    const result = await postJson<R>(incidentPath(ctx.incidentId, `/${change}`), body);
    ctx.feedback.done(describe(result));
  } catch (err) {
    ctx.feedback.refused(err);
  } finally {
    control.disabled = false;
  }
  await ctx.reload();
}
