import type { IncidentState } from '../incident/incident';

/** Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters. */
const MAX_NAME = 80;

/**
 * The name of an incident's own Slack channel: `inc-<yyyymmdd>-<tenant>-<8 hex of its id>` (`drill-…` for a drill),
 * so it sorts by date, says whose it is, and is unique per incident. A name already taken by
 * another channel gets `-2`, `-3`… (see the Slack transport).
 */
export function incidentChannelName(s: Pick<IncidentState, 'incidentId' | 'tenant' | 'openedAt' | 'drill'>): string {
  const day = s.openedAt.slice(0, 10).replace(/-/g, '');
  const tenant = s.tenant.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  const tail = s.incidentId.slice(-8).toLowerCase();
  // A drill's channel says so in its name.
  const head = `${s.drill ? 'drill' : 'inc'}-${day}-`;
  return `${head}${tenant.slice(0, MAX_NAME - head.length - tail.length - 1)}-${tail}`;
}

/** The purpose Klaxon sets on a channel it created: how a retry recognises its own channel. */
export const incidentChannelPurpose = (incidentId: string): string => `Klaxon incident ${incidentId}`;

/** Candidate names, first the plain one, then with a suffix for collisions. */
export function channelNameCandidates(name: string, attempts = 10): string[] {
  return Array.from({ length: attempts }, (_, i) => (i === 0 ? name : `${name.slice(0, MAX_NAME - 3)}-${i + 1}`));
}
