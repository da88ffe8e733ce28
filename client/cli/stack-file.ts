import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/**
 * What the embedded stack (`npm start`) tells other processes on the machine: where it
 * listens, so `klaxon` works with no configuration while it runs.
 */
export interface StackFile {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  databaseUrl: string;
  /** Where the payload keys are (KLAXON_PAYLOAD_KEYS_FILE), when the stack encrypts: the CLI must decrypt what it reads. */
  payloadKeysFile?: string;
  pid: number;
  startedAt: string;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

/** Readable by its owner only: the database URL carries the embedded ledger's password. */
export function writeStackFile(dataDir: string, stack: StackFile): void {
  writeFileSync(stackFilePath(dataDir), JSON.stringify(stack, null, 2), { mode: 0o600 });
  chmodSync(stackFilePath(dataDir), 0o600);
}

export function readStackFile(dataDir: string): StackFile | undefined {
  const path = stackFilePath(dataDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StackFile) : undefined;
}

/** Removes the stack file if process `pid` wrote it: a stack that stops never removes another's. */
export function removeStackFile(dataDir: string, pid: number): void {
  if (readStackFile(dataDir)?.pid === pid) rmSync(stackFilePath(dataDir), { force: true });
}

/** Where the embedded stack keeps its generated webhook secret. */
export const webhookSecretPath = (dataDir: string): string => join(dataDir, 'webhook-secret');

/** Where the embedded stack keeps the password of its PGlite server. */
export const ledgerPasswordPath = (dataDir: string): string => join(dataDir, 'ledger-password');

/**
 * The embedded stack's generated webhook secret, kept under the data directory (mode 600)
 * so it survives restarts; used only when KLAXON_WEBHOOK_SECRET is not set.
 */
export function embeddedWebhookSecret(dataDir: string, create: boolean): string | undefined {
  return keptSecret(webhookSecretPath(dataDir), create, () => `whsec_${randomBytes(24).toString('hex')}`);
}

/** The password every login to the embedded stack's PGlite server needs, kept like the webhook secret. */
export function embeddedLedgerPassword(dataDir: string): string {
  return keptSecret(ledgerPasswordPath(dataDir), true, () => randomBytes(24).toString('hex'))!;
}

function keptSecret(path: string, create: boolean, generate: () => string): string | undefined {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (!create) return undefined;
  mkdirSync(dirname(path), { recursive: true });
  const secret = generate();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}
