/**
 * Text for Slack messages (`text`, mrkdwn blocks, ephemeral answers). Slack reads `&`, `<` and
 * `>` as control characters there: `<!channel>` pings a whole channel, `<https://x|click>` is
 * a link under a disguise, `<@U…>` a mention. Text from outside (alert titles, categories,
 * tenants, notes, reasons, error messages) is escaped as Slack documents, so it shows as
 * written and does nothing; Klaxon's own markup is built only by the functions below.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */

/** Markup Klaxon means: never escaped again when put into `mrkdwn`. */
export class SlackMarkup {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

/** The one escaping of outside text for Slack. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A template for Slack text: every value put in is escaped, except SlackMarkup. Constant
 * parts of the template are Klaxon's own and stay as written (`<!channel>` where Klaxon means it).
 */
export function mrkdwn(parts: TemplateStringsArray, ...values: Array<string | number | SlackMarkup>): SlackMarkup {
  return new SlackMarkup(parts.reduce((out, part, i) => out + part + (i < values.length ? markupOf(values[i]) : ''), ''));
}

const markupOf = (value: string | number | SlackMarkup): string => (value instanceof SlackMarkup ? value.markup : escapeSlack(String(value)));

/** Joins pieces of Slack text, each escaped unless it is SlackMarkup. */
export function joinMarkup(values: Array<string | SlackMarkup>, separator: string): SlackMarkup {
  return new SlackMarkup(values.map(markupOf).join(escapeSlack(separator)));
}

/** Slack ids (users U…/W…, channels C…/G…/D…) are letters and digits; anything else is shown, not linked. */
const SLACK_ID = /^[A-Z0-9]{2,32}$/;

/** A mention of a Slack user (`<@U…>`). */
export const mentionUser = (userId: string): SlackMarkup => (SLACK_ID.test(userId) ? new SlackMarkup(`<@${userId}>`) : mrkdwn`${userId}`);

/** A link to a Slack channel (`<#C…>`). */
export const linkChannel = (channelId: string): SlackMarkup => (SLACK_ID.test(channelId) ? new SlackMarkup(`<#${channelId}>`) : mrkdwn`${channelId}`);

/**
 * An instant Slack renders in each reader's own zone (`<!date^…>`); the fallback names UTC.
 * https://api.slack.com/reference/surfaces/formatting#date-formatting
 */
export function slackDate(iso: string, format = '{date_short_pretty} {time_secs}'): SlackMarkup {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return mrkdwn`${iso}`;
  return new SlackMarkup(`<!date^${seconds}^${format}|${escapeSlack(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''))} UTC>`);
}
