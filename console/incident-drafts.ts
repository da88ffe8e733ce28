import type { Draft } from '../core/regulation/drafts';
import { incidentPath } from './api';
import { h, section } from './dom';
import type { Feedback } from './feedback';
import { failureNotice } from './failure';
import { inZone, viewerZone } from './time';

/** What the API marks an item with when Klaxon cannot fill it (core/regulation/drafts.ts UNKNOWN starts so). */
const TO_BE_COMPLETED = '[to be completed';

/** `GET …/drafts?obligation=<o>&format=md`: the draft as the API renders it, for the download and the clipboard alike. */
const markdownPath = (d: Draft): string => incidentPath(d.incidentId, `/drafts?${new URLSearchParams({ obligation: d.obligation, format: 'md' })}`);

/**
 * Copies the API's Markdown of the draft. The text is fetched inside the ClipboardItem, so the
 * copy still counts as the click's (browsers refuse clipboard writes long after a gesture).
 */
async function copy(d: Draft, feedback: Feedback): Promise<void> {
  feedback.clear();
  try {
    const text = fetch(markdownPath(d), { credentials: 'same-origin' }).then(async (res) => {
      if (!res.ok) throw new Error(`the draft could not be read (${res.status})`);
      return new Blob([await res.text()], { type: 'text/plain' });
    });
    await navigator.clipboard.write([new ClipboardItem({ 'text/plain': text })]);
    feedback.done(`The ${d.title} draft is on the clipboard.`);
  } catch (err) {
    feedback.problem(`Copying failed (${err instanceof Error ? err.message : String(err)}); use “Download (Markdown)” instead.`);
  }
}

function item(i: Draft['items'][number]): HTMLElement[] {
  const missing = i.value === undefined || i.value.startsWith(TO_BE_COMPLETED);
  return [h('dt', {}, i.item), missing ? h('dd', { class: 'todo' }, h('strong', {}, 'to be completed'), i.value ? ` ${i.value}` : '') : h('dd', {}, i.value)];
}

function draft(d: Draft, feedback: Feedback): HTMLElement {
  const copyButton = h('button', { type: 'button', class: 'copy' }, 'Copy');
  copyButton.addEventListener('click', () => void copy(d, feedback));
  const headingId = `draft-${d.obligation}`;
  return h(
    'article',
    { class: 'draft', 'data-obligation': d.obligation, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, `${d.title} (${d.regime})`),
    h('p', {}, `To: ${d.recipient}`, d.dueAt ? ` · due ${inZone(d.dueAt, viewerZone())}` : ''),
    d.lateReasonsRequired ? h('p', { class: 'warning' }, h('strong', {}, 'Late: '), 'the notification must give the reasons for the delay.') : null,
    h('dl', { class: 'draft-items' }, ...d.items.flatMap(item)),
    h('p', { class: 'buttons' }, copyButton, ' ', h('a', { class: 'download', href: markdownPath(d), download: `${d.incidentId}-${d.obligation}.md` }, 'Download (Markdown)')),
  );
}

/** `section#drafts`: one notification draft per legal clock, every item the regime requires, redacted by the API. */
export function draftsSection(drafts: Draft[] | Error, feedback: Feedback): HTMLElement {
  if (drafts instanceof Error) return section('drafts', 'Notification drafts', failureNotice(drafts));
  return section(
    'drafts',
    'Notification drafts',
    drafts.length ? h('div', { class: 'drafts' }, ...drafts.map((d) => draft(d, feedback))) : h('p', {}, 'No notification is owed for this incident, so there is no draft.'),
  );
}
