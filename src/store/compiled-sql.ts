// Hot statements whose SQL knex builds once per shape (table, columns) and that then run on the driver with new values only.

import { Knex } from 'knex';
import type { Transacting } from './lean-transaction';

/** Values by the names the builder was given placeholders for. */
export type Values = Readonly<Record<string, unknown>>;
/** Builds the statement once, with `value(name)` wherever a value goes. */
export type Build = (value: (name: string) => string) => Knex.QueryBuilder;

interface Plan {
  readonly sql: string;
  /** The value name of each `?`, in order. */
  readonly order: readonly string[];
}

const MARK = '\u0000callwarden-value:';

/** The parts of knex's client a compiled statement runs through (knex's own dialect classes). */
export interface DriverClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  prepBindings(bindings: unknown[]): unknown[];
  _query(connection: unknown, query: DriverQuery): Promise<DriverQuery>;
  /** Turns the driver's answer into knex's: rows for 'select', the affected row count for 'update'. */
  processResponse(query: DriverQuery): unknown;
  listenerCount(event: 'query'): number;
  emit(event: 'query', query: DriverQuery & { __knexUid?: unknown }): boolean;
}

/** What a statement's result is read as: nothing, its rows, or how many rows it changed. */
type Method = 'raw' | 'select' | 'update';

interface DriverQuery {
  sql: string;
  bindings: unknown[];
  method: Method;
  options: Record<string, never>;
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
 * Results are read through the dialect's own `processResponse`, as knex reads them: `rows` for
 * a select, `changes` for an update's affected row count.
 */
export class CompiledSql {
  private readonly plans = new Map<string, Plan>();

  /** @param maxShapes Shapes kept (a shape is a key, e.g. the set of columns an upsert writes). */
  constructor(private readonly maxShapes = 64) {}

  /**
   * Runs the statement of shape `key`; `build` makes it with `value(name)` wherever a value goes
   * and is called only the first time (its builder must bind every `value(…)` it is given, and
   * nothing else; a name may be bound more than once).
   */
  async run(db: Knex | Transacting, key: string, values: Values, build: Build): Promise<void> {
    await this.execute(db, key, values, build, 'raw');
  }

  /** The rows of a select (for `limit 1`, write it with `{ skipBinding: true }`: a bound LIMIT is a value, see firstRow). */
  async rows(db: Knex | Transacting, key: string, values: Values, build: Build): Promise<Record<string, unknown>[]> {
    return (await this.execute(db, key, values, build, 'select')) as Record<string, unknown>[];
  }

  /** How many rows an update changed. */
  async changes(db: Knex | Transacting, key: string, values: Values, build: Build): Promise<number> {
    return Number(await this.execute(db, key, values, build, 'update'));
  }

  private async execute(db: Knex | Transacting, key: string, values: Values, build: Build, method: Method): Promise<unknown> {
    let plan = this.plans.get(key);
    if (!plan) {
      plan = compile(build((name) => MARK + name));
      if (this.plans.size >= this.maxShapes) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(key, plan);
    }
    const bindings = plan.order.map((name) => {
      const v = values[name];
      if (v === undefined) throw new Error(`compiled statement ${key}: no value for ${name}`);
      return v;
    });
    // A transaction's statements go on its connection; others take one from the pool and give it back.
    const tx = 'knex' in db ? (db as Transacting) : undefined;
    const client = driverOf(tx ? tx.knex : (db as Knex));
    const connection = tx ? tx.connection : await client.acquireConnection();
    try {
      return await onDriver(client, connection, plan.sql, bindings, method);
    } finally {
      if (!tx) await client.releaseConnection(connection);
    }
  }

  /** `insert into table (…) values (…)` of the row's columns. */
  insert(db: Knex | Transacting, table: string, row: Values): Promise<void> {
    return this.run(db, `insert ${table} ${Object.keys(row).join(',')}`, row, (value) => db(table).insert(named(row, value)));
  }
}

export function driverOf(knex: Knex): DriverClient {
  return knex.client as unknown as DriverClient;
}

/** One statement on a connection the caller holds, through the dialect's driver call (see CompiledSql). */
export async function onDriver(client: DriverClient, connection: unknown, sql: string, bindings: readonly unknown[], method: Method): Promise<unknown> {
  const query: DriverQuery = { sql, bindings: client.prepBindings([...bindings]), method, options: {} };
  if (client.listenerCount('query') > 0) client.emit('query', { ...query, __knexUid: (connection as { __knexUid?: unknown }).__knexUid });
  const answered = await client._query(connection, query);
  return method === 'raw' ? undefined : client.processResponse(answered);
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
    if (typeof b !== 'string' || !b.startsWith(MARK)) throw new Error(`compiled statement: the builder bound a literal (${String(b)}), not a named value`);
    return b.slice(MARK.length);
  });
  // The driver binds each `?` in order: the built SQL must hold exactly one per value (and no `??`, knex's identifier mark).
  if ((sql.match(/\?/g) ?? []).length !== order.length || sql.includes('??')) throw new Error(`compiled statement: unexpected placeholders in ${sql}`);
  return { sql, order };
}
