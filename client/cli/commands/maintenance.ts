import { MaintenanceInputError } from '../../../core/maintenance/window-input';
import { formatInstant } from '../../../core/shared/time-format';
import { MaintenanceWindows, type StoredWindow, type WindowList } from '../../../ledger/maintenance-windows';
import { LedgerStore } from '../../../ledger/store';
import type { MaintenanceEnded } from '../../../workflows/maintenance';
import { Maintenance, type MaintenanceCaller } from '../../maintenance';
import { AS_OPTION, defineCommand, REASON_OPTION, TZ_OPTION, UsageError } from '../command';
import type { CliContext } from '../context';

/**
 * `klaxon maintenance start|end|list`: windows during which the alerts of a tenant (or of one of
 * its sources or services) are recorded but page nobody. Under a personal token through the API
 * (its scopes and tenants decide); else straight on the ledger database and Temporal (the
 * embedded stack's way, --as naming who acts).
 */
const refusing = async <T>(work: () => Promise<T>): Promise<T> =>
  work().catch((err: unknown) => {
    throw err instanceof MaintenanceInputError ? new UsageError(err.message) : err;
  });

/** Straight on the ledger database and Temporal, as `who`. */
function direct<T>(cli: CliContext, purpose: string, use: (m: Maintenance) => Promise<T>): Promise<T> {
  return cli.withLedger(purpose, (db) => cli.withTemporal(({ client }) => refusing(() => use(new Maintenance(new LedgerStore(db), client, cli.config().temporal.taskQueue)))));
}

const caller = (name: string): MaintenanceCaller => ({ actor: { type: 'responder', name, via: 'cli' } });

function acting<T>(cli: CliContext, as: string | undefined, purpose: string, viaApi: (api: NonNullable<ReturnType<CliContext['api']>>) => Promise<T>, directly: (m: Maintenance, who: MaintenanceCaller) => Promise<T>): Promise<T> {
  const api = cli.api();
  if (api) {
    if (as !== undefined) throw new UsageError('--as is for the embedded stack: under a personal token you act as its responder (unset KLAXON_AS, or KLAXON_TOKEN and klaxon logout)');
    return viaApi(api);
  }
  if (as === undefined) throw new UsageError('who acts? --as <responder> (or KLAXON_AS) on the embedded stack, or a personal token: klaxon login, or KLAXON_TOKEN');
  return direct(cli, purpose, (m) => directly(m, caller(as)));
}

const scope = (w: Pick<StoredWindow, 'tenant' | 'source' | 'service'>) => [`tenant ${w.tenant}`, ...(w.source ? [`source ${w.source}`] : []), ...(w.service ? [`service ${w.service}`] : [])].join(', ');

export const describeWindow = (w: StoredWindow, zone: string): string =>
  `${w.id}  ${scope(w)}: from ${formatInstant(w.from, zone)} ${w.until === null ? `with no end (${JSON.stringify(w.openEnded)})` : `until ${formatInstant(w.until, zone)}`}` +
  `${w.allowSev1PersonalData ? ', SEV1 with personal data silenced too' : ''}, by ${w.by}: ${JSON.stringify(w.reason)}; ${w.held} held, ${w.bypassed} paged anyway` +
  `${w.endedAt ? `; ended ${formatInstant(w.endedAt, zone)} by ${w.endedBy}` : ''}`;

const describeEnded = (e: MaintenanceEnded, zone: string): string =>
  `ended: ${e.id} at ${formatInstant(e.endedAt, zone)} by ${e.endedBy}: ${e.held} alert(s) held back, ${e.bypassed} paged anyway; ${'channel' in e.summary ? `summary posted to ${e.summary.channel}` : 'failed' in e.summary ? `the summary could not be posted: ${e.summary.failed}` : e.summary.none}`;

