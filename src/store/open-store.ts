// One call wires the storage layer for the daemon: knex, migrations, repository and the write queue over them.

import { Knex } from 'knex';
import { migrateLatest } from './migrations';
import { createStoreKnex, StoreDbOptions } from './store-knex';
import { StoreRepository } from './store-repository';
import { WriteQueue, WriteQueueOptions } from './write-queue';

export interface OpenStoreOptions {
  db: StoreDbOptions;
  tablePrefix?: string;
  /** Durable outbox directory, e.g. ./data/outbox. */
  outboxDir: string;
  retry?: WriteQueueOptions['retry'];
  /** Run migrations to latest (default true); done by the queue, so a database that is down at start does not stop the daemon. */
  migrate?: boolean;
}

export interface Store {
  knex: Knex;
  /** Direct access for reads and for writes whose result the caller needs (agent counter, consent lookups). */
  repository: StoreRepository;
  /** Call-path writes: never block, survive a database outage. */
  queue: WriteQueue;
  /** Stops the queue (unapplied writes stay in the outbox) and closes the pool. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const knex = createStoreKnex(options.db);
  const repository = new StoreRepository(knex, { tablePrefix: options.tablePrefix });
  const queue = new WriteQueue({
    repository,
    outboxDir: options.outboxDir,
    retry: options.retry,
    prepare: options.migrate === false ? undefined : async () => void (await migrateLatest(knex, repository.tables)),
  });
  await queue.start();
  return {
    knex,
    repository,
    queue,
    async close(closeOptions) {
      await queue.close(closeOptions);
      await knex.destroy();
    },
  };
}
