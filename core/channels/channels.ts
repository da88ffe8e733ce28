// Workflow-safe: workflow code imports this module; keep Node-only modules out (test/workflow/bundle.test.ts).
import type { ChannelDescriptor, ContactField } from './channel';
import { email } from './email';
import { pagerduty } from './pagerduty';
import { slack } from './slack';

/**
 * Every notification channel, registered by one line each. The order matters: a responder
 * without notification rules of their own is reached on every channel they have, in this order,
 * and the workflows call the channels that play a part (announce, clockNotice, alarm) in it.
 * See the README, "Adding a channel".
 */
export const CHANNELS = [slack, pagerduty, email] as const;

export type Channel = (typeof CHANNELS)[number];
export type ChannelId = Channel['id'];
export const CHANNEL_IDS = CHANNELS.map((c) => c.id) as [ChannelId, ...ChannelId[]];

type FieldsOf<C> = C extends { contact: infer F } ? keyof F & string : never;
export type ContactFieldName = FieldsOf<Channel>;
/** A responder's contact details: the fields every channel adds (slackUserId, pagerDutyService, email, …). */
export type Contacts = { [F in ContactFieldName]?: string };
/** Where a recipient is reached: the address field of each channel. */
export type Addresses = { [F in Channel['address']]?: string };

export const channelById = (id: ChannelId): Channel => CHANNELS.find((c) => c.id === id)!;

/** Where `who` is reached on `channel`, if anywhere. */
export const addressOn = (channel: Channel, who: Addresses): string | undefined => who[channel.address] || undefined;

/** The address fields `who` has, in the table's order (what a recipient carries of a responder). */
export const addressesOf = (who: Addresses): Addresses => Object.fromEntries(CHANNELS.flatMap((c) => (who[c.address] ? [[c.address, who[c.address]]] : [])));

type Part = Exclude<keyof ChannelDescriptor, 'id' | 'contact' | 'address' | 'page'>;

/** The channels that play `part`, in the table's order. */
export const channelsWith = <P extends Part>(part: P) => CHANNELS.filter((c): c is Extract<Channel, Record<P, unknown>> => part in c);

/** Every activity a channel's descriptor names: what activities/<id>.ts must define. */
export function activityNames(channel: Channel): string[] {
  const c: ChannelDescriptor = channel;
  return [c.page.activity, ...Object.values(c.announce?.activities ?? {}), ...(c.clockNotice ? [c.clockNotice.activity] : []), ...(c.alarm ? [c.alarm.raise.activity, c.alarm.close.activity] : [])];
}

/** Every way `r`'s contact details break a channel's format, with the field it concerns. */
export function contactProblems(r: Contacts & { name: string }): Array<{ field: ContactFieldName; message: string }> {
  return CHANNELS.flatMap((c) =>
    Object.entries(c.contact as Record<ContactFieldName, ContactField>).flatMap(([field, spec]) => {
      const value = r[field as ContactFieldName];
      return value !== undefined && spec.format && !spec.format.pattern.test(value) ? [{ field: field as ContactFieldName, message: `responder "${r.name}": "${value}" is not ${spec.format.is}` }] : [];
    }),
  );
}
