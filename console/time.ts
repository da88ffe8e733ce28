import { h } from './dom';

/**
 * Times as the viewer reads them: in their own zone and locale, the zone always named, and
 * deadlines as live countdowns. Every instant the API sends is UTC (ISO 8601).
 */

/** The viewer's IANA zone, also sent as `tz` so the API's own renderings match. */
export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A medium date and a short time with the zone named. Spelled out by component: Intl refuses
 * `timeZoneName` beside `dateStyle`/`timeStyle` (TypeError), and the zone must always show.
 */
const DATE_TIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };

const viewerFormat = new Intl.DateTimeFormat(undefined, DATE_TIME);
const viewerClock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });

/** An instant in the viewer's zone and locale, its zone named (e.g. `5 Dec 2026, 22:17 CET`). */
export const inViewerZone = (iso: string): string => viewerFormat.format(new Date(iso));

/** The time of day to the second in the viewer's zone, named (`22:17:05 CET`): when a page last refreshed. */
export const clockTime = (date: Date): string => viewerClock.format(date);

/** An instant in a given IANA zone, named by its abbreviation and its id (`… CET (Europe/Brussels)`; UTC is named once). */
export function inZone(iso: string, zone: string): string {
  const text = new Intl.DateTimeFormat(undefined, { ...DATE_TIME, timeZone: zone }).format(new Date(iso));
  return zone === 'UTC' ? text : `${text} (${zone})`;
}

const viewerSeconds = new Intl.DateTimeFormat(undefined, { ...DATE_TIME, second: '2-digit' });

/** `<time datetime>` showing an instant in the viewer's zone; `seconds` where the order of close events matters (the audit timeline). */
export const when = (iso: string, seconds = false): HTMLTimeElement => h('time', { datetime: iso }, (seconds ? viewerSeconds : viewerFormat).format(new Date(iso)));

const hoursFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const minutesFormat = new Intl.NumberFormat(undefined, { minimumIntegerDigits: 2, maximumFractionDigits: 0 });

/** `in 71 h 59 min` or `overdue by 2 h 03 min`: whole minutes, cut down, so a deadline is never shown later than it is. */
export function countdownText(dueMs: number, nowMs: number): string {
  const left = dueMs - nowMs;
  const minutes = Math.floor(Math.abs(left) / 60_000);
  const span = `${hoursFormat.format(Math.floor(minutes / 60))} h ${minutesFormat.format(minutes % 60)} min`;
  return left >= 0 ? `in ${span}` : `overdue by ${span}`;
}

/** Shows one countdown as of `nowMs`; an overdue one marks itself and its row or clock, to stand out beyond colour. */
function tick(el: HTMLTimeElement, nowMs: number): void {
  const due = Date.parse(el.dateTime);
  if (Number.isNaN(due)) return;
  el.textContent = countdownText(due, nowMs);
  const overdue = due < nowMs;
  el.classList.toggle('overdue', overdue);
  el.closest('tr, .clock')?.classList.toggle('overdue', overdue);
}

/** A live countdown to `iso` (`time.countdown`): `startCountdowns` keeps every one on the page current. */
export function countdown(iso: string): HTMLTimeElement {
  const el = h('time', { class: 'countdown', datetime: iso });
  tick(el, Date.now());
  return el;
}

/** A countdown with the absolute time in the viewer's zone beside it. */
export function deadline(iso: string): HTMLSpanElement {
  return h('span', { class: 'deadline-when' }, countdown(iso), ' ', h('span', { class: 'absolute' }, `(${inViewerZone(iso)})`));
}

/**
 * Brings every countdown under `root` up to now. Pages call it once their new content is in the
 * document, so rows and clocks are marked overdue at once rather than at the next tick.
 */
export function refreshCountdowns(root: ParentNode = document): void {
  const now = Date.now();
  for (const el of root.querySelectorAll<HTMLTimeElement>('time.countdown')) tick(el, now);
}

/** Ticks every countdown in the document once a second, for as long as the page lives. */
export function startCountdowns(): void {
  setInterval(() => refreshCountdowns(), 1000);
}
