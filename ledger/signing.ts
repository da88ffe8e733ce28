import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The ledger's Ed25519 key. Anchors and purge records are signed with it, and the database
 * never holds it: whoever can rewrite the tables (the owner, a DBA, a backup restored by
 * someone else) can recompute every hash, but cannot sign. `privateKey` is absent when only
 * the public half was given (an auditor verifies; only Klaxon's operator signs).
 */
export interface LedgerKey {
  /** The first 16 hex digits of the SHA-256 of the public key (SPKI, DER): names the key in what it signs. */
  keyId: string;
  publicKey: KeyObject;
  privateKey?: KeyObject;
}

export class LedgerKeyError extends Error {
  override readonly name = 'LedgerKeyError';
}

function keyOf(publicKey: KeyObject, privateKey?: KeyObject): LedgerKey {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new LedgerKeyError(`the ledger key is ${publicKey.asymmetricKeyType}, not Ed25519`);
  const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  return { keyId, publicKey, ...(privateKey ? { privateKey } : {}) };
}

/** Reads a PEM key file: a private key (PKCS#8, e.g. `openssl genpkey -algorithm ed25519`) signs and verifies, a public one (SPKI) verifies. */
export function readLedgerKey(path: string): LedgerKey {
  if (!existsSync(path)) throw new LedgerKeyError(`no ledger signing key at ${path} (KLAXON_LEDGER_SIGNING_KEY_FILE; \`npm start\` generates one under its data directory, or: openssl genpkey -algorithm ed25519 -out <file>)`);
  const pem = readFileSync(path, 'utf8');
  if (pem.includes('PRIVATE KEY')) {
    const privateKey = createPrivateKey(pem);
    return keyOf(createPublicKey(privateKey), privateKey);
  }
  return keyOf(createPublicKey(pem));
}

/**
 * The key at `path` when there is one: verification works without it until a purge record or
 * an anchor needs checking, and then says that the key is missing.
 */
export function ledgerKeyIfPresent(path: string): LedgerKey | undefined {
  return existsSync(path) ? readLedgerKey(path) : undefined;
}

/** What verification needs from the configuration: the key, where there is one, and the retention purges must respect. */
export function ledgerVerifySettings(config: { ledgerKeyFile: string; retentionDays: number }): { key?: LedgerKey; retentionDays: number } {
  const key = ledgerKeyIfPresent(config.ledgerKeyFile);
  return { ...(key ? { key } : {}), retentionDays: config.retentionDays };
}

/** The key at `path`, generated there (mode 600) when there is none yet: the embedded stack's, like its webhook secret. */
export function ensureLedgerKey(path: string): LedgerKey {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return readLedgerKey(path);
}

/** An Ed25519 signature of `text` (base64url); only a key with its private half signs. */
export function signText(key: LedgerKey, text: string): string {
  if (!key.privateKey) throw new LedgerKeyError(`ledger key ${key.keyId} is a public key only: signing needs the private key`);
  return sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64url');
}

export function verifyText(key: LedgerKey, text: string, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  return verify(null, Buffer.from(text, 'utf8'), key.publicKey, Buffer.from(signature, 'base64url'));
}
