// Fail closed (issue 8.4): a full disk cuts failed appends back and stops recordings until writes succeed again; the queue is bounded; the lock is atomic; files are owner-only.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DurableOutbox, OUTBOX_FILE, OutboxEntry, parseEntry } from '../../src/store/durable-outbox';
import { diskIo, holdSyncsFrom, type Disk } from '../support/flaky-disk';
import { migrateLatest } from '../../src/store/migrations';
import { openStore } from '../../src/store/open-store';
import { createStoreKnex } from '../../src/store/store-knex';
import { StoreRepository } from '../../src/store/store-repository';
import { WriteQueue, WriteQueueFullError } from '../../src/store/write-queue';
import { EvidenceKeyring } from '../../src/store/evidence-keys';
import { quietLogger, tempDir } from './test-backends';

const entry = (n: number): OutboxEntry => ({
  id: `id-${n}`,
  enqueuedAt: '2026-01-01T00:00:00.000Z',
  write: { op: 'appendEvidence', callId: 'c', kind: 'k', detail: { n, pad: 'x'.repeat(200) }, at: '2026-01-01T00:00:00.000Z' },
});

describe('fail closed', function () {
  const dirs: string[] = [];
  const newDir = (label: string): string => {
    const d = tempDir(label);
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a failed append is cut back: no partial line stays to be glued to the next one', async () => {
    const dir = newDir('outbox-full');
    const disk: Disk = { full: false };
    const { outbox } = await DurableOutbox.open(dir, diskIo(disk));
    await outbox.append([entry(1)]);
    const before = readFileSync(join(dir, OUTBOX_FILE), 'utf8');
    disk.full = true;
    let error: Error | undefined;
    await outbox.append([entry(2), entry(3)]).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/ENOSPC/);
    expect(readFileSync(join(dir, OUTBOX_FILE), 'utf8')).to.equal(before);
    disk.full = false;
    await outbox.append([entry(4)]);
    await outbox.close();
    const again = await DurableOutbox.open(dir);
    expect(again.recovered.map((line) => parseEntry(line)?.id)).to.deep.equal(['id-1', 'id-4']);
    expect(again.discarded).to.equal(0);
    await again.outbox.close();
  });

  describe('the recording gate', () => {
    let knexes: Array<ReturnType<typeof createStoreKnex>> = [];
    afterEach(async () => {
      for (const k of knexes) await k.destroy();
      knexes = [];
    });
    async function queueOn(disk: Disk, extra: Partial<ConstructorParameters<typeof WriteQueue>[0]> = {}): Promise<{ queue: WriteQueue; repo: StoreRepository }> {
      const dir = newDir('gate');
      const knex = createStoreKnex({ client: 'better-sqlite3', filename: join(dir, 'db.sqlite'), logger: quietLogger });
      knexes.push(knex);
      const repo = new StoreRepository(knex);
      await migrateLatest(knex, repo.tables);
      const queue = new WriteQueue({ repository: repo, outboxDir: join(dir, 'outbox'), outboxIo: diskIo(disk), probeMs: 10, retry: { initialMs: 10, maxMs: 50 }, ...extra });
      await queue.start();
      return { queue, repo };
    }

    it('opens only after the rows written so far are fsync\'d', async () => {
      let release!: () => void;
      const disk: Disk = { full: false };
      const { queue } = await queueOn(disk);
      const synced = new Promise<void>((resolve) => (disk.onSync = resolve));
      disk.holdSync = new Promise<void>((r) => (release = r));
      queue.appendEvidence('call-1', 'decision', { record: true, reason: 'the caller agreed with DTMF 1' });
      let opened = false;
      const gate = queue.recordingGate().then((g) => ((opened = true), g));
      await synced; // the decision row is being fsync'd right now
      expect(opened).to.equal(false);
      release();
      expect(await gate).to.deep.equal({ ok: true });
      await queue.close();
    });

    it("waits for its own rows' fsync, not for rows other calls write after it asked", async () => {
      const disk: Disk = { full: false };
      const { queue } = await queueOn(disk);
      // The second batch (another call's rows, accepted after the gate was asked) is held.
      const syncs = holdSyncsFrom(disk, 2);
      queue.appendEvidence('call-a', 'decision', { record: true });
      const gate = queue.recordingGate();
      await syncs.started(1);
      queue.appendEvidence('call-b', 'decision', { record: true });
      // call-a's gate opens though call-b's batch is still being fsync'd.
      expect(await gate).to.deep.equal({ ok: true });
      // A gate asked now covers call-b's row too: it waits for that fsync.
      let bOpened = false;
      const gateB = queue.recordingGate().then((g) => ((bOpened = true), g));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(bOpened).to.equal(false);
      syncs.release();
      expect(await gateB).to.deep.equal({ ok: true });
      await queue.close();
    });

    it("a row written the moment an earlier gate opens waits for its own fsync, not for the end of the batch before it", async () => {
      const disk: Disk = { full: false };
      const { queue } = await queueOn(disk);
      const syncs = holdSyncsFrom(disk, 2);
      queue.appendEvidence('call-a', 'decision', { record: true });
      // The instant call-a's rows are on disk, call-b writes its decision and asks the gate:
      // before the flush that journaled call-a has even wound down.
      let bOpened = false;
      const gateB = new Promise<void>((resolve) => {
        void queue.flushed().then(() => {
          queue.appendEvidence('call-b', 'decision', { record: true });
          void queue.recordingGate().then(() => {
            bOpened = true;
            resolve();
          });
        });
      });
      await syncs.started(2); // call-b's row is being fsync'd, and held
      expect(bOpened).to.equal(false);
      syncs.release();
      await gateB;
      expect(syncs.count()).to.equal(2);
      await queue.close();
    });

    it('refuses while the outbox cannot be written and reopens by itself once it can; the rows still reach the database', async () => {
      const disk: Disk = { full: false };
      const { queue, repo } = await queueOn(disk);
      expect(await queue.recordingGate()).to.deep.equal({ ok: true });
      disk.full = true;
      const closed = once(queue, 'gate');
      queue.appendEvidence('call-2', 'decision', { record: true });
      const refused = await queue.recordingGate();
      expect(refused.ok).to.equal(false);
      expect(refused.ok === false && refused.reason).to.match(/outbox cannot be written \(ENOSPC/);
      expect((await closed)[0]).to.match(/outbox cannot be written/);
      expect(queue.status()).to.include({ outboxHealthy: false });
      // No write at all needed from the calls: the queue probes the disk itself.
      const reopened = new Promise<void>((resolve) => queue.on('gate', (reason) => reason === null && resolve()));
      disk.full = false;
      await reopened;
      expect(await queue.recordingGate()).to.deep.equal({ ok: true });
      await queue.drained();
      expect((await repo.listEvidence('call-2')).map((r) => r.kind)).to.deep.equal(['decision']);
      await queue.close();
    });

    it('is bounded: a full queue refuses writes and recordings instead of growing the heap', async () => {
      const disk: Disk = { full: false };
      const { queue } = await queueOn(disk, { maxPending: 3, prepare: () => Promise.reject(new Error('database down')) });
      for (let i = 0; i < 3; i++) queue.appendEvidence('c', 'k', { i });
      expect(() => queue.appendEvidence('c', 'k', { i: 4 })).to.throw(WriteQueueFullError);
      const gate = await queue.recordingGate();
      expect(gate.ok === false && gate.reason).to.match(/queue is full/);
      expect(queue.status().pending).to.equal(3);
      await queue.close();
    });

    it('refuses every start without an evidence key when one is required (the daemon\'s one line)', async () => {
      const dir = newDir('nokey');
      const store = await openStore({ db: { client: 'better-sqlite3', filename: join(dir, 'data', 'db.sqlite'), logger: quietLogger }, outboxDir: join(dir, 'data', 'outbox'), evidence: { requireKey: true } });
      const gate = await store.queue.recordingGate();
      expect(gate.ok === false && gate.reason).to.match(/no evidence key \(CALLWARDEN_EVIDENCE_KEY\).*calls are still routed/);
      await store.close();
    });
  });

  describe('the outbox lock', () => {
    const script = (dir: string) => `
      const { DurableOutbox } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'store', 'durable-outbox.js'))});
      DurableOutbox.open(${JSON.stringify(dir)}).then(
        ({ outbox }) => { process.stdout.write('won\\n'); process.stdin.on('end', () => outbox.close().then(() => process.exit(0))); process.stdin.resume(); },
        (err) => { process.stdout.write((err.name || 'error') + '\\n'); process.exit(0); });`;

    async function race(dir: string, n: number): Promise<string[]> {
      const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', script(dir)], { stdio: ['pipe', 'pipe', 'inherit'] }));
      const results = await Promise.all(
        children.map(async (c) => {
          let out = '';
          c.stdout.setEncoding('utf8');
          for await (const chunk of c.stdout) {
            out += chunk;
            if (out.includes('\n')) break;
          }
          return out.trim();
        }),
      );
      const lock = readFileSync(join(dir, 'outbox.lock'), 'utf8');
      // The holder's lock is complete the moment it exists: "<pid> <nonce>".
      expect(lock).to.match(/^\d+ [0-9a-f-]{36}\n$/);
      for (const c of children) c.stdin.end();
      await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : once(c, 'exit'))));
      return results;
    }

    it('exactly one of several processes racing for the outbox wins, also over a stale lock', async function () {
      const dir = newDir('lock-race');
      expect((await race(dir, 4)).filter((r) => r === 'won')).to.have.length(1);
      expect(existsSync(join(dir, 'outbox.lock'))).to.equal(false);
      // A lock left by a process that is gone (its pid no longer alive).
      const gone = spawn(process.execPath, ['-e', '0']);
      await once(gone, 'exit');
      writeFileSync(join(dir, 'outbox.lock'), `${gone.pid} 00000000-0000-0000-0000-000000000000\n`);
      const results = await race(dir, 4);
      expect(results.filter((r) => r === 'won'), results.join(',')).to.have.length(1);
      expect(results.filter((r) => r !== 'won').every((r) => r === 'OutboxLockedError')).to.equal(true);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp') || f.includes('stale'))).to.deep.equal([]);
    });
  });

  it('data/ is 0700 and the database, its -wal/-shm, the outbox and the anchor file are 0600 — an old world-readable install is tightened', async () => {
    const root = newDir('modes');
    const data = join(root, 'data');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    writeFileSync(join(data, 'db.sqlite'), '', { mode: 0o644 });
    chmodSync(join(data, 'db.sqlite'), 0o644);
    const keys = new EvidenceKeyring('k1', { k1: 'x'.repeat(32) });
    const store = await openStore({
      db: { client: 'better-sqlite3', filename: join(data, 'db.sqlite'), logger: quietLogger },
      outboxDir: join(data, 'outbox'),
      evidence: { keys, anchorFile: join(data, 'anchors.jsonl') },
    });
    await store.queue.ready();
    store.queue.appendEvidence('c', 'k', {});
    await store.queue.drained();
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(data)).to.equal('700');
    expect(mode(join(data, 'outbox'))).to.equal('700');
    for (const f of ['db.sqlite', 'db.sqlite-wal', 'db.sqlite-shm', 'anchors.jsonl', join('outbox', 'outbox.jsonl')]) {
      expect(mode(join(data, f)), f).to.equal('600');
    }
    await store.close();
  });
});
