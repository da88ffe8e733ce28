import { CHANNELS, type ChannelId } from '../core/channels/channels';
import type { PolicyBook } from '../core/policy/routing';

/**
 * What a production start (KLAXON_PRODUCTION=true, as docker-compose.yml sets it) must have,
 * where the embedded stack makes do: the ledger database, and every channel the policies'
 * responders are reached on configured for real. Without them the embedded stack writes
 * notifications to its outbox folder; in production that would page nobody, silently.
 */
const CHANNEL_VARIABLES: Record<ChannelId, string[]> = {
  slack: ['SLACK_BOT_TOKEN', 'KLAXON_SLACK_CHANNEL', 'SLACK_SIGNING_SECRET'],
  pagerduty: ['PAGERDUTY_ROUTING_KEYS'],
  email: ['SMTP_URL'],
};

/** Every variable a production start lacks, each with why, all at once. */
export function productionProblems(env: Record<string, string | undefined>, book: PolicyBook): string[] {
  const problems = env.DATABASE_URL ? [] : ['DATABASE_URL (the ledger database)'];
  for (const channel of CHANNELS) {
    const reached = book.policies.flatMap((p) => p.responders).filter((r) => r[channel.address as keyof typeof r]);
    if (!reached.length) continue;
    const why = `${channel.id}: ${reached.map((r) => r.name).join(', ')} ${reached.length === 1 ? 'is' : 'are'} reached on it`;
    for (const variable of CHANNEL_VARIABLES[channel.id]) if (!env[variable]) problems.push(`${variable} (${why})`);
  }
  return problems;
}
