// One call wires the storage layer for the daemon: knex, migrations, repository (sealed logs, anchor) and the write queue over them.

import { Knex } from 'knex';
import { ChainAnchor } from './chain-anchor';
import type { OutboxIo } from './durable-outbox';
import type { EvidenceKeyring } from './evidence-keys';
import { ensurePrivateDir } from './file-modes';
import { migrateLatest } from './migrations';
import { createStoreKnex, StoreDbOptions } from './store-knex';
import { StoreRepository } from './store-repository';
import { WriteQueue, WriteQueueOptions } from './write-queue';
import { dirname } from 'node:path';

export interface OpenStoreOptions {
  db: StoreDbOptions;
  tablePrefix?: string;
  /** Durable outbox directory, e.g. ./data/outbox. */
  outboxDir: string;
  retry?: WriteQueueOptions['retry'];
  /** Run migrations to latest (default true); done by the queue, so a database that is down at start does not stop the daemon. */
  migrate?: boolean;
  /** Evidence sealing (issue 8.3). */
  evidence?: {
    keys?: EvidenceKeyring;
    /** Without keys no recording starts (the one line is the caller's to log); false in test/demo. */
    requireKey?: boolean;
    /** The anchor file (append-only, fsync'd, hash-chained); absent: no anchoring. */
    anchorFile?: string;
    syslog?: boolean;
  };
  maxPending?: number;
  outboxIo?: OutboxIo;
  /** An anchor line could not be written (the row itself is committed). */
  onAnchorError?: (error: Error) => void;
}

export interface Store {
  knex: Knex;
  /** Direct access for reads and for writes whose result the caller needs (agent counter, consent lookups, the access log). */
  repository: StoreRepository;
  /** Call-path writes: never block, survive a database outage. */
  queue: WriteQueue;
  anchor: ChainAnchor | undefined;
  /** Stops the queue (unapplied writes stay in the outbox) and closes the pool. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/** The one sentence the daemon logs, and every refused start carries, when it has no evidence key. */
export const NO_EVIDENCE_KEY =
  'no evidence key (CALLWARDEN_EVIDENCE_KEY): nothing will be recorded, because evidence could not be sealed; calls are still routed';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const ev = options.evidence ?? {};
  let anchor: ChainAnchor | undefined;
  if (ev.anchorFile) {
    ensurePrivateDir(dirname(ev.anchorFile));
    anchor = await ChainAnchor.open(ev.anchorFile, { ...(ev.keys ? { keys: ev.keys } : {}), ...(ev.syslog ? { syslog: true } : {}) });
  }
  const knex = createStoreKnex(options.db);
  const repository = new StoreRepository(knex, {
    tablePrefix: options.tablePrefix,
    sealing: { ...(ev.keys ? { keys: ev.keys } : {}), ...(anchor ? { anchor } : {}) },
    ...(options.onAnchorError ? { onAnchorError: options.onAnchorError } : {}),
  });
  const queue = new WriteQueue({
    repository,
    outboxDir: options.outboxDir,
    retry: options.retry,
    prepare: options.migrate === false ? undefined : async () => void (await migrateLatest(knex, repository.tables)),
    ...(ev.requireKey && !ev.keys ? { blockRecording: NO_EVIDENCE_KEY } : {}),
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
    ...(options.outboxIo ? { outboxIo: options.outboxIo } : {}),
  });
  await queue.start();
  return {
    knex,
    repository,
    queue,
    anchor,
    async close(closeOptions) {
      await queue.close(closeOptions);
      await knex.destroy();
      await anchor?.close();
    },
  };
}