const start = defineCommand({
  name: 'maintenance start',
  summary: 'hold back the alerts of a tenant (or one source or service of it) for a while: recorded, counted, nobody paged',
  details:
    'The window ends by itself after --minutes (1 to 43200, 30 days), or, with --open-ended "<why it has no end>", only by `klaxon maintenance end`. When it ends, a summary of what arrived goes to the channel of the policy the tenant routes to. A SEV1 alert carrying personal data pages even during the window, unless --allow-sev1-personal-data. Refused with the reason, nothing recorded: no reason, a window overlapping a live one of the same scope, a window in the past, an endless one without --open-ended.',
  options: {
    tenant: { type: 'string', value: '<tenant>', required: true, help: 'whose alerts' },
    source: { type: 'string', value: '<source>', help: 'only alerts of this source (generic, sentry, …)' },
    service: { type: 'string', value: '<service>', help: 'only alerts the rules classify under this service' },
    minutes: { type: 'string', value: '<n>', help: 'how long (1 to 43200)' },
    'open-ended': { type: 'string', value: '<why>', help: 'no end: it lasts until `klaxon maintenance end`, and says why' },
    'allow-sev1-personal-data': { type: 'boolean', help: 'hold back SEV1 alerts carrying personal data too (recorded as such)' },
    reason: REASON_OPTION,
    tz: TZ_OPTION,
    as: AS_OPTION,
  },
  async run({ values }, cli) {
    if (values.minutes !== undefined && !/^\d{1,6}$/.test(values.minutes)) throw new UsageError(`--minutes ${JSON.stringify(values.minutes)} must be a whole number from 1 to 43200`);
    const body = {
      tenant: values.tenant,
      ...(values.source !== undefined ? { source: values.source } : {}),
      ...(values.service !== undefined ? { service: values.service } : {}),
      ...(values.minutes !== undefined ? { minutes: Number(values.minutes) } : {}),
      ...(values['open-ended'] !== undefined ? { openEnded: values['open-ended'] } : {}),
      ...(values['allow-sev1-personal-data'] ? { allowSev1PersonalData: true } : {}),
      reason: values.reason,
    };
    const window = await acting(
      cli,
      values.as,
      'a maintenance window is kept',
      async (api) => (await api.maintenance<{ window: StoredWindow }>('POST', '/v1/maintenance', body)).window,
      (m, who) => m.start(body, who, new Date()),
    );
    return cli.print({ window }, () => `started: ${describeWindow(window, cli.zone())}`);
  },
});

const end = defineCommand({
  name: 'maintenance end',
  args: ['<window id>'],
  summary: 'end a maintenance window now (its summary is posted; recorded)',
  options: { as: AS_OPTION, tz: TZ_OPTION },
  async run({ values, args: [id] }, cli) {
    const ended = await acting(
      cli,
      values.as,
      'a maintenance window is ended',
      async (api) => (await api.maintenance<{ ended: MaintenanceEnded }>('POST', `/v1/maintenance/${encodeURIComponent(id)}/end`)).ended,
      (m, who) => m.end(id, who, new Date()),
    );
    return cli.print({ ended }, () => describeEnded(ended, cli.zone()));
  },
});

const list = defineCommand({
  name: 'maintenance list',
  summary: 'the maintenance windows live or to come (--recent: and those ended in the last day)',
  options: { recent: { type: 'boolean', help: 'also the windows ended in the last day' }, tz: TZ_OPTION },
  async run({ values }, cli) {
    const recent = values.recent === true;
    const { windows, more } = await cli.read(
      (api) => api.maintenance<WindowList>('GET', `/v1/maintenance${recent ? '?recent=true' : ''}`),
      () => cli.withLedger('the maintenance windows are read', (db) => new MaintenanceWindows(new LedgerStore(db)).list({ recent }, new Date())),
    );
    const cut = more ? `\n(the first ${windows.length} by start; more were left out)` : '';
    return cli.print({ windows, more }, () => (windows.length ? windows.map((w) => describeWindow(w, cli.zone())).join('\n') + cut : 'no maintenance window'));
  },
});

export const maintenanceCommands = [start, end, list];
