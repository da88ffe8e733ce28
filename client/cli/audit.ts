import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { formatAnchor, parseAnchors, signAnchor } from '../../ledger/anchor';
import { ledgerKeyIfPresent, readLedgerKey } from '../../ledger/signing';
import type { BrokenAt, LedgerStore, LedgerVerifyResult, VerifyResult } from '../../ledger/store';

/** The ledger is not what it was: the CLI exits 1 with the finding. */
export class LedgerBrokenError extends Error {
  override readonly name = 'LedgerBrokenError';
}

const place = (b: BrokenAt): string =>
  b.incidentId !== undefined ? `${b.incidentId} event ${b.seq}${b.globalSeq !== undefined ? ` (global event ${b.globalSeq})` : ''}` : `global event ${b.globalSeq}`;

/** What verification adds to "every hash and link holds": anchors held, purges accepted, substitutes named. */
function findings(result: VerifyResult & Partial<LedgerVerifyResult>): string {
  const lines: string[] = [];
  const anchors = result.anchors ?? [];
  if (anchors.length === 1) lines.push(`The anchor (global event ${anchors[0].globalSeq}, signed ${anchors[0].takenAt}) is held.`);
  else if (anchors.length > 1) lines.push(`All ${anchors.length} anchors are held (the last: global event ${anchors.at(-1)!.globalSeq}).`);
  for (const p of result.purges ?? []) lines.push(`Signed purge record at global event ${p.globalSeq} (${p.at}) bridges ${p.events} event(s) of ${p.incidents} incident(s) past retention.`);
  const subs = result.substitutes ?? [];
  if (subs.length) {
    lines.push(`${subs.length} event(s) the database refused were recorded as ledger.unstorable substitutes (the content is not in the ledger; its SHA-256 is):`);
    for (const s of subs) lines.push(`  ${s.incidentId} event ${s.seq}: a ${s.kind} event, SQLSTATE ${s.sqlstate}`);
  }
  return lines.length ? `\n${lines.join('\n')}` : '';
}

/**
 * `klaxon audit verify [--incident <id>] [--anchor <anchor or file>]` and `klaxon audit
 * anchor [--out <file>]`: read the ledger directly (DATABASE_URL), so an auditor needs no
 * running Klaxon; the ledger key (KLAXON_LEDGER_SIGNING_KEY_FILE) signs anchors and checks
 * them and purge records.
 */
export async function runAudit(
  sub: string | undefined,
  options: { incident?: string; anchor?: string; out?: string },
  ledger: LedgerStore,
  settings: { keyFile: string; retentionDays: number },
): Promise<{ data: unknown; text: string }> {
  if (sub === 'anchor') {
    const head = await ledger.head();
    if (!head) return { data: null, text: 'The ledger has no event in its global chain yet.' };
    const anchor = signAnchor(readLedgerKey(settings.keyFile), head, new Date());
    const line = formatAnchor(anchor);
    if (options.out) appendFileSync(options.out, `${line}\n`, { mode: 0o600 });
    const kept = options.out ? `appended to ${options.out}; ` : '';
    return { data: { ...anchor, anchor: line }, text: `${line}\n(global event ${head.globalSeq}, signed with ledger key ${anchor.keyId}; ${kept}keep it outside Klaxon and check it later with \`klaxon audit verify --anchor <anchor or file>\`)` };
  }
  const key = ledgerKeyIfPresent(settings.keyFile);
  const anchorText = options.anchor && existsSync(options.anchor) ? readFileSync(options.anchor, 'utf8') : options.anchor;
  const anchors = anchorText !== undefined ? parseAnchors(anchorText) : undefined;
  if (options.incident && anchors) throw new RangeError('--anchor checks the whole ledger: leave out --incident');
  const result: VerifyResult & Partial<LedgerVerifyResult> = options.incident
    ? await ledger.verify(options.incident, { key, retentionDays: settings.retentionDays })
    : await ledger.verifyAll({ anchors, key, retentionDays: settings.retentionDays });
  if (result.firstBroken) {
    throw new LedgerBrokenError(`ledger broken at ${place(result.firstBroken)}: ${result.firstBroken.reason} (${result.checked} event(s) verified before it)`);
  }
  const scope = options.incident ? `incident ${options.incident}` : `${result.incidents} incident(s) and the global chain`;
  return { data: result, text: `Ledger verified: ${result.checked} event(s) of ${scope}, every hash and link holds.${findings(result)}` };
}
