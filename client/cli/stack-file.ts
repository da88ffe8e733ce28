import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * What the embedded stack (`npm start`) tells other processes on the machine: where it
 * listens, so `klaxon` works with no configuration while it runs.
 */
export interface StackFile {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  databaseUrl: string;
  pid: number;
  startedAt: string;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

export function writeStackFile(dataDir: string, stack: StackFile): void {
  writeFileSync(stackFilePath(dataDir), JSON.stringify(stack, null, 2));
}

export function readStackFile(dataDir: string): StackFile | undefined {
  const path = stackFilePath(dataDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StackFile) : undefined;
}

/**
 * The embedded stack's generated webhook secret, kept under the data directory (mode 600)
 * so it survives restarts; used only when KLAXON_WEBHOOK_SECRET is not set.
 */
export function embeddedWebhookSecret(dataDir: string, create: boolean): string | undefined {
  const path = join(dataDir, 'webhook-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (!create) return undefined;
  mkdirSync(dataDir, { recursive: true });
  const secret = `whsec_${randomBytes(24).toString('hex')}`;
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}
