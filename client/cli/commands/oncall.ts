import type { Pool } from 'pg';
import type { RuntimeOverride } from '../../../core/oncall/runtime-override';
import type { ScheduleOnCall, ShiftView } from '../../../core/oncall/who-is-on-call';
import { instantIn, OverrideInputError } from '../../../core/oncall/override-input';
import { formatInstant } from '../../../core/shared/time-format';
import { LedgerStore } from '../../../ledger/store';
import { OnCall, type OnCallCaller } from '../../oncall';
import { AS_OPTION, defineCommand, REASON_OPTION, TZ_OPTION, UsageError } from '../command';
import type { ApiClient } from '../api-client';
import type { CliContext } from '../context';

/**
 * `klaxon oncall …`: who is on call, run-time overrides and swaps, feed links. Under a personal
 * token through the API (its scopes and tenants decide); else straight on the ledger database
 * with the policies of KLAXON_POLICY_FILE (the embedded stack's way, --as naming who acts).
 */
const SCHEDULE = { type: 'string', value: '<schedule>', help: 'the schedule, by name' } as const;
const POLICY = { type: 'string', value: '<policy>', help: 'the policy, when two policies have a schedule of that name' } as const;

/** A request refused by the checks: said as a usage error, as the API says it as a 4xx. */
const refusing = async <T>(work: () => Promise<T>): Promise<T> =>
  work().catch((err: unknown) => {
    throw err instanceof OverrideInputError ? new UsageError(err.message) : err;
  });

/** Straight on the ledger database, with the policies in force for this CLI. */
function direct<T>(cli: CliContext, purpose: string, use: (oncall: OnCall, db: Pool) => Promise<T>): Promise<T> {
  return cli.withLedger(purpose, (db) => refusing(() => use(new OnCall(db, new LedgerStore(db)), db)));
}

const caller = (name: string): OnCallCaller => ({ actor: { type: 'responder', name, via: 'cli' } });

/** A change as a person: through the API as the token's responder, else on the ledger database as --as (no Temporal needed). */
function acting<T>(cli: CliContext, as: string | undefined, viaApi: (api: ApiClient) => Promise<T>, purpose: string, direct_: (oncall: OnCall, who: OnCallCaller) => Promise<T>): Promise<T> {
  const api = cli.api();
  if (api) {
    if (as !== undefined) throw new UsageError('--as is for the embedded stack: under a personal token you act as its responder (unset KLAXON_AS, or KLAXON_TOKEN and klaxon logout)');
    return viaApi(api);
  }
  if (as === undefined) throw new UsageError('who acts? --as <responder> (or KLAXON_AS) on the embedded stack, or a personal token: klaxon login, or KLAXON_TOKEN');
  return direct(cli, purpose, (oncall) => direct_(oncall, caller(as)));
}

const shift = (s: ShiftView) => `${s.fromLocal} → ${s.toLocal}  ${s.responder ?? 'nobody'}${s.via ? ` (${s.via.startsWith('override') ? s.via : `layer ${s.via}`})` : ''}`;

function describeOnCall(schedules: ScheduleOnCall[]): string {
  if (schedules.length === 0) return 'no schedule';
  return schedules
    .map((s) => [`${s.schedule} (policy ${s.policy}) at ${formatInstant(s.at, s.zone)}`, `  now:  ${shift(s.now)}`, ...s.next.map((n) => `  next: ${shift(n)}`)].join('\n'))
    .join('\n\n');
}

const describeOverride = (o: RuntimeOverride, zone: string) =>
  `${o.id}  ${o.policy}/${o.schedule}: ${o.responder}${o.replaces ? ` takes ${o.replaces}'s turns` : ' covers the whole slot'} from ${formatInstant(o.from, zone)} until ${formatInstant(o.to, zone)}, by ${o.by}: ${JSON.stringify(o.reason)}`;

