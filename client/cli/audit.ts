import type { LedgerAnchor, LedgerStore, LedgerVerifyResult, VerifyResult } from '../../ledger/store';

/** The ledger is not what it was: the CLI exits 1 with the finding. */
export class LedgerBrokenError extends Error {}

/** `klaxon-anchor:<global seq>:<hash>`: what `audit anchor` prints and `audit verify --anchor` takes. */
export const formatAnchor = (a: Pick<LedgerAnchor, 'globalSeq' | 'globalHash'>): string => `klaxon-anchor:${a.globalSeq}:${a.globalHash}`;

export function parseAnchor(text: string): { globalSeq: number; globalHash: string } {
  const m = /^klaxon-anchor:(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new RangeError(`--anchor "${text}" is not an anchor printed by \`klaxon audit anchor\` (klaxon-anchor:<seq>:<sha256>)`);
  return { globalSeq: Number(m[1]), globalHash: m[2] };
}

/**
 * `klaxon audit verify [--incident <id>] [--anchor …]` and `klaxon audit anchor`: read the
 * ledger directly (DATABASE_URL), so an auditor needs no running Klaxon.
 */
export async function runAudit(sub: string | undefined, options: { incident?: string; anchor?: string }, ledger: LedgerStore): Promise<{ data: unknown; text: string }> {
  if (sub === 'anchor') {
    const head = await ledger.anchor();
    if (!head) return { data: null, text: 'The ledger has no event in its global chain yet.' };
    return { data: head, text: `${formatAnchor(head)}\n(global event ${head.globalSeq}, recorded ${head.recordedAt}; keep it outside Klaxon and check it later with \`klaxon audit verify --anchor …\`)` };
  }
  const all: LedgerVerifyResult | undefined = options.incident ? undefined : await ledger.verifyAll(options.anchor ? parseAnchor(options.anchor) : undefined);
  const result: VerifyResult = all ?? (await ledger.verify(options.incident!));
  if (result.firstBroken) {
    const b = result.firstBroken;
    throw new LedgerBrokenError(`ledger broken at ${b.incidentId} event ${b.seq}: ${b.reason} (${result.checked} event(s) verified before it)`);
  }
  if (all?.anchor && !all.anchor.held) throw new LedgerBrokenError(`the ledger no longer holds anchor ${options.anchor}: global event ${all.anchor.globalSeq} is missing or differs`);
  const scope = all ? `${all.incidents} incident(s) and the global chain` : `incident ${options.incident}`;
  return { data: result, text: `Ledger verified: ${result.checked} event(s) of ${scope}, every hash and link holds.${options.anchor ? ' The anchor is held.' : ''}` };
}
