import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { hashOf, tokenOf, type ApiToken, type TokenRow } from './api-tokens';
import { databaseStep } from './database-error';

/** How long a console sign-in lasts at most: a working day. A token that expires sooner ends it sooner. */
export const CONSOLE_SESSION_HOURS = 8;

/** A console sign-in as the API finds it: the token it holds, whatever became of that token since. */
export interface ConsoleSession {
  token: ApiToken;
  expiresAt: string;
}

/**
 * Sign-ins to the web console (ledger/migrations/010_console_sessions.sql). The browser keeps
 * only a random secret in an HttpOnly cookie; the token stays here by name, so revoking the
 * token ends its sessions at once, and a sign-out ends the session on every API replica.
 */
export class ConsoleSessions {
  constructor(
    private readonly db: Pool,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new session for `token`; its secret (the cookie's value) is only ever returned here. */
  async start(token: ApiToken): Promise<{ secret: string; expiresAt: Date }> {
    const now = this.now();
    const longest = now.getTime() + CONSOLE_SESSION_HOURS * 3_600_000;
    const expiresAt = new Date(token.expiresAt ? Math.min(longest, Date.parse(token.expiresAt)) : longest);
    const secret = `kxs_${randomBytes(32).toString('base64url')}`;
    await databaseStep('start a console session', async () => {
      // Sessions long over are of no use to anyone: each sign-in clears them away.
      await this.db.query(`DELETE FROM console_sessions WHERE expires_at < $1::timestamptz - interval '1 day'`, [now]);
      await this.db.query('INSERT INTO console_sessions (sha256, token_name, created_at, expires_at) VALUES ($1, $2, $3, $4)', [hashOf(secret), token.name, now, expiresAt]);
    });
    return { secret, expiresAt };
  }

  /** The live session a cookie's secret names (not ended, not expired), with its token as stored now. */
  async find(secret: string): Promise<ConsoleSession | undefined> {
    const r = await databaseStep('look up a console session', () =>
      this.db.query<TokenRow & { session_expires_at: Date }>(
        `SELECT t.name, t.scopes, t.responder, t.tenants, t.created_at, t.revoked_at, t.expires_at, s.expires_at AS session_expires_at
           FROM console_sessions s JOIN api_tokens t ON t.name = s.token_name
          WHERE s.sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > $2`,
        [hashOf(secret), this.now()],
      ),
    );
    const row = r.rows[0];
    return row && { token: tokenOf(row), expiresAt: row.session_expires_at.toISOString() };
  }

  /** Ends the session (sign-out); ending one already ended changes nothing. */
  async end(secret: string): Promise<void> {
    await databaseStep('end a console session', () => this.db.query('UPDATE console_sessions SET ended_at = $2 WHERE sha256 = $1 AND ended_at IS NULL', [hashOf(secret), this.now()]));
  }
}
