import { ledgerVerifySettings } from '../../../ledger/signing';
import { LedgerStore } from '../../../ledger/store';
import { EVIDENCE_FORMATS, incidentEvidence, periodEvidence, renderEvidence, type EvidenceFormat } from '../../evidence';
import { defineCommand, instantOption, quoted, UsageError } from '../command';
import { Reviews } from '../../reviews';

const exportPack = defineCommand({
  name: 'evidence export',
  args: ['[<id>]'],
  summary: "an incident's evidence pack, or a period's response times",
  details: "With <id>: the incident's evidence pack, mapped to SOC 2 / ISO 27001 controls, with the ledger hashes to verify it. Without: response times (acknowledge, contain, notify) per severity for incidents opened between --since and --until.",
  json: 'the same as --format json (the default)',
  options: {
    format: { type: 'string', value: EVIDENCE_FORMATS.join('|'), help: 'json (default), csv or md' },
    since: { type: 'string', value: '<time>', help: 'without <id>: the period starts (with an offset or Z)' },
    until: { type: 'string', value: '<time>', help: 'without <id>: the period ends (with an offset or Z)' },
  },
  async run({ values, args: [id] }, cli) {
    const format = (values.format ?? 'json') as EvidenceFormat;
    if (!EVIDENCE_FORMATS.includes(format)) throw new UsageError(`--format ${quoted(format)} is not one of ${EVIDENCE_FORMATS.join(', ')}`);
    if (cli.json && format !== 'json') throw new UsageError(`--json and --format ${quoted(format)} ask for two different things: give one`);
    if (id) {
      if (values.since || values.until) throw new UsageError('--since and --until are for a period, without an incident id');
      return cli.read(
        (api) => api.evidence(format, { incidentId: id }),
        () =>
          cli.withTemporal(({ incidents, client }) =>
            cli.withLedger('evidence is', async (db) => renderEvidence(await incidentEvidence(incidents, new LedgerStore(db), id, new Date(), ledgerVerifySettings(cli.config()), new Reviews(client)), format)),
          ),
      );
    }
    if (!values.since || !values.until) throw new UsageError('give an incident id, or a period with --since and --until');
    const [since, until] = [instantOption('since', values.since), instantOption('until', values.until)];
    return cli.read(
      (api) => api.evidence(format, { since, until }),
      () => cli.withTemporal(({ incidents, client }) => periodEvidence(incidents, since, until, format, undefined, new Reviews(client), cli.config().policies.policies)),
    );
  },
});

export const evidenceCommands = [exportPack];
