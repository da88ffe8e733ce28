import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** What a feed secret may read: one schedule of one policy, or one person's shifts on it. */
export interface OnCallFeed {
  id: string;
  policy: string;
  schedule: string;
  responder?: string;
  by: string;
  createdAt: string;
}

const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * Feed-only capabilities (table `oncall_feeds`): a secret for a calendar app's URL that opens one
 * schedule's iCalendar feed and nothing else. Apart from API tokens on purpose: a leaked feed URL
 * (calendar apps share and sync them) gives no API access, and a feed is revoked on its own.
 */
export class OnCallFeeds {
  constructor(private readonly db: Pool) {}

  async mint(feed: Omit<OnCallFeed, 'id' | 'createdAt'>, at: Date): Promise<{ feed: OnCallFeed; secret: string }> {
    const secret = `kxf_${randomBytes(32).toString('base64url')}`;
    const id = `feed-${randomBytes(6).toString('hex')}`;
    await this.db.query(
      'INSERT INTO oncall_feeds (id, sha256, policy, schedule, responder, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, sha256(secret), feed.policy, feed.schedule, feed.responder ?? null, feed.by, at],
    );
    return { feed: { ...feed, id, createdAt: at.toISOString() }, secret };
  }

  /** The live feed a secret opens, compared by SHA-256 only. */
  async find(secret: string): Promise<OnCallFeed | undefined> {
    const r = await this.db.query<{ id: string; policy: string; schedule: string; responder: string | null; created_by: string; created_at: Date }>(
      'SELECT id, policy, schedule, responder, created_by, created_at FROM oncall_feeds WHERE sha256 = $1 AND revoked_at IS NULL',
      [sha256(secret)],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return { id: row.id, policy: row.policy, schedule: row.schedule, ...(row.responder !== null ? { responder: row.responder } : {}), by: row.created_by, createdAt: row.created_at.toISOString() };
  }

  /** Revokes a live feed of one of `policies`; false when there is none by that id among them. */
  async revoke(id: string, policies: readonly string[], at: Date): Promise<boolean> {
    const r = await this.db.query('UPDATE oncall_feeds SET revoked_at = $2 WHERE id = $1 AND policy = ANY($3) AND revoked_at IS NULL', [id, at, policies]);
    return (r.rowCount ?? 0) > 0;
  }
}
