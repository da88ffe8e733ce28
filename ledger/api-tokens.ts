import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { databaseStep } from './database-error';
import { isValidTenant } from '../core/alerts/alert';

/** What a token may do: read incidents, read audit data (ledger, histories, evidence), change incidents. */
export const SCOPES = ['incidents:read', 'audit:read', 'incidents:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  name: string;
  scopes: Scope[];
  /** Whom an incidents:write token acts as. */
  responder?: string;
  /** The tenants it is bound to: it sees, lists, exports and changes only their incidents. Absent: every tenant. */
  tenants?: string[];
  createdAt: string;
  revokedAt?: string;
  /** From then on the API refuses it. Absent: it never expires. */
  expiresAt?: string;
}

/** What a new token is bound to besides its scopes. */
export interface TokenBinding {
  /** Whom an incidents:write token acts as. */
  responder?: string;
  tenants?: string[];
  expiresAt?: Date;
}

export const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** Bearer tokens of the compliance API, stored as SHA-256 only. */
export class ApiTokens {
  constructor(private readonly db: Pool) {}

  /** Creates a token and returns its secret: the only time it is ever shown. */
  async create(name: string, scopes: string[], { responder, tenants, expiresAt }: TokenBinding = {}): Promise<{ token: string; name: string; scopes: Scope[]; tenants?: string[]; expiresAt?: string }> {
    if (!/^[\w.-]{1,64}$/.test(name)) throw new TokenError(`token name "${name}" is not a plain name (letters, digits, _ . -)`);
    if (scopes.length === 0) throw new TokenError(`a token needs at least one scope (${SCOPES.join(', ')})`);
    for (const s of scopes) if (!(SCOPES as readonly string[]).includes(s)) throw new TokenError(`"${s}" is not a scope (${SCOPES.join(', ')})`);
    if (scopes.includes('incidents:write') && !responder) throw new TokenError('an incidents:write token acts as a responder: name one (--as <responder>)');
    if (tenants?.length === 0) throw new TokenError('a token bound to tenants needs at least one tenant');
    for (const t of tenants ?? []) if (!isValidTenant(t)) throw new TokenError(`"${t}" is not a tenant (letters, digits, ".", "_" or "-", at most 128)`);
    const token = `kx_${randomBytes(32).toString('base64url')}`;
    const bound = tenants && [...new Set(tenants)];
    const r = await databaseStep('create an API token', () =>
      this.db.query('INSERT INTO api_tokens (name, sha256, scopes, responder, tenants, expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING', [
        name,
        hashOf(token),
        scopes,
        responder ?? null,
        bound ?? null,
        expiresAt ?? null,
      ]),
    );
    if (r.rowCount !== 1) throw new TokenError(`a token named "${name}" exists already (revoked ones keep their name)`);
    return { token, name, scopes: scopes as Scope[], ...(bound ? { tenants: bound } : {}), ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
  }

  /** The live token a secret belongs to, if any. */
  async find(secret: string): Promise<ApiToken | undefined> {
    const r = await databaseStep('look up an API token', () =>
      this.db.query<TokenRow>(
        'SELECT name, scopes, responder, tenants, created_at, revoked_at, expires_at FROM api_tokens WHERE sha256 = $1 AND revoked_at IS NULL',
        [hashOf(secret)],
      ),
    );
    return r.rows[0] && tokenOf(r.rows[0]);
  }

  async revoke(name: string): Promise<void> {
    const r = await databaseStep('revoke an API token', () => this.db.query('UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL', [name]));
    if (r.rowCount !== 1) throw new TokenError(`no live token is named "${name}"`);
  }

  async list(): Promise<ApiToken[]> {
    const r = await databaseStep('list the API tokens', () =>
      this.db.query<TokenRow>('SELECT name, scopes, responder, tenants, created_at, revoked_at, expires_at FROM api_tokens ORDER BY created_at'),
    );
    return r.rows.map(tokenOf);
  }
}

export interface TokenRow {
  name: string;
  scopes: Scope[];
  responder: string | null;
  tenants: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
  expires_at: Date | null;
}

export const tokenOf = (row: TokenRow): ApiToken => ({
  name: row.name,
  scopes: row.scopes,
  ...(row.responder ? { responder: row.responder } : {}),
  ...(row.tenants ? { tenants: row.tenants } : {}),
  createdAt: row.created_at.toISOString(),
  ...(row.revoked_at ? { revokedAt: row.revoked_at.toISOString() } : {}),
  ...(row.expires_at ? { expiresAt: row.expires_at.toISOString() } : {}),
});
