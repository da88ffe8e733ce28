import type { PoolClient } from 'pg';
import type { AuditPayload } from '../core/audit/events';
import type { Actor } from '../core/incident/actor';
import { MaintenanceInputError, WINDOW_LIMITS } from '../core/maintenance/window-input';
import { maintenanceChain, overlapping, type MaintenanceWindow } from '../core/maintenance/window';
import { SUMMARY_TITLES, type HeldTally } from '../core/maintenance/summary';
import { databaseStep } from './database-error';
import type { LedgerStore } from './store';

interface Row {
  id: string;
  tenant: string;
  source: string | null;
  service: string | null;
  from_at: Date;
  until_at: Date | null;
  open_ended: string | null;
  reason: string;
  allow_sev1_personal_data: boolean;
  created_by: string;
  created_at: Date;
  held: number;
  bypassed: number;
  ended_at: Date | null;
  ended_by: string | null;
}

/** A window as the list shows it: with how many SEV1s with personal data paged anyway. */
export type StoredWindow = MaintenanceWindow & { held: number; bypassed: number };
/** A list answer: the windows, and whether more than MAINTENANCE_LIST_LIMIT matched. */
export type WindowList = { windows: StoredWindow[]; more: boolean };
/** A list is read in one query and shown on one page: 10 tenants at their 50 each. */
export const MAINTENANCE_LIST_LIMIT = 500;

const toWindow = (r: Row): StoredWindow => ({
  id: r.id,
  tenant: r.tenant,
  ...(r.source !== null ? { source: r.source } : {}),
  ...(r.service !== null ? { service: r.service } : {}),
  from: r.from_at.toISOString(),
  until: r.until_at === null ? null : r.until_at.toISOString(),
  ...(r.open_ended !== null ? { openEnded: r.open_ended } : {}),
  reason: r.reason,
  by: r.created_by,
  allowSev1PersonalData: r.allow_sev1_personal_data,
  createdAt: r.created_at.toISOString(),
  held: r.held,
  bypassed: r.bypassed,
  ...(r.ended_at !== null ? { endedAt: r.ended_at.toISOString(), endedBy: r.ended_by ?? '' } : {}),
});

/** What ending a window found: the window as ended now, none by that id, or ended already. */
export type EndOutcome = { ended: StoredWindow } | { unknown: true } | { already: StoredWindow };

/** An alert a window met, as its ledger event records it. */
export type MetAlert = AuditPayload<'maintenance.alert_held'>;
/** Why an alert a window met paged anyway, and the incident it opened. */
export type MetBypass = { reason: string; incidentId: string };

/**
 * Maintenance windows in the ledger database (table `maintenance_windows`), shared by every API
 * replica and read at every alert. Opening checks overlaps and inserts under the ledger's lock,
 * in the transaction that records `maintenance.started`: two replicas opening windows of one
 * scope at once cannot both pass the check, and no window exists that the ledger does not show.
 * The database being away throws; the caller decides (the alert route pages: fail open).
 */
export class MaintenanceWindows {
  constructor(private readonly ledger: LedgerStore) {}

  private get db() {
    return this.ledger.db;
  }

