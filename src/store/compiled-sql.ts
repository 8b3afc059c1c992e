// Write statements whose SQL knex builds once per shape (table, columns) and that then run with new values only.

import { Knex } from 'knex';
import type { Transacting } from './lean-transaction';

/** Values by the names the builder was given placeholders for. */
export type Values = Readonly<Record<string, unknown>>;

interface Plan {
  readonly sql: string;
  /** The value name of each `?`, in order. */
  readonly order: readonly string[];
}

const MARK = '\u0000callwarden-value:';

/** The parts of knex's client a compiled statement runs through (knex's own dialect classes). */
interface DriverClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  prepBindings(bindings: unknown[]): unknown[];
  _query(connection: unknown, query: { sql: string; bindings: unknown[]; method: 'raw'; options: Record<string, never> }): Promise<unknown>;
  listenerCount(event: 'query'): number;
  emit(event: 'query', query: { sql: string; bindings: unknown[]; method: 'raw'; __knexUid?: unknown }): boolean;
}

/**
 * knex compiles every query from scratch (builder, compiler, identifier wrapping, binding
 * collection): for the call-row upsert that was more CPU than SQLite's own work. A shape is
 * compiled once here, by the same knex calls as before, with a placeholder string for each value;
 * the placeholders' positions among the bindings say which value goes to which `?`, so the SQL is
 * exactly what knex built for the engine.
 *
 * A run hands the SQL and values to the dialect's driver call (`client._query`, where knex's
 * better-sqlite3 client runs a prepared statement and its mysql2 client `connection.query`) on a
 * connection from knex's pool — not through `knex.raw`, whose raw builder, runner and
 * `ensureConnection` cost more than SQLite's own work on the in-memory database (issue 12's
 * pipeline bench). Same pool, same turn budget (the SQLite client's `_query`), same driver
 * errors; knex's 'query' event is still emitted (tests and `make bench-store` count statements).
 *
 * Only for statements whose result is not read: raw results differ between the drivers.
 */
export class CompiledWrites {
  private readonly plans = new Map<string, Plan>();

  /** @param maxShapes Shapes kept (a shape is a key, e.g. the set of columns an upsert writes). */
  constructor(private readonly maxShapes = 64) {}

  /**
   * Runs the statement of shape `key`; `build` makes it with `value(name)` wherever a value goes
   * and is called only the first time (its builder must bind every `value(…)` it is given, and
   * nothing else).
   */
  async run(db: Knex | Transacting, key: string, values: Values, build: (value: (name: string) => string) => Knex.QueryBuilder): Promise<void> {
    let plan = this.plans.get(key);
    if (!plan) {
      plan = compile(build((name) => MARK + name));
      if (this.plans.size >= this.maxShapes) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(key, plan);
    }
    const bindings = plan.order.map((name) => {
      const v = values[name];
      if (v === undefined) throw new Error(`compiled write ${key}: no value for ${name}`);
      return v;
    });
    // A transaction's statements go on its connection; others take one from the pool and give it back.
    const tx = 'knex' in db ? (db as Transacting) : undefined;
    const client = (tx ? tx.knex : (db as Knex)).client as unknown as DriverClient;
    const connection = tx ? tx.connection : await client.acquireConnection();
    try {
      const query = { sql: plan.sql, bindings: client.prepBindings(bindings), method: 'raw' as const, options: {} };
      if (client.listenerCount('query') > 0) client.emit('query', { ...query, __knexUid: (connection as { __knexUid?: unknown }).__knexUid });
      await client._query(connection, query);
    } finally {
      if (!tx) await client.releaseConnection(connection);
    }
  }

  /** `insert into table (…) values (…)` of the row's columns. */
  insert(db: Knex | Transacting, table: string, row: Values): Promise<void> {
    return this.run(db, `insert ${table} ${Object.keys(row).join(',')}`, row, (value) => db(table).insert(named(row, value)));
  }
}

/** The row with each value replaced by the placeholder of its column. */
export function named(row: Values, value: (name: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(row)) out[k] = value(k);
  return out;
}

function compile(query: Knex.QueryBuilder): Plan {
  const { sql, bindings } = query.toSQL();
  const order = bindings.map((b) => {
    if (typeof b !== 'string' || !b.startsWith(MARK)) throw new Error(`compiled write: the builder bound a literal (${String(b)}), not a named value`);
    return b.slice(MARK.length);
  });
  // raw() reads `?` as a value and `??` as an identifier: the built SQL must hold exactly one `?` per value.
  if ((sql.match(/\?/g) ?? []).length !== order.length || sql.includes('??')) throw new Error(`compiled write: unexpected placeholders in ${sql}`);
  return { sql, order };
}
