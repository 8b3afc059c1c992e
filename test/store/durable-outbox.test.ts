// The outbox file on its own: recovery after a crash, corrupt lines, compaction, the directory lock.

import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open as fsOpen } from 'node:fs/promises';
import { join } from 'node:path';
import { DEAD_LETTER_FILE, DurableOutbox, OUTBOX_FILE, OutboxEntry, parseEntry } from '../../src/store/durable-outbox';
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
    expect(again.recovered.map((line) => parseEntry(line)?.id)).to.deep.equal(['id-1', 'id-2', 'id-3']);
    await again.outbox.close();
  });

  it('drops a torn last line and dead-letters a corrupt middle line', async function () {
    writeFileSync(join(dir, OUTBOX_FILE), `${JSON.stringify(entry(1))}\nnot json\n${JSON.stringify(entry(2))}\n{"id":"to`);
    const { outbox, recovered, discarded } = await DurableOutbox.open(dir);
    expect(recovered.map((line) => parseEntry(line)?.id)).to.deep.equal(['id-1', 'id-2']);
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

  it('compaction keeps what was acknowledged while it ran, and the pending lines byte for byte', async function () {
    // The write queue applies and acknowledges while the file is rewritten: here, as the new file is opened.
    let during = (): void => undefined;
    const io = {
      open: ((path: string, ...rest: unknown[]) => {
        if (path.endsWith('.tmp')) during();
        return (fsOpen as (...a: unknown[]) => unknown)(path, ...rest);
      }) as typeof fsOpen,
    };
    const { outbox } = await DurableOutbox.open(dir, io);
    await outbox.append([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(entry));
    for (let i = 0; i < 5; i++) outbox.acknowledge();
    const before = readFileSync(join(dir, OUTBOX_FILE), 'utf8');
    during = () => {
      during = () => undefined;
      outbox.acknowledge();
      outbox.acknowledge();
    };
    await outbox.settle(3);
    expect(readFileSync(join(dir, OUTBOX_FILE), 'utf8')).to.equal(before.split('\n').slice(5).join('\n'));
    for (let i = 0; i < 3; i++) outbox.acknowledge();
    await outbox.settle(3);
    expect(readFileSync(join(dir, OUTBOX_FILE), 'utf8')).to.equal('');
    await outbox.append([entry(11)]);
    expect(lines().map((l) => (JSON.parse(l) as OutboxEntry).id)).to.deep.equal(['id-11']);
    await outbox.close();
  });

  it('compaction does not encode the pending lines again on the event loop (40 MB pending: a few ms of its thread)', async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(60_000);
    const cpuMs = (): number => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
    const { outbox } = await DurableOutbox.open(dir);
    const big = (n: number): OutboxEntry => ({ ...entry(n), write: { op: 'appendEvidence', callId: 'c', kind: 'k', detail: { n, pad: 'é'.repeat(500) }, at: '2026-01-01T00:00:00.000Z' } });
    for (let b = 0; b < 40; b++) await outbox.append(Array.from({ length: 1000 }, (_, i) => big(b * 1000 + i)));
    for (let i = 0; i < 1000; i++) outbox.acknowledge();
    const before = cpuMs();
    await outbox.settle(1000);
    const spent = cpuMs() - before;
    const left = lines();
    expect(left).to.have.length(39_000);
    expect((JSON.parse(left[0]!) as OutboxEntry).id).to.equal('id-1000');
    // Encoded again (join and UTF-8 of 40 MB) it cost this machine's main thread 390–530 ms; copied, 10–40 ms.
    expect(spent, `main-thread CPU of the compaction: ${spent.toFixed(1)} ms`).to.be.below(120);
    await outbox.close();
  });

  it('takes over a lock left by a process that no longer exists', async function () {
    writeFileSync(join(dir, 'outbox.lock'), '2147483646');
    const { outbox } = await DurableOutbox.open(dir);
    await outbox.close();
    expect(existsSync(join(dir, 'outbox.lock'))).to.equal(false);
  });
});
