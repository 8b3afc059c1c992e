// A transaction on one pooled connection without knex's per-transaction client object.

import { Knex } from 'knex';
import { driverOf, onDriver } from './compiled-sql';

/** What a transaction's work may use: `tx(table)` and `tx.raw(…)`, both bound to the transaction's connection. */
export interface Transacting {
  (table: string): Knex.QueryBuilder;
  raw(sql: string, bindings?: readonly Knex.RawBinding[]): Knex.Raw;
  /** The knex instance and the connection the transaction holds (for statements run on the driver directly, src/store/compiled-sql.ts). */
  readonly knex: Knex;
  readonly connection: unknown;
}

/**
 * Runs `work` between BEGIN and COMMIT on one connection taken from knex's pool (ROLLBACK and
 * the error rethrown when it fails), as `knex.transaction` does for a top-level transaction
 * without options — but `knex.transaction` builds a whole knex instance for every transaction
 * (`makeTransactor`, which redefines every property of knex on a new function). The daemon opens
 * one for every evidence row; under load those instances were most of what survived the young
 * generation (≈ 6 MB/s promoted at 2,000 live calls, issue 12), so the collector's pauses
 * grew to tens of milliseconds. Queries here are the same builders and the same SQL, run with
 * `.connection(…)` on the taken connection.
 *
 * Not nestable, and work must not use the plain knex instance for the same engine's single
 * SQLite connection (it would wait for the connection this transaction holds — as with knex).
 */
export async function inTransaction<T>(knex: Knex, work: (tx: Transacting) => Promise<T>): Promise<T> {
  // knex's client: the connection is taken and given back by hand, and BEGIN / COMMIT / ROLLBACK
  // go straight to the driver (knex's raw runner cost more than SQLite's work on them).
  const driver = driverOf(knex);
  const connection = await driver.acquireConnection();
  try {
    const raw: Transacting['raw'] = (sql, bindings) => (bindings === undefined ? knex.raw(sql) : knex.raw(sql, bindings as Knex.RawBinding[])).connection(connection);
    const tx: Transacting = Object.assign((table: string) => knex(table).connection(connection), { raw, knex, connection });
    await onDriver(driver, connection, 'BEGIN;', [], 'raw');
    let result: T;
    try {
      result = await work(tx);
      await onDriver(driver, connection, 'COMMIT;', [], 'raw');
    } catch (err) {
      try {
        await onDriver(driver, connection, 'ROLLBACK;', [], 'raw');
      } catch {
        // SQLite ends a transaction by itself on some errors, and a broken MySQL connection
        // is dropped by the pool's validation when it is next taken: the first error counts.
      }
      throw err;
    }
    return result;
  } finally {
    await driver.releaseConnection(connection);
  }
}