const whoIsOnCall = defineCommand({
  name: 'oncall',
  summary: 'who is on call now (or --at) and the next shifts, per schedule, run-time overrides included',
  options: { schedule: SCHEDULE, policy: POLICY, at: { type: 'string', value: '<time>', help: 'another instant (an offset, or local to --tz)' }, tz: TZ_OPTION },
  async run({ values }, cli) {
    const zone = cli.zone();
    const q = { ...(values.policy ? { policy: values.policy } : {}), ...(values.schedule ? { schedule: values.schedule } : {}) };
    const at = values.at === undefined ? new Date() : new Date(await refusing(async () => instantIn(values.at!, '--at', zone)));
    const schedules = await cli.read(
      async (api) => (await api.onCall<{ schedules: ScheduleOnCall[] }>('GET', `/v1/oncall?${new URLSearchParams({ ...q, at: at.toISOString(), tz: zone })}`)).schedules,
      () => direct(cli, 'who is on call is read', (oncall) => oncall.whoIsOnCall(cli.config().policies, caller('cli'), { ...q, at, zone })),
    );
    return cli.print({ at: at.toISOString(), zone, schedules }, () => describeOnCall(schedules));
  },
});

/** Takes an override or swap, through the API or straight, and says what was taken. */
async function take(cli: CliContext, as: string | undefined, body: Record<string, unknown>): Promise<string> {
  const overrides = await acting(
    cli,
    as,
    async (api) => (await api.onCall<{ overrides: RuntimeOverride[] }>('POST', '/v1/oncall/overrides', body)).overrides,
    'an override is kept',
    (oncall, who) => oncall.take(body, cli.config().policies, who, new Date()),
  );
  return cli.print({ overrides }, () => overrides.map((o) => `taken: ${describeOverride(o, cli.zone())}`).join('\n'));
}

const times = (values: { from: string; until: string; tz?: string }, cli: CliContext) => ({ from: values.from, until: values.until, tz: cli.zone() });

const override = defineCommand({
  name: 'oncall override',
  summary: 'put someone on call on a schedule for a while (recorded; open incidents page by it at their next level)',
  details:
    'Times carry an offset or are local to --tz. Refused with the reason, nothing recorded: an unknown person or schedule, until not after from, a period already over or longer than 90 days, a start more than 366 days ahead, a year outside 1970–9999, a local time the clocks skip (DST), an identical live override, more than 200 live overrides on the policy.',
  options: {
    schedule: { ...SCHEDULE, required: true },
    policy: POLICY,
    user: { type: 'string', value: '<responder>', required: true, help: 'who is on call instead' },
    from: { type: 'string', value: '<time>', required: true, help: 'from (an offset, or local to --tz)' },
    until: { type: 'string', value: '<time>', required: true, help: 'until' },
    reason: REASON_OPTION,
    tz: TZ_OPTION,
    as: AS_OPTION,
  },
  async run({ values }, cli) {
    return take(cli, values.as, { kind: 'override', ...(values.policy ? { policy: values.policy } : {}), schedule: values.schedule, responder: values.user, ...times(values, cli), reason: values.reason });
  },
});

const swap = defineCommand({
  name: 'oncall swap',
  summary: "--user takes --with's turns from --from until --until (and --with takes --user's from --back-from until --back-until)",
  details: "A swap changes only the two people's turns: where --with would be on call in the period, --user is; the rest of the schedule stays. Refused when --with is never on call in the period (nothing to swap).",
  options: {
    schedule: { ...SCHEDULE, required: true },
    policy: POLICY,
    user: { type: 'string', value: '<responder>', required: true, help: 'who takes the turns' },
    with: { type: 'string', value: '<responder>', required: true, help: 'whose turns' },
    from: { type: 'string', value: '<time>', required: true, help: 'from (an offset, or local to --tz)' },
    until: { type: 'string', value: '<time>', required: true, help: 'until' },
    'back-from': { type: 'string', value: '<time>', help: "the return half: --with takes --user's turns from" },
    'back-until': { type: 'string', value: '<time>', help: 'until' },
    reason: REASON_OPTION,
    tz: TZ_OPTION,
    as: AS_OPTION,
  },
  async run({ values }, cli) {
    const back = values['back-from'] !== undefined || values['back-until'] !== undefined ? { backFrom: values['back-from'], backUntil: values['back-until'] } : {};
    return take(cli, values.as, { kind: 'swap', ...(values.policy ? { policy: values.policy } : {}), schedule: values.schedule, responder: values.user, with: values.with, ...times(values, cli), ...back, reason: values.reason });
  },
});

