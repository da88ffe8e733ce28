import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLedgerKey, type LedgerKey } from '../../ledger/signing';

/** A fresh ledger signing key in a temporary file, away from the database as in production. */
export function testLedgerKey(): { file: string; key: LedgerKey } {
  const file = join(mkdtempSync(join(tmpdir(), 'klaxon-ledger-key-')), 'ledger-signing-key');
  return { file, key: ensureLedgerKey(file) };
}
