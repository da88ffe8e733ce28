/**
 * A notification channel as the workflows see it: the contact fields it adds to a responder
 * (its part of the policy), the one that says where a responder is reached, and each part it
 * plays (a page, a notice to the incidents room, a legal clock's notice to one person, an
 * alarm) as an activity name and the input that activity takes. Workflow-safe on purpose: no
 * Node module and no schema library, since workflows/ dispatch through this table; the
 * activities themselves live in activities/<id>.ts (see activities/channels.ts).
 */

/** A field of a responder's contact details that a channel adds to the policy (responders[].<field>). */
export interface ContactField {
  /** What a value must look like, checked with the rest of the policy ("… is not <is>"); without it, any text but empty. */
  format?: { pattern: RegExp; is: string };
}

/** An activity a channel has called, by name, and the input it is given for a request. */
export interface ActivityCall<Request> {
  activity: string;
  input(request: Request): object;
}

/** One notification of a page, to one recipient. */
export interface PageRequest<Settings = object, Target = object> {
  stepKey: string;
  /** The incident's snapshot, passed through to the activity. */
  state: unknown;
  /** The recipient's name, and their address on this channel (none for a recipient that is a place, e.g. a Slack channel). */
  responder: string;
  address: string | undefined;
  /** The recipient as the ladder planned it, for what a channel reads beyond the address. */
  recipient: Target;
  level: number;
  /** The incident's policy, for the channel's own settings. */
  policy: Settings;
}

/** A notice to the incidents room (a legal clock's, or containment's), mentioning whom it concerns. */
export interface AnnounceRequest<Settings = object> {
  stepKey: string;
  state: unknown;
  /** What the notice is about, as the activity takes it: `{ notice }` or `{ action, notice }`. */
  about: object;
  /** The addresses, on this channel, of the people it concerns. */
  mention: string[];
  policy: Settings;
}

/** A legal clock's notice to one person on the DPO / legal ladder. */
export interface ClockNoticeRequest {
  stepKey: string;
  state: unknown;
  notice: unknown;
  address: string;
  responder: string;
}

/** A loud page apart from the incident's own (an overdue clock, a failing containment action). */
export interface AlarmRequest {
  incidentId: string;
  tenant: string;
  address: string;
  alarm: unknown;
}

export interface ChannelDescriptor {
  /** The name policies use in notification rules (`notify: { high: [{ channel: <id> }] }`). */
  id: string;
  contact: Record<string, ContactField>;
  /** The contact field where a responder is reached on this channel. */
  address: string;
  /** A page to one recipient; `landsAt`: the activity answers where the message landed, so it can be updated in place. */
  page: ActivityCall<PageRequest> & { landsAt?: boolean };
  /** Notices to the incidents room: one activity per kind of notice, one input for both. */
  announce?: { activities: { clock: string; containment: string }; input(request: AnnounceRequest): object };
  clockNotice?: ActivityCall<ClockNoticeRequest>;
  /** Alarms stay open until what they are about is settled, then are closed for the addresses they reached. */
  alarm?: { raise: ActivityCall<AlarmRequest>; close: ActivityCall<{ dedupKey: string; addresses: string[] }> };
}
