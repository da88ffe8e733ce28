import { ApiTokens, SCOPES } from '../../../ledger/api-tokens';
import { migrate } from '../../../ledger/migrate';
import type { CliContext } from '../context';
import { defineCommand } from '../command';

/** Tokens live in the ledger database: the CLI creates and revokes them there, with no API running. */
const withTokens = <T>(cli: CliContext, use: (tokens: ApiTokens) => Promise<T>): Promise<T> =>
  cli.withLedger('tokens live', async (db) => {
    await migrate(db);
    return use(new ApiTokens(db));
  });

const create = defineCommand({
  name: 'tokens create',
  summary: 'a bearer token for the REST API (shown once)',
  details: "A write token acts as the responder --as names; with --tenant it sees, lists, exports and changes only those tenants' incidents.",
  options: {
    name: { type: 'string', value: '<name>', required: true, help: 'what it is called (to list and revoke it)' },
    scope: { type: 'string', multiple: true, value: SCOPES.join('|'), required: true, help: 'what it may do; repeat for several' },
    as: { type: 'string', value: '<responder>', help: 'incidents:write: the responder it acts as' },
    tenant: { type: 'string', value: '<t1,t2>', help: 'bind it to these tenants, comma-separated' },
  },
  async run({ values }, cli) {
    const tenants = values.tenant === undefined ? undefined : values.tenant.split(',').map((t) => t.trim()).filter(Boolean);
    const t = await withTokens(cli, (tokens) => tokens.create(values.name, values.scope, values.as, tenants));
    const bound = t.tenants ? `, tenants ${t.tenants.join(', ')} only` : '';
    return cli.print(t, () => `${t.token}\n(token "${t.name}", scopes ${t.scopes.join(', ')}${bound}: shown this once; Klaxon keeps only its SHA-256)`);
  },
});

const list = defineCommand({
  name: 'tokens list',
  summary: 'every token (never the token itself)',
  details: 'Name, scopes, tenants, when created and revoked.',
  options: {},
  async run(_, cli) {
    const all = await withTokens(cli, (tokens) => tokens.list());
    return cli.print(all, () =>
      all.map((t) => `${t.name.padEnd(24)} ${t.scopes.join(',').padEnd(40)} ${(t.tenants ? `tenants ${t.tenants.join(',')}` : 'every tenant').padEnd(24)} created ${t.createdAt}${t.revokedAt ? `, revoked ${t.revokedAt}` : ''}`).join('\n') || 'No tokens.',
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
