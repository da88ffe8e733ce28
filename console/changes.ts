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
 * is shown as given, once the page shows the incident as it now is. While the change is on its
 * way `control` is marked busy and further clicks are ignored, so a double click sends it once;
 * it is not `disabled`, which would drop the keyboard focus from it.
 */
export async function makeChange<R>(ctx: ChangeContext, control: HTMLButtonElement, change: string, body: object, describe: (result: R) => string): Promise<void> {
  if (control.getAttribute('aria-disabled') === 'true') return;
  ctx.feedback.clear();
  control.setAttribute('aria-disabled', 'true');
  let answer: () => void;
  try {
    const result = await postJson<R>(incidentPath(ctx.incidentId, `/${change}`), body);
    answer = () => ctx.feedback.done(describe(result));
  } catch (err) {
    answer = () => ctx.feedback.refused(err);
  } finally {
    control.removeAttribute('aria-disabled');
  }
  await ctx.reload();
  answer();
}
