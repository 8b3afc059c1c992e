// Public surface of the storage layer.

export { canonicalJson } from './canonical-json';
export { isConflictError, StoreConflictError } from './db-errors';
export { DEAD_LETTER_FILE, DurableOutbox, OUTBOX_FILE, OutboxLockedError } from './durable-outbox';
export type { OutboxEntry, OutboxRecovery } from './durable-outbox';
export { evidenceHash, GENESIS_HASH, verifyEvidenceChain } from './evidence-chain';
export type { ChainHead, EvidenceContent, StoredEvidenceRow } from './evidence-chain';
export { createMigrationSource, migrateLatest, migrateRollbackAll, migrationConfig } from './migrations';
export { listExpiredRecordings, purgeExpiredRecordings } from './retention';
export type { RetentionOptions, RetentionResult } from './retention';
export { createStoreKnex, DEFAULT_SQLITE_FILE } from './store-knex';
export type { StoreClient, StoreDbOptions, StoreLogger } from './store-knex';
export { StoreRepository } from './store-repository';
export type { AppendEvidenceOptions, StoreRepositoryOptions } from './store-repository';
export { openStore } from './open-store';
export type { OpenStoreOptions, Store } from './open-store';
export { storeTables } from './store-tables';
export type { StoreTables } from './store-tables';
export * from './store-types';
export { applyStoreWrite } from './store-write';
export type { StoreWrite } from './store-write';
export { toIso } from './time';
export type { TimeInput } from './time';
export { WriteQueue } from './write-queue';
export type { WriteQueueEvents, WriteQueueOptions, WriteQueueStatus } from './write-queue';
