import { DatabaseError } from 'pg';

/** Names of the SQLSTATEs and classes a ledger write meets, for messages that quote no value. */
const CONDITIONS: Record<string, string> = {
  '22': 'data exception',
  '22001': 'string data right truncation',
  '22007': 'invalid datetime format',
  '22008': 'datetime field overflow',
  '22021': 'character not in repertoire',
  '22P02': 'invalid text representation',
  '22P05': 'untranslatable character',
  '23': 'integrity constraint violation',
  '23505': 'unique violation',
  '42': 'syntax error or access rule violation',
  '42501': 'insufficient privilege',
  '54': 'program limit exceeded',
  '57': 'operator intervention',
  '08': 'connection exception',
};

export const conditionOf = (sqlstate: string): string => CONDITIONS[sqlstate] ?? CONDITIONS[sqlstate.slice(0, 2)] ?? 'database error';

/**
 * A database error as Klaxon lets it travel: the SQLSTATE, the table, column and constraint,
 * and the step that failed, never the server's message, detail or context, which quote the
 * values (an alert's title, a note) into logs, Temporal failures and CLI output. No `cause`
 * either: Temporal would carry the original along.
 */
export class LedgerDatabaseError extends Error {
  override readonly name = 'LedgerDatabaseError';
  readonly sqlstate: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;

  constructor(readonly step: string, err: DatabaseError) {
    const sqlstate = err.code ?? 'XX000';
    const where = [err.table && `table ${err.table}`, err.column && `column ${err.column}`, err.constraint && `constraint ${err.constraint}`].filter(Boolean).join(', ');
    super(`${step}: the database refused it (SQLSTATE ${sqlstate}, ${conditionOf(sqlstate)}${where ? `; ${where}` : ''})`);
    this.sqlstate = sqlstate;
    if (err.table) this.table = err.table;
    if (err.column) this.column = err.column;
    if (err.constraint) this.constraint = err.constraint;
  }

  /**
   * Whether the same write can never succeed: the data itself is refused (data exceptions,
   * constraint violations, limits). A unique violation is not: under the ledger's lock it means
   * a concurrent writer stored the step, which the next try finds. Connection failures, a
   * server shutting down or missing grants are not either: those heal, and the write waits.
   */
  get permanent(): boolean {
    const cls = this.sqlstate.slice(0, 2);
    return (cls === '22' || cls === '23' || cls === '54') && this.sqlstate !== '23505';
  }
}

/**
 * Runs one step against the database; a refusal by the server comes out as a
 * LedgerDatabaseError naming the step. Anything else (a connection error, which quotes no
 * value; the caller's own errors) passes as it is.
 */
export async function databaseStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DatabaseError) throw new LedgerDatabaseError(step, err);
    throw err;
  }
}