  async open(w: MaintenanceWindow, actor: Actor): Promise<StoredWindow> {
    return this.ledger.locked('open a maintenance window', async (client) => {
      const live = await client.query<Row>('SELECT * FROM maintenance_windows WHERE tenant = $1 AND ended_at IS NULL', [w.tenant]);
      const windows = live.rows.map(toWindow);
      // Every alert of the tenant reads its live windows, and each window has a workflow: a
      // script opening windows in a loop must not slow every alert down or fill Temporal.
      const notOver = windows.filter((x) => x.until === null || Date.parse(x.until) > Date.parse(w.createdAt)).length;
      if (notOver >= WINDOW_LIMITS.perTenant) {
        throw new MaintenanceInputError(`tenant ${w.tenant} already has ${WINDOW_LIMITS.perTenant} maintenance windows live or to come; end some first`, 409);
      }
      const clash = overlapping(w, windows);
      if (clash) {
        throw new MaintenanceInputError(`window ${clash.id} (${clash.from} until ${clash.until ?? 'ended by command'}) already covers this scope then; end it or pick another time`, 409);
      }
      const r = await client.query<Row>(
        `INSERT INTO maintenance_windows (id, tenant, source, service, from_at, until_at, open_ended, reason, allow_sev1_personal_data, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [w.id, w.tenant, w.source ?? null, w.service ?? null, w.from, w.until, w.openEnded ?? null, w.reason, w.allowSev1PersonalData, w.by, w.createdAt],
      );
      await this.ledger.appendIn(client, {
        incidentId: maintenanceChain(w.tenant),
        stepKey: `${maintenanceChain(w.tenant)}/${w.id}/started`,
        kind: 'maintenance.started',
        occurredAt: w.createdAt,
        actor,
        payload: {
          ...scopeOf(w),
          from: w.from,
          until: w.until,
          ...(w.openEnded !== undefined ? { openEnded: w.openEnded } : {}),
          reason: w.reason,
          allowSev1PersonalData: w.allowSev1PersonalData,
        },
      });
      return toWindow(r.rows[0]);
    });
  }

  async get(id: string): Promise<StoredWindow | undefined> {
    const r = await databaseStep('read a maintenance window', () => this.db.query<Row>('SELECT * FROM maintenance_windows WHERE id = $1', [id]));
    return r.rows[0] && toWindow(r.rows[0]);
  }

  /** The windows of `tenant` holding alerts at `at`, or with `through`, at some instant from `at` to `through`. */
  async liveFor(tenant: string, at: Date, through: Date = at): Promise<StoredWindow[]> {
    const r = await databaseStep('read the live maintenance windows', () =>
      this.db.query<Row>('SELECT * FROM maintenance_windows WHERE tenant = $1 AND ended_at IS NULL AND from_at <= $3 AND (until_at IS NULL OR until_at > $2)', [tenant, at, through]),
    );
    return r.rows.map(toWindow);
  }

  /**
   * Windows not over at `now` (live or to come), of the given tenants (all when absent); with
   * `recent`, also those ended in the last day. At most MAINTENANCE_LIST_LIMIT, earliest first;
   * `more` says that others were left out.
   */
  async list(q: { tenants?: readonly string[]; recent?: boolean }, now: Date): Promise<WindowList> {
    const since = q.recent ? new Date(now.getTime() - 86_400_000) : now;
    const r = await databaseStep('list the maintenance windows', () =>
      this.db.query<Row>(
        `SELECT * FROM maintenance_windows
         WHERE ($1::text[] IS NULL OR tenant = ANY($1)) AND LEAST(COALESCE(ended_at, 'infinity'), COALESCE(until_at, 'infinity')) > $2
         ORDER BY from_at, id LIMIT $3`,
        [q.tenants ?? null, since, MAINTENANCE_LIST_LIMIT + 1],
      ),
    );
    return { windows: r.rows.slice(0, MAINTENANCE_LIST_LIMIT).map(toWindow), more: r.rows.length > MAINTENANCE_LIST_LIMIT };
  }

  /** Ends a window in one statement; a second end finds it ended already. */
  async end(id: string, by: string, at: Date): Promise<EndOutcome> {
    const r = await databaseStep('end a maintenance window', () =>
      this.db.query<Row>('UPDATE maintenance_windows SET ended_at = $2, ended_by = $3 WHERE id = $1 AND ended_at IS NULL RETURNING *', [id, at, by]),
    );
    if (r.rows[0]) return { ended: toWindow(r.rows[0]) };
    const found = await this.get(id);
    return found ? { already: found } : { unknown: true };
  }

  /**
   * Ends a window whose workflow cannot end it (it did not start, or it is gone), recording
   * `maintenance.ended` with the reason and what it held; false when it had ended already.
   */
  async abandon(w: MaintenanceWindow, why: string, at: Date, actor: Actor = { type: 'system', name: 'klaxon' }): Promise<boolean> {
    return this.ledger.locked('end a maintenance window without its workflow', async (client) => {
      const r = await client.query<Row>('UPDATE maintenance_windows SET ended_at = $2, ended_by = $3 WHERE id = $1 AND ended_at IS NULL RETURNING *', [w.id, at, actor.name]);
      const row = r.rows[0];
      if (!row) return false;
      await this.ledger.appendIn(client, {
        incidentId: maintenanceChain(w.tenant),
        stepKey: `${maintenanceChain(w.tenant)}/${w.id}/ended`,
        kind: 'maintenance.ended',
        occurredAt: at.toISOString(),
        actor,
        payload: { ...scopeOf(w), endedAt: at.toISOString(), expired: false, held: row.held, bypassed: row.bypassed, summary: { none: why.slice(0, 300) } },
      });
      return true;
    });
  }

  /**
   * Records an alert a window held back (or, `bypass`, paged anyway) and counts it, in one
   * transaction: a delivery retried (same delivery id) is recorded and counted once. Throws when
   * the window has ended meanwhile (see `recordMany`).
   */
  async recordMet(w: MaintenanceWindow, alert: MetAlert, bypass: MetBypass | undefined, at: Date): Promise<void> {
    const [recorded] = await this.recordMany([{ window: w, alert, ...(bypass ? { bypass } : {}) }], at);
    if (!recorded) throw new Error(`maintenance window ${w.id} has ended meanwhile`);
  }

  /**
   * Records the alerts of one delivery that windows met, all in one transaction under the
   * ledger's lock: a storm of a thousand alerts in one request takes one lock, not a thousand
   * one after another (each of which the alert route waits for only 2 s before paging). Answers,
   * per entry, whether it is recorded (a delivery retried is recorded and counted once). A
   * window's row is locked first: one ending meanwhile (`end`) waits for these records, and one
   * ended already refuses its entries (false). Its end has counted what it held and posted the
   * summary; a hold recorded after that would be in no summary, so that alert pages instead.
   */
  async recordMany(entries: ReadonlyArray<{ window: MaintenanceWindow; alert: MetAlert; bypass?: MetBypass }>, at: Date): Promise<boolean[]> {
    if (entries.length === 0) return [];
    return this.ledger.locked('record the alerts maintenance windows met', async (client: PoolClient) => {
      const ids = [...new Set(entries.map((e) => e.window.id))].sort();
      const open = new Set((await client.query<{ id: string }>('SELECT id FROM maintenance_windows WHERE id = ANY($1) AND ended_at IS NULL ORDER BY id FOR UPDATE', [ids])).rows.map((r) => r.id));
      const counts = new Map<string, { held: number; bypassed: number }>();
      const recorded: boolean[] = [];
      for (const { window: w, alert, bypass } of entries) {
        if (!open.has(w.id)) {
          recorded.push(false);
          continue;
        }
        const chain = maintenanceChain(w.tenant);
        const kind = bypass ? 'maintenance.bypassed' : 'maintenance.alert_held';
        const base = { incidentId: chain, stepKey: `${chain}/${w.id}/${kind}/${alert.deliveryId}`, occurredAt: at.toISOString(), actor: { type: 'system' as const, name: 'klaxon-maintenance' } };
        const done = bypass ? await this.ledger.appendIn(client, { ...base, kind: 'maintenance.bypassed', payload: { ...alert, ...bypass } }) : await this.ledger.appendIn(client, { ...base, kind: 'maintenance.alert_held', payload: alert });
        if (done.outcome === 'stored') {
          const c = counts.get(w.id) ?? { held: 0, bypassed: 0 };
          if (bypass) c.bypassed += 1;
          else c.held += 1;
          counts.set(w.id, c);
        }
        recorded.push(true);
      }
      for (const [id, c] of counts) await client.query('UPDATE maintenance_windows SET held = held + $2, bypassed = bypassed + $3 WHERE id = $1', [id, c.held, c.bypassed]);
      return recorded;
    });
  }

  /** Whether the window recorded this delivery as held (a replay of it is answered as held). */
  async wasHeld(w: MaintenanceWindow, deliveryId: string): Promise<boolean> {
    const chain = maintenanceChain(w.tenant);
    const r = await databaseStep('read a held alert', () => this.db.query('SELECT 1 FROM ledger_events WHERE step_key = $1', [`${chain}/${w.id}/maintenance.alert_held/${deliveryId}`]));
    return (r.rowCount ?? 0) > 0;
  }

  /** What a window held back, from its ledger records: per source and severity, the first titles, and the SEV1s paged anyway. */
  async tally(w: MaintenanceWindow): Promise<HeldTally> {
    const chain = maintenanceChain(w.tenant);
    return databaseStep('count what a maintenance window held', async () => {
      const counts = await this.db.query<{ source: string; severity: string; count: number }>(
        `SELECT payload->>'source' AS source, payload->>'severity' AS severity, count(*)::int AS count FROM ledger_events
         WHERE incident_id = $1 AND kind = 'maintenance.alert_held' AND payload->>'window' = $2 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 50`,
        [chain, w.id],
      );
      const titles = await this.db.query<{ title: string }>(
        `SELECT payload->>'title' AS title FROM ledger_events WHERE incident_id = $1 AND kind = 'maintenance.alert_held' AND payload->>'window' = $2 ORDER BY seq LIMIT $3`,
        [chain, w.id, SUMMARY_TITLES],
      );
      const bypassed = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_events WHERE incident_id = $1 AND kind = 'maintenance.bypassed' AND payload->>'window' = $2`, [chain, w.id]);
      return { counts: counts.rows, titles: titles.rows.map((r) => r.title), bypassed: bypassed.rows[0].n };
    });
  }
}

/** The scope of a window as its ledger events name it. */
export const scopeOf = (w: Pick<MaintenanceWindow, 'id' | 'tenant' | 'source' | 'service'>) => ({
  id: w.id,
  tenant: w.tenant,
  ...(w.source !== undefined ? { source: w.source } : {}),
  ...(w.service !== undefined ? { service: w.service } : {}),
});
