import { incidentPath, postJson } from './api';
import type { Feedback } from './feedback';

/** Where a page says what a change did, and how it shows the result. */
export interface ChangeAnswer {
  feedback: Feedback;
  /** Reads the data again and redraws (after every change, refused or not). */
  reload(): Promise<void>;
}

/** What a section of the incident page needs to change the incident. */
export interface ChangeContext extends ChangeAnswer {
  incidentId: string;
}

/**
 * Sends one change through the API: the workflow's rules decide (the two-person rule, a closed
 * incident, a review's owner), and their refusal is shown as given, once the page shows the data
 * as it now is. While the change is on its way `control` is marked busy and further clicks are
 * ignored, so a double click sends it once; it is not `disabled`, which would drop the keyboard
 * focus from it.
 */
export async function sendChange<R>(to: ChangeAnswer, control: HTMLButtonElement, send: () => Promise<R>, describe: (result: R) => string): Promise<void> {
  if (control.getAttribute('aria-disabled') === 'true') return;
  to.feedback.clear();
  control.setAttribute('aria-disabled', 'true');
  let answer: () => void;
  try {
    const result = await send();
    answer = () => to.feedback.done(describe(result));
  } catch (err) {
    answer = () => to.feedback.refused(err);
  } finally {
    control.removeAttribute('aria-disabled');
  }
  await to.reload();
  answer();
  // An Approve or Reject redraws its row: the focus goes to the answer rather than to the page's top.
  if (!control.isConnected) to.feedback.focus();
}

/** `POST /v1/incidents/<id>/<change>` (client/api/incident-changes.ts), the same route the CLI uses. */
export const makeChange = <R>(ctx: ChangeContext, control: HTMLButtonElement, change: string, body: object, describe: (result: R) => string): Promise<void> =>
  sendChange(ctx, control, () => postJson<R>(incidentPath(ctx.incidentId, `/${change}`), body), describe);
