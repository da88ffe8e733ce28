import { writeFileSync } from 'node:fs';
import { LedgerStore } from '../../../ledger/store';
import { drillReportOf, drillYearOf, renderDrillReport, renderDrillYear } from '../../drill-reports';
import { EVIDENCE_FORMATS, type EvidenceFormat } from '../../evidence';
import { defineCommand, quoted, UsageError } from '../command';
import type { CliContext } from '../context';

const FORMAT_OPTION = { type: 'string', value: EVIDENCE_FORMATS.join('|'), help: 'md (default), csv or json' } as const;
const OUT_OPTION = { type: 'string', value: '<file>', help: 'write it to this file (mode 600) instead of printing it' } as const;

/** The format asked for: --format, md by default (a report is read by people first); --json is json. */
function formatOf(format: string | undefined, cli: CliContext): EvidenceFormat {
  if (cli.json && format !== undefined && format !== 'json') throw new UsageError(`--json and --format ${quoted(format)} ask for two different things: give one`);
  const chosen = (cli.json ? 'json' : (format ?? 'md')) as EvidenceFormat;
  if (!EVIDENCE_FORMATS.includes(chosen)) throw new UsageError(`--format ${quoted(chosen)} is not one of ${EVIDENCE_FORMATS.join(', ')}`);
  return chosen;
}

/** The text, or where it was written: a report saved for an auditor is a file they can keep (mode 600: it names people). */
function deliver(text: string, out: string | undefined): string {
  if (out === undefined) return text.trimEnd();
  writeFileSync(out, text, { mode: 0o600 });
  return `wrote ${out}`;
}

const report = defineCommand({
  name: 'drill report',
  args: ['<id>'],
  summary: "a drill's report: time to acknowledge, unreachable responders, fail-overs, containment plan, clocks, findings",
  details: 'Read from the drill (Temporal) and its events (the ledger), mapped to SOC 2 CC7.4/CC7.5 and ISO 27001 A.5.24, A.5.26, A.5.27. Under a personal token, through the API (audit:read).',
  json: 'the same as --format json',
  options: { format: FORMAT_OPTION, out: OUT_OPTION },
  async run({ values, args: [id] }, cli) {
    const format = formatOf(values.format, cli);
    const text = await cli.read(
      (api) => api.drillReport(format, { drillId: id }),
      () => cli.withTemporal(({ incidents }) => cli.withLedger('drill reports are', async (db) => renderDrillReport(await drillReportOf(incidents, new LedgerStore(db), id, new Date()), format))),
    );
    return deliver(text, values.out);
  },
});

const year = defineCommand({
  name: 'drill year',
  args: ['<yyyy>'],
  summary: 'every drill of a year with its result, and the quarters without one',
  json: 'the same as --format json',
  options: { format: FORMAT_OPTION, out: OUT_OPTION },
  async run({ values, args: [yearText] }, cli) {
    const format = formatOf(values.format, cli);
    if (!/^\d{4}$/.test(yearText)) throw new UsageError(`${quoted(yearText)} is not a year (e.g. 2026)`);
    const y = Number(yearText);
    const text = await cli.read(
      (api) => api.drillReport(format, { year: y }),
      () => cli.withTemporal(({ incidents }) => cli.withLedger('drill reports are', async (db) => renderDrillYear(await drillYearOf(incidents, new LedgerStore(db), y, new Date()), format))),
    );
    return deliver(text, values.out);
  },
});

export const drillReportCommands = [report, year];
