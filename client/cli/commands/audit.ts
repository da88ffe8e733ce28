import { HistoryArchive } from '../../../ledger/history-archive';
import { Retention } from '../../../ledger/retention';
import { readLedgerKey } from '../../../ledger/signing';
import { LedgerStore } from '../../../ledger/store';
// One sweep of the worker's archiving job, run by hand.
import { archiveClosedRuns } from '../../../worker/history-archiver';
import { runAudit } from '../audit';
import type { CliContext } from '../context';
import { defineCommand } from '../command';

/** verify and anchor read the ledger database directly: an auditor needs no running Klaxon. */
async function audit(cli: CliContext, sub: 'verify' | 'anchor', options: { incident?: string; anchor?: string; out?: string }): Promise<string> {
  const config = cli.config();
  const settings = { keyFile: config.ledgerKeyFile, retentionDays: config.retentionDays };
  const { data, text } = await cli.withLedger('the ledger is', (db) => runAudit(sub, options, new LedgerStore(db), settings));
  return cli.print(data, () => text);
}

const verify = defineCommand({
  name: 'audit verify',
  summary: "recompute the ledger's hash chains",
  details: 'Names the first broken event, checks every signed anchor given and lists unstorable substitutes. Reads the ledger database (DATABASE_URL) directly; purge records and anchors are checked with the ledger key (KLAXON_LEDGER_SIGNING_KEY_FILE). Exits 1 when the ledger is broken.',
  options: {
    incident: { type: 'string', value: '<id>', help: "only this incident's chain" },
    anchor: { type: 'string', value: '<anchor or file>', help: 'an anchor (klaxon audit anchor) or a file of them, each checked against the global chain' },
  },
  async run({ values }, cli) {
    return audit(cli, 'verify', { incident: values.incident, anchor: values.anchor });
  },
});

const anchor = defineCommand({
  name: 'audit anchor',
  summary: "the global chain's head, signed, to keep outside Klaxon",
  details: 'Check it later with klaxon audit verify --anchor <anchor or file>.',
  options: { out: { type: 'string', value: '<file>', help: 'append it to this anchor file too (mode 600)' } },
  async run({ values }, cli) {
    return audit(cli, 'anchor', { out: values.out });
  },
});

const archive = defineCommand({
  name: 'audit archive',
  summary: "copy closed incidents' Temporal histories into the ledger now",
  details: 'The worker does so every KLAXON_ARCHIVE_INTERVAL_MINUTES.',
  options: { incident: { type: 'string', value: '<id>', help: 'only this incident' } },
  async run({ values }, cli) {
    const done = await cli.withTemporal(({ client }) =>
      cli.withLedger('the archive is', (db) => archiveClosedRuns(client, new HistoryArchive(db), new LedgerStore(db), { incidentId: values.incident })),
    );
    return cli.print(done, () => (done.length ? done.map((r) => `archived ${r.incidentId} run ${r.runId} (${r.status}, ${r.events} events, sha256 ${r.sha256})`).join('\n') : 'Every closed incident run is archived already.'));
  },
});

const purge = defineCommand({
  name: 'audit purge',
  summary: 'remove incidents past the retention, recorded and signed',
  details: 'Removes incidents with no event for KLAXON_LEDGER_RETENTION_DAYS; the purge is recorded and signed, so the chains still verify. Run by the database owner, with the ledger key (KLAXON_LEDGER_SIGNING_KEY_FILE).',
  options: { 'dry-run': { type: 'boolean', help: 'say what would be purged, purge nothing' } },
  async run({ values }, cli) {
    const config = cli.config();
    const dryRun = values['dry-run'];
    const plan = await cli.withLedger('the ledger is', (db) => {
      const retention = new Retention(db, new LedgerStore(db));
      return dryRun ? retention.plan(config.retentionDays, new Date()) : retention.purge(config.retentionDays, new Date(), readLedgerKey(config.ledgerKeyFile));
    });
    const what = `${plan.incidents.length} incident(s), ${plan.events} event(s) with no event for ${plan.retentionDays} days`;
    return cli.print(plan, () => (dryRun ? `Would purge ${what}.` : plan.incidents.length ? `Purged ${what}; the purge is recorded in the ledger.` : 'Nothing is past the retention.'));
  },
});

export const auditCommands = [verify, anchor, archive, purge];
