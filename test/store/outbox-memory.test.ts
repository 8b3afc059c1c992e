// The outbox keeps in memory only the lines it may write again: an applied line's text goes at once.

import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { DurableOutbox, type OutboxEntry } from '../../src/store/durable-outbox';
import { tempDir } from './test-backends';
import { heapAfterGc } from '../support/heap';

describe('DurableOutbox memory', () => {
  it('200 applied lines of 20 KB each, awaiting compaction, leave well under 1 MB in memory', async () => {
    const dir = tempDir('outbox-memory');
    try {
      const { outbox } = await DurableOutbox.open(dir);
      const pad = 'x'.repeat(20_000);
      const entries = (from: number, n: number): OutboxEntry[] =>
        Array.from({ length: n }, (_, i) => ({
          id: `id-${from + i}`,
          enqueuedAt: '2026-01-01T00:00:00.000Z',
          write: { op: 'appendEvidence', callId: 'c', kind: 'k', detail: { pad }, at: '2026-01-01T00:00:00.000Z' },
        }));
      const before = heapAfterGc();
      await outbox.append(entries(0, 200));
      // One more not applied: the file is not emptied, the applied head waits for compaction.
      await outbox.append(entries(200, 1));
      for (let i = 0; i < 200; i++) outbox.acknowledge();
      await outbox.settle(1000);
      expect(outbox.acknowledged).to.equal(200);
      const kept = heapAfterGc() - before;
      // Kept whole, the 200 lines are 4 MB.
      expect(kept, `${kept} bytes kept`).to.be.below(1_000_000);
      await outbox.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
