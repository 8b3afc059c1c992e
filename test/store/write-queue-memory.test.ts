// A backlog of accepted writes costs about its outbox lines in memory: one string per write, not an object tree as well.

import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { migrateLatest } from '../../src/store/migrations';
import { createStoreKnex } from '../../src/store/store-knex';
import { storeTables } from '../../src/store/store-tables';
import { StoreRepository } from '../../src/store/store-repository';
import { WriteQueue } from '../../src/store/write-queue';
import { heapAfterGc } from '../support/heap';
import { tempDir } from './test-backends';

describe('WriteQueue memory', () => {
  it('5,000 journaled writes waiting for the database hold ≈ their lines, not a parsed copy besides', async () => {
    const dir = tempDir('queue-memory');
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: ':memory:' });
    // The database is not ready (migrations pending): writes are journaled and wait.
    let release: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (release = resolve));
    const queue = new WriteQueue({ repository: new StoreRepository(knex), outboxDir: dir, prepare: async () => {
        await ready;
        await migrateLatest(knex, storeTables(''));
      } });
    try {
      await queue.start();
      // A decision row as the call controller writes it: a dozen fields, nested lists and objects.
      const detail = (i: number) => ({
        record: true,
        reason: `the caller agreed (digit 1), call ${i}`,
        mode: 'caller-opt-in',
        modeSource: 'group',
        channels: 'both',
        segment: 1,
        masked: false,
        consentPrompt: 'asked',
        announcements: ['recording-started'],
        ruleTrail: ['legal-notice', 'caller-consent', 'conversation-gate', 'agent-consent', 'storage'],
        legalBasis: 'consent',
        input: { group: 'hotline', extension: '1001', consent: 'given', agentConsentOnFile: 'yes', bridged: true, veto: false, supervisors: [{ mode: 'listen', consentOnFile: 'yes' }] },
      });
      const n = 5000;
      const lineBytes = Buffer.byteLength(JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', enqueuedAt: new Date().toISOString(), write: { op: 'appendEvidence', callId: 'call-0000', kind: 'decision', detail: detail(0), at: new Date().toISOString() } }));
      const before = heapAfterGc();
      for (let i = 0; i < n; i++) queue.appendEvidence(`call-${String(i).padStart(4, '0')}`, 'decision', detail(i));
      await queue.flushed();
      const perWrite = (heapAfterGc() - before) / n;
      expect(queue.status().pending).to.equal(n);
      // The line (shared by the queue and the outbox; one byte a character here) plus
      // bookkeeping; a parsed copy of each write besides it was ≈ 1 KiB more
      // (measured: 1,023 bytes a write with a 702-byte line; 2,070 with the copy).
      expect(perWrite, `${perWrite.toFixed(0)} bytes per pending write, line ${lineBytes} bytes`).to.be.below(lineBytes + 500);
      // Nothing lost: once the database is ready, every write arrives.
      release();
      await queue.drained();
      expect(queue.status().pending).to.equal(0);
    } finally {
      release();
      await queue.close();
      await knex.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
