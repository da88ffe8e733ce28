import { createAuditStore } from '@klaxon/next/server';

/**
 * The app's record of who read which tenant's data: rows of `klaxon_data_access` in the app's
 * own PostgreSQL (DATABASE_URL), append-only. Without DATABASE_URL the app runs unaudited, as
 * the demo does on a laptop; instrumentation.ts creates the table when the server starts.
 */
export const audit = process.env.DATABASE_URL ? createAuditStore({ connectionString: process.env.DATABASE_URL }) : undefined;
