import type { SlackMessage } from '../channels/slack-message';
import { mrkdwn } from '../channels/slack-text';
import { formatInstant } from '../shared/time-format';

/** An open incident as the notice lists it (undefined: the open incidents could not be read). */
export interface InheritedIncident {
  incidentId: string;
  severity?: string;
  title: string;
}

/** The direct message to the incoming responder: when the shift starts, in their zone, and what they inherit. */
export function handoffMessage(n: { policy: string; schedule: string; shiftStart: string; zone: string; incidents: InheritedIncident[] | undefined }): SlackMessage {
  const incidents = n.incidents ?? [];
  const when = formatInstant(n.shiftStart, n.zone);
  const head = mrkdwn`*Hand-off:* your shift on schedule ${n.schedule} (policy "${n.policy}") starts ${when}.`;
  const open = n.incidents === undefined
    ? 'The open incidents could not be read: `klaxon incidents list`.'
    : incidents.length
    ? incidents.map((i) => mrkdwn`• ${i.severity ?? '?'} ${i.title} (${i.incidentId})`.markup).join('\n')
    : 'No open incident to inherit.';
  return {
    text: mrkdwn`Hand-off: your shift on ${n.schedule} starts ${when}`.markup,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head.markup } },
      { type: 'section', text: { type: 'mrkdwn', text: incidents.length ? `*Open incidents you inherit (${incidents.length}):*\n${open}` : open } },
    ],
  };
}
