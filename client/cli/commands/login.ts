import { ApiClient } from '../api-client';
import { credentialsPath, removeCredentials, saveCredentials } from '../credentials';
import { defineCommand, UsageError } from '../command';
import type { ApiToken } from '../../../ledger/api-tokens';

/** Reads the token from standard input: never an argument, which shells and `ps` would keep. */
async function tokenFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Paste your Klaxon token, then press Enter and Ctrl-D: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > 4096) throw new UsageError('standard input holds more than a token (4 KiB read)');
  }
  const token = text.trim();
  if (!/^kx_[A-Za-z0-9_-]{20,200}$/.test(token)) throw new UsageError('standard input holds no Klaxon token (kx_…): klaxon tokens create makes one');
  return token;
}

const describe = (me: ApiToken): string =>
  `token "${me.name}"${me.responder ? `, acting as ${me.responder}` : ''}, scopes ${me.scopes.join(', ')}${me.tenants ? `, tenants ${me.tenants.join(', ')}` : ''}${me.expiresAt ? `, expires ${me.expiresAt}` : ''}`;

const login = defineCommand({
  name: 'login',
  summary: 'keep your personal token for the CLI (read from standard input)',
  details: "Checked against the API first; kept in ~/.config/klaxon/credentials.json (0600). From then on changes go through the API as the token's responder, with no --as.",
  options: { api: { type: 'string', value: '<url>', help: "Klaxon's API (default: $KLAXON_API_URL)" } },
  async run({ values }, cli) {
    const apiUrl = values.api ?? cli.env.KLAXON_API_URL!;
    const token = await tokenFromStdin();
    const me = await new ApiClient(apiUrl, token).me();
    const path = saveCredentials(cli.env, { apiUrl, token });
    return cli.print({ apiUrl, ...me, saved: path }, () => `Logged in to ${apiUrl}: ${describe(me)}. Kept in ${path} (readable by you only).`);
  },
});

const logout = defineCommand({
  name: 'logout',
  summary: 'forget the token klaxon login kept',
  options: {},
  async run(_, cli) {
    const removed = removeCredentials(cli.env);
    return cli.print({ removed }, () => (removed ? `Removed ${credentialsPath(cli.env)}.` : 'No token was kept.'));
  },
});

const whoami = defineCommand({
  name: 'whoami',
  summary: 'who your token is, as the API knows it',
  options: {},
  async run(_, cli) {
    const api = cli.api();
    if (!api) throw new UsageError('no personal token: klaxon login, or KLAXON_TOKEN');
    const me = await api.me();
    return cli.print(me, () => describe(me));
  },
});

export const loginCommands = [login, logout, whoami];
