import { ApiError } from './api';
import { h, replaceChildren } from './dom';

/**
 * What a page shows when the API refuses it: a session that ended gets the way back to
 * sign-in, any other refusal the API's own words (e.g. `token "x" lacks the audit:read scope`).
 */
export function failureNotice(err: unknown): HTMLElement {
  if (err instanceof ApiError && err.sessionEnded) {
    return h('p', { role: 'alert', class: 'error', id: 'session-ended' }, 'Your session has ended — ', h('a', { href: '/console' }, 'sign in again'), '.');
  }
  const message = err instanceof ApiError ? err.message : `The console failed: ${err instanceof Error ? err.message : String(err)}`;
  return h('p', { role: 'alert', class: 'error' }, message);
}

/** Replaces the whole page with a heading and the refusal (a page that could not load at all). */
export function showFailurePage(main: HTMLElement, heading: string, err: unknown): void {
  const title = err instanceof ApiError && err.sessionEnded ? 'Signed out' : heading;
  replaceChildren(main, h('h1', {}, title), failureNotice(err));
  document.title = `${title} · Klaxon console`;
}
