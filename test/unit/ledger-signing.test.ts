import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAnchor, parseAnchors, signAnchor, checkAnchor } from '../../ledger/anchor';
import { ensureLedgerKey, readLedgerKey } from '../../ledger/signing';

describe('the ledger signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-signing-'));

  it('is generated once (mode 600) where the embedded stack keeps it, and read back the same', () => {
    const path = join(dir, 'data', 'ledger-signing-key');
    const key = ensureLedgerKey(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensureLedgerKey(path).keyId).toBe(key.keyId);
    expect(readLedgerKey(path).keyId).toBe(key.keyId);
  });

  it('signs anchors that survive their text form, and its public half alone verifies them but cannot sign', () => {
    const key = ensureLedgerKey(join(dir, 'signer'));
    const publicFile = join(dir, 'signer.pub');
    writeFileSync(publicFile, createPublicKey(key.privateKey!).export({ type: 'spki', format: 'pem' }));
    const auditor = readLedgerKey(publicFile);
    expect(auditor).toMatchObject({ keyId: key.keyId });
    const anchor = signAnchor(key, { globalSeq: 42, globalHash: 'f'.repeat(64) }, new Date('2026-12-01T09:30:00Z'));
    const [parsed] = parseAnchors(`# taken after the purge\n${formatAnchor(anchor)}\n\n`);
    expect(parsed).toEqual(anchor);
    expect(() => checkAnchor(auditor, parsed)).not.toThrow();
    expect(() => checkAnchor(auditor, { ...parsed, globalSeq: 43 })).toThrow(/does not carry a valid signature/);
    expect(() => signAnchor(auditor, { globalSeq: 1, globalHash: 'f'.repeat(64) }, new Date())).toThrow(/public key only/);
  });

  it('may be made by openssl, and a missing file says where it was looked for and how to make one', () => {
    const path = join(dir, 'openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path]);
    expect(readLedgerKey(path).privateKey).toBeDefined();
    expect(() => readLedgerKey(join(dir, 'nowhere'))).toThrow(`no ledger signing key at ${join(dir, 'nowhere')} (KLAXON_LEDGER_SIGNING_KEY_FILE;`);
  });
});
