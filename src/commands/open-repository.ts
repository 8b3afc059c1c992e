// Opens the configured database for the CLI commands (no queue, no daemon): keys to verify seals, the anchor file to read; read-only ones never create it.

import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import type { CallwardenConfig } from '../config';
import type { AnchorFileCheck, EvidenceKeyring, StoreRepository } from '../store';

export interface OpenedRepository {
  readonly knex: Knex;
  readonly repository: StoreRepository;
  readonly keys: EvidenceKeyring | undefined;
  /** Reads and checks the configured anchor file (undefined: none configured or not written yet). */
  readAnchors(): Promise<AnchorFileCheck | undefined>;
  close(): Promise<void>;
}

/** The database a read-only command was pointed at does not exist (or has no schema yet). */
export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError' as const;
}

/**
 * `readOnly`: for commands that only look (calls, evidence, …): a missing SQLite file is an
 * error naming the file, never a new empty database, and the schema is not migrated.
 * `mustExist`: the same refusal for a command that writes to the daemon's data (purge).
 */
export async function openRepository(config: CallwardenConfig, options: { migrate?: boolean; readOnly?: boolean; mustExist?: boolean } = {}): Promise<OpenedRepository> {
  const { createStoreKnex, EvidenceKeyring, migrateLatest, readAnchorFile, StoreRepository } = await import('../store');
  const sqlite = config.store.client === 'better-sqlite3';
  if ((options.readOnly || options.mustExist) && sqlite && config.store.filename !== ':memory:' && !existsSync(config.store.filename)) {
    throw new NoDatabaseError(
      `no database at ${config.store.filename} (store.filename, CALLWARDEN_DB_FILE): the daemon creates it at its first start, \`callwarden migrate\` creates it empty; is this the configuration the daemon runs with?`,
    );
  }
  const knex = createStoreKnex({ client: config.store.client, url: config.store.url || undefined, filename: config.store.filename });
  const keys = config.evidence ? EvidenceKeyring.fromConfig(config.evidence) : undefined;
  // No anchor writer here: only the daemon appends to the anchor file (its chain assumes one appender).
  const repository = new StoreRepository(knex, { tablePrefix: config.store.tablePrefix || undefined, sealing: keys ? { keys } : {} });
  if (options.readOnly) {
    if (!(await knex.schema.hasTable(repository.tables.calls))) {
      await knex.destroy();
      throw new NoDatabaseError(`${describeDatabase(config)} has no callwarden tables (${repository.tables.calls} is missing): run \`callwarden migrate\` or start the daemon once`);
    }
  } else if (options.migrate !== false) await migrateLatest(knex, repository.tables);
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
