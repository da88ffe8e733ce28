import { ApiTokens, SCOPES } from '../../../ledger/api-tokens';
import { migrate } from '../../../ledger/migrate';
import type { CliContext } from '../context';
import { defineCommand, UsageError } from '../command';

/** Tokens live in the ledger database: the CLI creates and revokes them there, with no API running. */
const withTokens = <T>(cli: CliContext, use: (tokens: ApiTokens) => Promise<T>): Promise<T> =>
  cli.withLedger('tokens live', async (db) => {
    await migrate(db);
    return use(new ApiTokens(db));
  });

/** --days: whole days, 1 to 3650. */
function tokenDays(text: string): number {
  const days = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1 && days <= 3650)) throw new UsageError(`--days "${text}" must be a whole number of days from 1 to 3650`);
  return days;
}

const create = defineCommand({
  name: 'tokens create',
  summary: 'a bearer token for the REST API (shown once)',
  details: "A write token acts as the responder --as names; with --tenant it sees, lists, exports and changes only those tenants' incidents.",
  options: {
    name: { type: 'string', value: '<name>', required: true, help: 'what it is called (to list and revoke it)' },
    scope: { type: 'string', multiple: true, value: SCOPES.join('|'), required: true, help: 'what it may do; repeat for several' },
    as: { type: 'string', value: '<responder>', help: 'incidents:write: the responder it acts as' },
    tenant: { type: 'string', value: '<t1,t2>', help: 'bind it to these tenants, comma-separated' },
    days: { type: 'string', value: '<n>', help: 'it expires after n days (default: never)' },
  },
  async run({ values }, cli) {
    const tenants = values.tenant === undefined ? undefined : values.tenant.split(',').map((t) => t.trim()).filter(Boolean);
    const expiresAt = values.days === undefined ? undefined : new Date(Date.now() + tokenDays(values.days) * 86_400_000);
    const t = await withTokens(cli, (tokens) => tokens.create(values.name, values.scope, { responder: values.as, tenants, expiresAt }));
    const bound = `${t.tenants ? `, tenants ${t.tenants.join(', ')} only` : ''}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}`;
    return cli.print(t, () => `${t.token}\n(token "${t.name}", scopes ${t.scopes.join(', ')}${bound}: shown this once; Klaxon keeps only its SHA-256)`);
  },
});

const list = defineCommand({
  name: 'tokens list',
  summary: 'every token (never the token itself)',
  details: 'Name, scopes, tenants, when created, expiring and revoked.',
  options: {},
  async run(_, cli) {
    const all = await withTokens(cli, (tokens) => tokens.list());
    return cli.print(all, () =>
      all
        .map((t) => `${t.name.padEnd(24)} ${t.scopes.join(',').padEnd(40)} ${(t.tenants ? `tenants ${t.tenants.join(',')}` : 'every tenant').padEnd(24)} created ${t.createdAt}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}${t.revokedAt ? `, revoked ${t.revokedAt}` : ''}`)
        .join('\n') || 'No tokens.',
    );
  },
});

const revoke = defineCommand({
  name: 'tokens revoke',
  args: ['<name>'],
  summary: 'revoke a token: the API refuses it from now on',
  options: {},
  async run({ args: [name] }, cli) {
    await withTokens(cli, (tokens) => tokens.revoke(name));
    return cli.print({ revoked: name }, () => `token "${name}" revoked.`);
  },
});

export const tokensCommands = [create, list, revoke];
