import { h, replaceChildren } from './dom';
import { failureNotice } from './failure';

/**
 * Where the incident page says what a change did: `#action-result` (role=status, announced
 * politely) for what happened, a `[role=alert]` for a refusal. One place for the whole page,
 * pinned to the viewport, so the answer is seen wherever the button was (Actions, Containment).
 */
export class Feedback {
  readonly element: HTMLElement;
  private readonly result = h('p', { id: 'action-result', role: 'status' });
  private alert: HTMLElement | undefined;

  constructor() {
    this.element = h('div', { class: 'feedback' }, this.result);
  }

  /** A change went through. */
  done(message: string): void {
    this.clear();
    replaceChildren(this.result, message);
  }

  /** A change was refused (or could not be sent): the API's words, as an alert. */
  refused(err: unknown): void {
    this.show(failureNotice(err));
  }

  /** Something the console itself could not do (the clipboard), in its own words. */
  problem(message: string): void {
    this.show(h('p', { role: 'alert', class: 'error' }, message));
  }

  private show(alert: HTMLElement): void {
    this.clear();
    this.alert = alert;
    this.element.append(alert);
  }

  /** Before the next change: the last answer no longer applies. */
  clear(): void {
    replaceChildren(this.result);
    this.alert?.remove();
    this.alert = undefined;
  }
}