const list = defineCommand({
  name: 'oncall overrides',
  summary: 'the run-time overrides and swap halves in force or to come',
  options: { policy: POLICY, schedule: SCHEDULE, tz: TZ_OPTION },
  async run({ values }, cli) {
    const q = { ...(values.policy ? { policy: values.policy } : {}), ...(values.schedule ? { schedule: values.schedule } : {}) };
    const overrides = await cli.read(
      async (api) => (await api.onCall<{ overrides: RuntimeOverride[] }>('GET', `/v1/oncall/overrides?${new URLSearchParams(q)}`)).overrides,
      () => direct(cli, 'the overrides are read', (oncall) => oncall.list(cli.config().policies, caller('cli'), q, new Date())),
    );
    return cli.print({ overrides }, () => (overrides.length ? overrides.map((o) => describeOverride(o, cli.zone())).join('\n') : 'no run-time override'));
  },
});

const cancel = defineCommand({
  name: 'oncall cancel',
  args: ['<override id>'],
  summary: 'cancel a run-time override (recorded)',
  options: { as: AS_OPTION, tz: TZ_OPTION },
  async run({ values, args: [id] }, cli) {
    const cancelled = await acting(
      cli,
      values.as,
      async (api) => (await api.onCall<{ override: RuntimeOverride }>('POST', `/v1/oncall/overrides/${encodeURIComponent(id)}/cancel`)).override,
      'an override is cancelled',
      (oncall, who) => oncall.cancel(id, cli.config().policies, who, new Date()),
    );
    return cli.print({ override: cancelled }, () => `cancelled: ${describeOverride(cancelled, cli.zone())}`);
  },
});

const feed = defineCommand({
  name: 'oncall feed',
  summary: "a calendar feed link for a schedule (or one person's shifts on it): reads that feed and nothing else",
  details: 'Calendar apps cannot send headers, so the link carries a feed-only secret (not an API token). Keep it as you would a password.',
  options: { schedule: { ...SCHEDULE, required: true }, policy: POLICY, responder: { type: 'string', value: '<responder>', help: "only this person's shifts" } },
  async run({ values }, cli) {
    const body = { schedule: values.schedule, ...(values.policy ? { policy: values.policy } : {}), ...(values.responder ? { responder: values.responder } : {}) };
    const api = cli.api();
    const minted = api
      ? { base: api.apiUrl, ...(await api.onCall<{ path: string; feed: { id: string } }>('POST', '/v1/oncall/feeds', body)) }
      : { base: cli.env.KLAXON_API_URL ?? cli.config().publicUrl ?? '', ...(await direct(cli, 'a feed link is kept', (oncall) => oncall.mintFeed(cli.config().policies, caller('cli'), body, new Date()))) };
    const link = minted.base ? new URL(minted.path, minted.base).toString() : minted.path;
    return cli.print({ id: minted.feed.id, url: link }, () => `${link}\n(feed ${minted.feed.id}: klaxon oncall feed revoke ${minted.feed.id} ends it)`);
  },
});

const revokeFeed = defineCommand({
  name: 'oncall feed revoke',
  args: ['<feed id>'],
  summary: 'revoke a calendar feed link (its calendar stops updating)',
  options: { as: AS_OPTION },
  async run({ values, args: [id] }, cli) {
    await acting(
      cli,
      values.as,
      (api) => api.onCall('POST', `/v1/oncall/feeds/${encodeURIComponent(id)}/revoke`),
      'a feed link is revoked',
      async (oncall, who) => {
        if (!(await oncall.revokeFeed(id, cli.config().policies, who, new Date()))) throw new UsageError(`no live feed "${id}"`);
      },
    );
    return cli.print({ revoked: id }, () => `revoked: ${id}`);
  },
});

export const onCallCommands = [whoIsOnCall, override, swap, list, cancel, feed, revokeFeed];
