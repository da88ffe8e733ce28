import { LedgerKeyError, signText, verifyText, type LedgerKey } from './signing';

/**
 * A signed anchor: the head of the global chain at a moment, signed with the ledger key and
 * kept outside the ledger (`klaxon audit anchor --out <file>`). Later, the ledger must still
 * hold that event with that link: a rewrite of anything at or before it, even one that
 * recomputes every hash, no longer does, and a deleted tail leaves it missing. The signature
 * means an anchor cannot be made up afterwards to match a rewritten ledger.
 *
 * Text form, one line: klaxon-anchor:2:<global seq>:<global hash>:<taken at, ISO UTC>:<key id>:<signature>
 */
export interface SignedAnchor {
  globalSeq: number;
  globalHash: string;
  takenAt: string;
  keyId: string;
  signature: string;
}

const signed = (a: Pick<SignedAnchor, 'globalSeq' | 'globalHash' | 'takenAt'>): string => `klaxon-anchor:2:${a.globalSeq}:${a.globalHash}:${a.takenAt}`;

export function signAnchor(key: LedgerKey, head: { globalSeq: number; globalHash: string }, takenAt: Date): SignedAnchor {
  const a = { globalSeq: head.globalSeq, globalHash: head.globalHash, takenAt: takenAt.toISOString() };
  return { ...a, keyId: key.keyId, signature: signText(key, signed(a)) };
}

export const formatAnchor = (a: SignedAnchor): string => `${signed(a)}:${a.keyId}:${a.signature}`;

const ANCHOR = /^klaxon-anchor:2:(\d{1,15}):([0-9a-f]{64}):(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z):([0-9a-f]{16}):([A-Za-z0-9_-]{86})$/;

/** The anchors of a text: one per line, blank lines and `#` comments skipped (an anchor file grows a line per anchor taken). */
export function parseAnchors(text: string): SignedAnchor[] {
  const anchors: SignedAnchor[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const m = ANCHOR.exec(line);
    if (!m) throw new RangeError(`"${line.slice(0, 120)}" is not an anchor written by \`klaxon audit anchor\` (klaxon-anchor:2:<seq>:<sha256>:<time>:<key id>:<signature>)`);
    anchors.push({ globalSeq: Number(m[1]), globalHash: m[2], takenAt: m[3], keyId: m[4], signature: m[5] });
  }
  return anchors;
}

/** Throws unless the anchor was signed with `key`: an anchor anyone could write proves nothing. */
export function checkAnchor(key: LedgerKey | undefined, a: SignedAnchor): void {
  if (!key) throw new LedgerKeyError(`anchor of global event ${a.globalSeq} cannot be checked: no ledger key was given (KLAXON_LEDGER_SIGNING_KEY_FILE, its public half suffices)`);
  if (a.keyId !== key.keyId) throw new LedgerKeyError(`anchor of global event ${a.globalSeq} was signed with key ${a.keyId}, not with the ledger key ${key.keyId}`);
  if (!verifyText(key, signed(a), a.signature)) throw new LedgerKeyError(`anchor of global event ${a.globalSeq} (${a.takenAt}) does not carry a valid signature of ledger key ${key.keyId}: it proves nothing`);
}
