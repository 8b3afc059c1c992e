// The outbox file on its own: recovery after a crash, corrupt lines, compaction, the directory lock.

import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEAD_LETTER_FILE, DurableOutbox, OUTBOX_FILE, OutboxEntry } from '../../src/store/durable-outbox';
import { tempDir } from './test-backends';

const entry = (n: number): OutboxEntry => ({
  id: `id-${n}`,
  enqueuedAt: '2026-01-01T00:00:00.000Z',
  write: { op: 'appendEvidence', callId: 'c', kind: 'k', detail: { n }, at: '2026-01-01T00:00:00.000Z' },
});

describe('DurableOutbox', function () {
  let dir: string;
  beforeEach(() => (dir = tempDir('outbox-unit')));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (): string[] => readFileSync(join(dir, OUTBOX_FILE), 'utf8').split('\n').filter(Boolean);

  it('recovers journaled entries in order after the process went away', async function () {
    const { outbox } = await DurableOutbox.open(dir);
    await outbox.append([entry(1), entry(2)]);
    await outbox.append([entry(3)]);
    await outbox.close();
    const again = await DurableOutbox.open(dir);
    expect(again.recovered.map((e) => e.id)).to.deep.equal(['id-1', 'id-2', 'id-3']);
    await again.outbox.close();
  });

  it('drops a torn last line and dead-letters a corrupt middle line', async function () {
    writeFileSync(join(dir, OUTBOX_FILE), `${JSON.stringify(entry(1))}\nnot json\n${JSON.stringify(entry(2))}\n{"id":"to`);
    const { outbox, recovered, discarded } = await DurableOutbox.open(dir);
    expect(recovered.map((e) => e.id)).to.deep.equal(['id-1', 'id-2']);
    expect(discarded).to.equal(2);
    expect(lines()).to.have.length(2);
    expect(readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8')).to.contain('not json');
    await outbox.append([entry(3)]);
    expect(lines().map((l) => (JSON.parse(l) as OutboxEntry).id)).to.deep.equal(['id-1', 'id-2', 'id-3']);
    await outbox.close();
  });

  it('empties the file when all is acknowledged and compacts a long applied head', async function () {
    const { outbox } = await DurableOutbox.open(dir);
    await outbox.append([1, 2, 3, 4, 5].map(entry));
    outbox.acknowledge();
    await outbox.settle(3);
    expect(lines()).to.have.length(5); // below the compaction threshold: left alone
    outbox.acknowledge();
    outbox.acknowledge();
    await outbox.settle(3);
    expect(lines().map((l) => (JSON.parse(l) as OutboxEntry).id)).to.deep.equal(['id-4', 'id-5']);
    await outbox.append([entry(6)]);
    outbox.acknowledge();
    outbox.acknowledge();
    outbox.acknowledge();
    await outbox.settle(3);
    expect(readFileSync(join(dir, OUTBOX_FILE), 'utf8')).to.equal('');
    await outbox.close();
  });

  it('takes over a lock left by a process that no longer exists', async function () {
    writeFileSync(join(dir, 'outbox.lock'), '2147483646');
    const { outbox } = await DurableOutbox.open(dir);
    await outbox.close();
    expect(existsSync(join(dir, 'outbox.lock'))).to.equal(false);
  });
});
