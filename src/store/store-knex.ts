// Builds the knex instance for either engine from a typed options object (the lead maps config onto it).

import { dirname, resolve } from 'node:path';
import { knex, Knex } from 'knex';
import { ensurePrivateDir, ensurePrivateFile, SQLITE_COMPANIONS } from './file-modes';
import { TurnBudget } from '../turn-budget';

/** How long queries may run back to back in one turn of the event loop (SQLite; see src/turn-budget.ts). */
export const SQLITE_TURN_SLICE_MS = 4;
const sqliteTurns = new TurnBudget(SQLITE_TURN_SLICE_MS);

/** Yields before queries that would hold the loop past SQLITE_TURN_SLICE_MS, for this process's SQLite stores. */
export function sqliteTurnYields(): number {
  return sqliteTurns.yields;
}

// knex's own better-sqlite3 client; its _query answers synchronously under an async signature.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const BetterSqlite3Client = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => { _query(connection: unknown, obj: unknown): Promise<unknown> };

/** knex's better-sqlite3 client that gives the event loop a turn between long runs of queries. */
class YieldingSqliteClient extends BetterSqlite3Client {
  override async _query(connection: unknown, obj: unknown): Promise<unknown> {
    const pause = sqliteTurns.pause();
    if (pause) await pause;
    return super._query(connection, obj);
  }
}

export type StoreClient = 'better-sqlite3' | 'mysql2';

/** Where knex's own warnings go (connection errors while the DB is down are expected and handled by the write queue). */
export interface StoreLogger {
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

export interface StoreDbOptions {
  client: StoreClient;
  /** mysql2: `mysql://user:password@host:port/database`; better-sqlite3: `sqlite:///abs/path` or `file:rel/path` (filename wins). */
  url?: string;
  /** better-sqlite3 only; defaults to ./data/callwarden.sqlite (directory created if missing). `:memory:` allowed. */
  filename?: string;
  /** mysql2 pool size; SQLite always uses one connection (better-sqlite3 is synchronous). */
  pool?: { min?: number; max?: number };
  /** How long a query waits for a pool connection before failing (ms, default 10000). */
  acquireTimeoutMs?: number;
  logger?: StoreLogger;
}

export const DEFAULT_SQLITE_FILE = './data/callwarden.sqlite';

/**
 * Both engines: `compileSqlOnError: false` — knex puts a failed query's SQL in front of the
 * driver's message, by default with the bound values written in (phone numbers, caller names,
 * evidence details), and that message reaches the log. The SQL alone says enough.
 */
export function createStoreKnex(options: StoreDbOptions): Knex {
  const log = options.logger && {
    warn: (m: unknown) => options.logger!.warn(String(m)),
    error: (m: unknown) => options.logger!.error(String(m)),
    debug: (m: unknown) => options.logger!.debug?.(String(m)),
    deprecate: (m: unknown) => options.logger!.warn(String(m)),
  };
  const acquireConnectionTimeout = options.acquireTimeoutMs ?? 10_000;
  if (options.client === 'better-sqlite3') {
    const filename = sqliteFilename(options);
    if (filename !== ':memory:') {
      ensurePrivateDir(dirname(filename));
      ensurePrivateFile(filename, SQLITE_COMPANIONS);
    }
    return knex({
      client: YieldingSqliteClient as unknown as typeof Knex.Client,
      connection: { filename },
      useNullAsDefault: true,
      compileSqlOnError: false,
      acquireConnectionTimeout,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets readers (reports, retention) run beside the writer; the busy timeout absorbs short lock waits.
          try {
            if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
            conn.pragma('busy_timeout = 5000');
            cachePreparedStatements(conn, STATEMENT_CACHE_SIZE);
            // -wal/-shm now exist; an older install may have left them world-readable.
            if (filename !== ':memory:') ensurePrivateFile(filename, SQLITE_COMPANIONS);
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
      ...(log ? { log } : {}),
    });
  }
  if (options.client === 'mysql2') {
    if (!options.url) throw new Error('store: mysql2 needs a url (mysql://user:password@host:port/database)');
    return knex({
      client: 'mysql2',
      connection: mysqlConnection(options.url),
      compileSqlOnError: false,
      acquireConnectionTimeout,
      pool: { min: options.pool?.min ?? 0, max: options.pool?.max ?? 10 },
      ...(log ? { log } : {}),
    });
  }
  throw new Error(`store: unsupported client ${String((options as { client: unknown }).client)}`);
}

interface SqliteConnection {
  pragma(s: string): unknown;
  prepare(sql: string): unknown;
}

/** Distinct SQL texts kept prepared per SQLite connection (the daemon's call path uses a few dozen). */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * knex prepares every statement anew (better-sqlite3's prepare was ~5 % of the daemon's CPU in
 * the pipeline bench). A better-sqlite3 statement can be run again and again, so the connection
 * keeps the most recently used ones by SQL text (LRU, bounded: savepoint names and ad-hoc SQL
 * vary). SQLite re-prepares a cached statement by itself after a schema change. The store never
 * sets `safeIntegers` per query (knex would flip it on the shared statement).
 */
export function cachePreparedStatements(conn: SqliteConnection, size: number): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement !== undefined) {
      // Most recently used last: Map keeps insertion order, so the first key is the eviction candidate.
      cache.delete(sql);
      cache.set(sql, statement);
      return statement;
    }
    statement = prepare(sql);
    cache.set(sql, statement);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return statement;
  };
}

/**
 * The first row of a query, as knex's `.first()`, but with the LIMIT written into the SQL. The
 * SQLite of better-sqlite3 is built with STAT4, and there a bound LIMIT (`limit ?`, which
 * `.first()` emits) makes SQLite re-prepare the statement each time a value is bound to it: a
 * keyed read took 6–10 µs instead of about 1, and a cached statement saved nothing.
 */
export async function firstRow(query: Knex.QueryBuilder): Promise<Record<string, unknown> | undefined> {
  const rows = (await query.limit(1, { skipBinding: true })) as Record<string, unknown>[];
  return rows[0];
}

function sqliteFilename(options: StoreDbOptions): string {
  if (options.filename) return options.filename === ':memory:' ? options.filename : resolve(options.filename);
  if (options.url) {
    if (options.url.startsWith('sqlite://')) return resolve(decodeURIComponent(new URL(options.url).pathname));
    if (options.url.startsWith('file:')) return resolve(options.url.slice('file:'.length));
    return resolve(options.url);
  }
  return resolve(DEFAULT_SQLITE_FILE);
}

function mysqlConnection(url: string): Knex.MySql2ConnectionConfig {
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new Error(`store: not a mysql url: ${u.protocol}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('store: the mysql url must name a database');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    // utf8mb4: caller names and evidence details may hold any Unicode.
    charset: 'utf8mb4',
    connectTimeout: Number(u.searchParams.get('connectTimeout') ?? 10_000),
  };
}
