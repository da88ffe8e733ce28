import { loadConfig } from '../config/environment';
import { openDatabase } from '../ledger/database';
import { migrate } from '../ledger/migrate';
import { grantRuntimeRole } from '../ledger/runtime-role';

/**
 * The ledger database's one-shot set-up (docker-compose.yml `ledger-setup`), run as the
 * schema's owner: applies the migrations, then creates the runtime role the worker and the API
 * connect as (KLAXON_RUNTIME_ROLE, default klaxon_app, password KLAXON_RUNTIME_PASSWORD) with
 * the grants of ledger/runtime-role.ts and nothing more. Safe to run again on every deploy.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.databaseUrl) throw new Error('DATABASE_URL must name the ledger database, as its owner');
  const password = process.env.KLAXON_RUNTIME_PASSWORD;
  if (!password) throw new Error('KLAXON_RUNTIME_PASSWORD must be set: the runtime role logs in with it');
  const role = process.env.KLAXON_RUNTIME_ROLE || 'klaxon_app';
  const db = openDatabase(config.databaseUrl);
  try {
    const applied = await migrate(db);
    console.log(`klaxon ledger-setup: ${applied.length ? `applied ${applied.join(', ')}` : 'migrations up to date'}`);
    await grantRuntimeRole(db, role, password);
    console.log(`klaxon ledger-setup: role ${role} may add and read audit records, and nothing more`);
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  console.error(`klaxon ledger-setup: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
