// The databases the store suite runs against: SQLite always, MariaDB/MySQL when CALLWARDEN_TEST_MYSQL_URL is set.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Knex } from 'knex';
import { migrateRollbackAll } from '../../src/store/migrations';
import { createStoreKnex, StoreDbOptions, StoreLogger } from '../../src/store/store-knex';
import type { StoreTables } from '../../src/store/store-tables';

export const MYSQL_URL_ENV = 'CALLWARDEN_TEST_MYSQL_URL';

/** knex warns on every refused connection; the outage tests provoke those on purpose. */
export const quietLogger: StoreLogger = { warn: () => undefined, error: () => undefined };

export interface TestBackend {
  name: string;
  /** Fresh options pointing at this backend's database (each call may create another pool). */
  dbOptions(): StoreDbOptions;
  tablePrefix: string;
  /** Several daemons (connection pools) may write at once; false for SQLite, which serves one daemon. */
  multiWriter: boolean;
  /** host:port of a networked server, for the tests that cut the connection with a proxy. */
  server?: { host: string; port: number; url: (host: string, port: number) => string };
  /** Removes everything the suite created. */
  cleanup(): Promise<void>;
}

export function sqliteBackend(): TestBackend {
  const dir = mkdtempSync(join(tmpdir(), 'callwarden-store-'));
  return {
    name: 'SQLite (better-sqlite3)',
    dbOptions: () => ({ client: 'better-sqlite3', filename: join(dir, 'store.sqlite'), logger: quietLogger }),
    tablePrefix: '',
    multiWriter: false,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function mysqlBackend(url: string): TestBackend {
  // A unique prefix per run: parallel runs and leftovers of crashed runs never collide.
  const tablePrefix = `cwt${randomBytes(3).toString('hex')}_`;
  const dbOptions = (): StoreDbOptions => ({ client: 'mysql2', url, logger: quietLogger, acquireTimeoutMs: 5000 });
  return {
    name: `MariaDB/MySQL (${url.replace(/\/\/[^@]*@/, '//***@')})`,
    dbOptions,
    tablePrefix,
    multiWriter: true,
    server: {
      host: new URL(url).hostname,
      port: Number(new URL(url).port || 3306),
      url: (host, port) => {
        const u = new URL(url);
        u.hostname = host;
        u.port = String(port);
        return u.toString();
      },
    },
    cleanup: async () => {
      const knex = createStoreKnex(dbOptions());
      try {
        await dropPrefixedTables(knex, tablePrefix);
      } finally {
        await knex.destroy();
      }
    },
  };
}

/** Undoes `migrateLatest` (the tables, the migrations table and its lock), whatever state a test left them in, and closes the pool. */
export async function dropStoreSchema(knex: Knex, tables: StoreTables): Promise<void> {
  await migrateRollbackAll(knex, tables).catch(() => undefined);
  await knex.schema.dropTableIfExists(`${tables.migrations}_lock`).catch(() => undefined);
  await knex.schema.dropTableIfExists(tables.migrations).catch(() => undefined);
  await knex.destroy();
}

export async function dropPrefixedTables(knex: Knex, prefix: string): Promise<void> {
  const rows = (await knex('information_schema.tables')
    .select({ name: 'table_name' })
    .whereRaw('table_schema = database()')) as Array<{ name: string }>;
  for (const { name } of rows.filter((r) => r.name.startsWith(prefix))) {
    await knex.schema.dropTableIfExists(name);
  }
}

/** SQLite always; MariaDB only when the variable is set (then a connection failure fails the suite). */
export function selectBackends(): TestBackend[] {
  const backends = [sqliteBackend()];
  const url = process.env[MYSQL_URL_ENV];
  if (url) backends.push(mysqlBackend(url));
  else {
    console.log(
      `MariaDB store suite not run: set ${MYSQL_URL_ENV}=mysql://root@127.0.0.1:3306/test to run it against MariaDB/MySQL as well.`,
    );
  }
  return backends;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `callwarden-${label}-`));
}
