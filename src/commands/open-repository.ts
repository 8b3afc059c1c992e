// Opens the configured database for the read/maintenance CLI commands (no queue, no daemon): keys to verify seals, the anchor file to read.

import type { Knex } from 'knex';
import type { CallwardenConfig } from '../config';
import { AnchorFileCheck, createStoreKnex, EvidenceKeyring, migrateLatest, readAnchorFile, StoreRepository } from '../store';

export interface OpenedRepository {
  readonly knex: Knex;
  readonly repository: StoreRepository;
  readonly keys: EvidenceKeyring | undefined;
  /** Reads and checks the configured anchor file (undefined: none configured or not written yet). */
  readAnchors(): Promise<AnchorFileCheck | undefined>;
  close(): Promise<void>;
}

export async function openRepository(config: CallwardenConfig, options: { migrate?: boolean } = {}): Promise<OpenedRepository> {
  const knex = createStoreKnex({
    client: config.store.client,
    url: config.store.url || undefined,
    filename: config.store.filename,
  });
  const keys = config.evidence ? EvidenceKeyring.fromConfig(config.evidence) : undefined;
  // No anchor writer here: only the daemon appends to the anchor file (its chain assumes one appender).
  const repository = new StoreRepository(knex, { tablePrefix: config.store.tablePrefix || undefined, sealing: keys ? { keys } : {} });
  if (options.migrate !== false) await migrateLatest(knex, repository.tables);
  const anchorFile = config.evidence?.anchorFile;
  return {
    knex,
    repository,
    keys,
    readAnchors: async () => (anchorFile ? readAnchorFile(anchorFile, keys) : undefined),
    close: () => knex.destroy(),
  };
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
