import { isInstantWithOffset } from '../../../core/shared/time-format';
import { ledgerVerifySettings } from '../../../ledger/signing';
import { LedgerStore } from '../../../ledger/store';
import { EVIDENCE_FORMATS, incidentEvidence, periodEvidence, renderEvidence, type EvidenceFormat } from '../../evidence';
import { defineCommand, UsageError } from '../command';

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
    if (!EVIDENCE_FORMATS.includes(format)) throw new UsageError(`--format "${format}" is not one of ${EVIDENCE_FORMATS.join(', ')}`);
    if (cli.json && format !== 'json') throw new UsageError(`--json and --format ${format} ask for two different things: give one`);
    if (id) {
      if (values.since || values.until) throw new UsageError('--since and --until are for a period, without an incident id');
      return cli.withTemporal(({ incidents }) =>
        cli.withLedger('evidence is', async (db) => renderEvidence(await incidentEvidence(incidents, new LedgerStore(db), id, new Date(), ledgerVerifySettings(cli.config())), format)),
      );
    }
    for (const flag of ['since', 'until'] as const) {
      const text = values[flag];
      if (!text) throw new UsageError(`give an incident id, or a period with --since and --until`);
      if (!isInstantWithOffset(text)) throw new UsageError(`--${flag} "${text}" needs a date-time with an offset or Z (e.g. 2026-11-01T00:00Z)`);
    }
    return cli.withTemporal(({ incidents }) => periodEvidence(incidents, new Date(values.since!), new Date(values.until!), format));
  },
});

export const evidenceCommands = [exportPack];
