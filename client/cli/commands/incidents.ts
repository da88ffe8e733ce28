import { HistoryArchive } from '../../../ledger/history-archive';
import { LedgerStore } from '../../../ledger/store';
import { incidentHistory } from '../../incident-history';
import { defineCommand, instantOption, quoted, SetupError, TZ_OPTION, UsageError } from '../command';
import { renderIncident, renderList } from '../render';
import { ApiRefusal } from '../api-client';

const list = defineCommand({
  name: 'incidents list',
  summary: 'open incidents (--all: closed too), filtered',
  details: 'Open incidents, or with --all closed ones too, from Temporal visibility, filtered by what the options name. A deadline filter includes overdue incidents. Times need an offset or Z (2026-11-01T00:00Z).',
  options: {
    all: { type: 'boolean', help: 'closed incidents too' },
    status: { type: 'string', multiple: true, value: '<status>', help: 'only incidents in this status (open, acknowledged, resolved…); repeat for several' },
    severity: { type: 'string', value: '<SEV1,SEV2>', help: 'only these severities, comma-separated' },
    tenant: { type: 'string', value: '<tenant>', help: "only this tenant's incidents" },
    category: { type: 'string', value: '<category>', help: 'only incidents with this data category' },
    jurisdiction: { type: 'string', value: '<code>', help: 'only incidents in this jurisdiction (DE, US-CA…)' },
    since: { type: 'string', value: '<time>', help: 'opened at or after this instant' },
    until: { type: 'string', value: '<time>', help: 'opened before this instant' },
    'deadline-within': { type: 'string', value: '<90m|24h|3d>', help: 'a legal deadline falls within this long from now' },
    tz: TZ_OPTION,
  },
  async run({ values }, cli) {
    const within = values['deadline-within'];
    const instant = (flag: 'since' | 'until') => (values[flag] === undefined ? undefined : instantOption(flag, values[flag]));
    const severity = values.severity?.split(',');
    const [since, until] = [instant('since'), instant('until')];
    const withinMs = within === undefined ? undefined : durationMs('--deadline-within', within);
    const rows = await cli.read(
      (api) => api.incidents({ all: values.all, status: values.status, severity, tenant: values.tenant, category: values.category, jurisdiction: values.jurisdiction, since, until, deadlineWithinMs: withinMs }),
      () =>
        cli.withTemporal(({ incidents }) =>
          incidents.list({
            openOnly: !values.all,
            status: values.status,
            severity,
            tenant: values.tenant,
            dataCategory: values.category,
            jurisdiction: values.jurisdiction,
            openedFrom: since,
            openedTo: until,
            ...(withinMs !== undefined ? { deadlineBefore: new Date(Date.now() + withinMs) } : {}),
          }),
        ),
    );
    return cli.print(rows, () => renderList(rows, cli.zone()));
  },
});

const show = defineCommand({
  name: 'incidents show',
  args: ['<id>'],
  summary: "one incident's state and audit timeline",
  details: "The state (level, pass, every level reached, acknowledgements, the next step in your zone and each paged responder's) and the audit timeline. The timeline comes from the ledger database (DATABASE_URL, or the running stack's), or under a personal token from the API when the token may read audit data (audit:read); otherwise the state alone.",
  json: '{ state, timeline }',
  options: { tz: TZ_OPTION },
  async run({ args: [id] }, cli) {
    const { state, timeline } = await cli.read(
      // A token without audit:read sees the state alone, as a shell without the ledger does.
      async (api) => ({
        state: (await api.incident(id, cli.zone())).incident,
        timeline: await api.timeline(id).catch((err) => (err instanceof ApiRefusal && err.status === 403 ? undefined : Promise.reject(err))),
      }),
      () =>
        cli.withTemporal(async ({ incidents }) => {
          const state = await incidents.state(id);
          return { state, timeline: await cli.withOptionalLedger(async (db) => db && new LedgerStore(db).timeline(id)) };
        }),
    );
    const why = cli.api() ? 'the token lacks the audit:read scope' : 'no DATABASE_URL for the ledger';
    return cli.print({ state, timeline }, () => renderIncident(state, timeline ?? why, cli.zone()));
  },
});

const unredacted = defineCommand({
  name: 'incidents unredacted',
  args: ['<id>'],
  summary: 'the first alerts as sent (policy keepUnredactedAlerts)',
  details: "The incident's first alerts as they were sent, kept only under a policy with keepUnredactedAlerts. Needs KLAXON_PAYLOAD_KEYS_FILE (they are kept encrypted) and Temporal: no API route or token reads them.",
  json: 'always (the alerts as sent)',
  options: {},
  async run({ args: [id] }, cli) {
    // No REST route and no token reads them: only who holds the payload key and reaches Temporal.
    if (!cli.config().payloadKeys.length) throw new SetupError('unredacted alerts are kept encrypted: set KLAXON_PAYLOAD_KEYS_FILE to the payload key file to read them');
    return JSON.stringify(await cli.withTemporal(({ incidents }) => incidents.unredactedAlerts(id)), null, 2);
  },
});

const history = defineCommand({
  name: 'incidents history',
  args: ['<id>'],
  summary: "every run's Temporal event history",
  details: "Every run's Temporal event history, from Temporal or, once it expired there, from the ledger archive.",
  json: 'always (the histories, with their SHA-256)',
  options: {},
  async run({ args: [id] }, cli) {
    const runs = await cli.read(
      (api) => api.history(id),
      () => cli.withTemporal(({ client }) => cli.withOptionalLedger((db) => incidentHistory(client, db && new HistoryArchive(db), id))),
    );
    return JSON.stringify(runs, null, 2);
  },
});

/** `90m`, `24h`, `3d` in milliseconds. */
function durationMs(flag: string, text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m) throw new UsageError(`${flag} ${quoted(text)} is not a duration such as 90m, 24h or 3d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

export const incidentsCommands = [list, show, unredacted, history];
