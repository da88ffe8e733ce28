import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SetupError } from './errors';

/**
 * A person's Klaxon credentials, as `klaxon login` keeps them: the API's address and their
 * personal token, in the user's configuration directory, readable by them only (0600).
 */
export interface Credentials {
  apiUrl: string;
  token: string;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'klaxon', 'credentials.json');
}

export function saveCredentials(env: NodeJS.ProcessEnv, credentials: Credentials): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function removeCredentials(env: NodeJS.ProcessEnv): boolean {
  const path = credentialsPath(env);
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** The saved credentials, if any; a file others may read is refused, as ssh refuses such a key. */
export function readCredentials(env: NodeJS.ProcessEnv): Credentials | undefined {
  const path = credentialsPath(env);
  if (!existsSync(path)) return undefined;
  if ((statSync(path).mode & 0o077) !== 0) throw new SetupError(`${path} may be read by others: chmod 600 it, or run klaxon login again`);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Credentials>;
  if (typeof parsed.apiUrl !== 'string' || typeof parsed.token !== 'string') throw new SetupError(`${path} is not what klaxon login writes: run klaxon login again`);
  return { apiUrl: parsed.apiUrl, token: parsed.token };
}
