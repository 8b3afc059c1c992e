// Opens the configured database for the read/maintenance CLI commands (no queue, no daemon).

import type { Knex } from 'knex';
import type { CallwardenConfig } from '../config';
import { createStoreKnex, migrateLatest, StoreRepository } from '../store';

export interface OpenedRepository {
  readonly knex: Knex;
  readonly repository: StoreRepository;
  close(): Promise<void>;
}

export async function openRepository(config: CallwardenConfig, options: { migrate?: boolean } = {}): Promise<OpenedRepository> {
  const knex = createStoreKnex({
    client: config.store.client,
    url: config.store.url || undefined,
    filename: config.store.filename,
  });
  const repository = new StoreRepository(knex, { tablePrefix: config.store.tablePrefix || undefined });
  if (options.migrate !== false) await migrateLatest(knex, repository.tables);
  return { knex, repository, close: () => knex.destroy() };
}

/** Where the data lives, for messages (never the credentials). */
export function describeDatabase(config: CallwardenConfig): string {
  if (config.store.client === 'better-sqlite3') return `SQLite ${config.store.filename}`;
  try {
    const url = new URL(config.store.url);
    return `MySQL ${url.hostname}:${url.port || 3306}${url.pathname}`;
  } catch {
    return 'MySQL (store.url)';
  }
}
