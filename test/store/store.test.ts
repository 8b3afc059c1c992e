// The store suite, run unchanged against every selected backend (SQLite always, MariaDB when configured).

import { expect } from 'chai';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Knex } from 'knex';
import { runPurge } from '../../src/lifecycle/purge';
import { DEAD_LETTER_FILE, OUTBOX_FILE, OutboxLockedError } from '../../src/store/durable-outbox';
import { migrateLatest, migrateRollbackAll } from '../../src/store/migrations';
import { openStore } from '../../src/store/open-store';
import { createStoreKnex } from '../../src/store/store-knex';
import { StoreRepository } from '../../src/store/store-repository';
import { storeTables, StoreTables } from '../../src/store/store-tables';
import { WriteQueue } from '../../src/store/write-queue';
import { TcpProxy } from '../support/tcp-proxy';
import { dropStoreSchema, quietLogger, selectBackends, TestBackend, tempDir } from './test-backends';

for (const backend of selectBackends()) {
  describe(`store on ${backend.name}`, function () {
    defineStoreSuite(backend);
  });
}

function defineStoreSuite(backend: TestBackend): void {
  let knex: Knex;
  let repo: StoreRepository;
  let tables: StoreTables;
  let connected = false;
  const dirs: string[] = [];
  const extraKnexes: Knex[] = [];

  const newKnex = (): Knex => {
    const k = createStoreKnex(backend.dbOptions());
    extraKnexes.push(k);
    return k;
  };
  const newDir = (label: string): string => {
    const d = tempDir(label);
    dirs.push(d);
    return d;
  };

  before(async function () {
    tables = storeTables(backend.tablePrefix);
    knex = createStoreKnex(backend.dbOptions());
    try {
      await knex.raw('select 1');
    } catch (err) {
      // Never a skip: a configured database that cannot be reached is a failed run (CI must notice).
      throw new Error(`cannot connect to ${backend.name}: ${(err as Error).message}`);
    }
    connected = true;
    repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
  });

  after(async function () {
    for (const k of extraKnexes) await k.destroy().catch(() => undefined);
    if (!connected) {
      await knex?.destroy();
      return;
    }
    await dropStoreSchema(knex, tables);
    await backend.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('migrations', function () {
    const all = (t: StoreTables): string[] => [
      t.calls,
      t.recordings,
      t.consentEvents,
      t.consentChainHeads,
      t.monitorSessions,
      t.agentConsents,
      t.agentCallCounters,
      t.accessLog,
      t.accessLogHeads,
      t.legalHolds,
      t.mailQueue,
      t.webUsers,
      t.webApiTokens,
      t.webAuthEvents,
    ];

    it('up creates every table, down removes them, up again works', async function () {
      const names = ['0001-initial-schema', '0010-sealed-evidence-and-access-log', '0020-web-users', '0021-agent-consent-entered-by', '0030-recording-lifecycle', '0040-call-end-reason', '0050-recording-legal-basis', '0060-call-shares'];
      // Applied in numeric order, whatever order branches merged them in.
      expect(await migrateLatest(knex, tables)).to.deep.equal(names);
      for (const t of all(tables)) expect(await knex.schema.hasTable(t), t).to.equal(true);
      expect(await knex.schema.hasColumn(tables.calls, 'end_reason')).to.equal(true);
      expect(await migrateLatest(knex, tables)).to.deep.equal([]);
      expect(await migrateRollbackAll(knex, tables)).to.deep.equal([...names].reverse());
      for (const t of all(tables)) expect(await knex.schema.hasTable(t), t).to.equal(false);
      expect(await migrateLatest(knex, tables)).to.deep.equal(names);
    });
  });

  describe('calls', function () {
    it('upsertCall merges partial updates and listCalls filters by start time', async function () {
      await repo.upsertCall({
        callId: 'call-a',
        node: 'fs1',
        caller: '+4930123',
        destination: '200',
        direction: 'inbound',
        startedAt: '2026-01-01T10:00:00Z',
        legs: [{ uuid: 'leg-1', role: 'caller' }],
      });
      await repo.upsertCall({ callId: 'call-a', answeredAt: new Date('2026-01-01T10:00:05Z'), agentExtension: '1001', group: 'sales' });
      await repo.upsertCall({ callId: 'call-b', startedAt: '2026-01-02T10:00:00.000Z' });
      const a = await repo.getCall('call-a');
      expect(a).to.deep.include({
        node: 'fs1',
        caller: '+4930123',
        agentExtension: '1001',
        group: 'sales',
        direction: 'inbound',
        startedAt: '2026-01-01T10:00:00.000Z',
        answeredAt: '2026-01-01T10:00:05.000Z',
        endedAt: null,
      });
      expect(a?.legs).to.deep.equal([{ uuid: 'leg-1', role: 'caller' }]);
      expect((await repo.listCalls({ since: '2026-01-01T12:00:00Z' })).map((c) => c.callId)).to.deep.equal(['call-b']);
      expect((await repo.listCalls({ since: '2026-01-01T00:00:00Z' })).map((c) => c.callId)).to.deep.equal(['call-a', 'call-b']);
    });
  });

  describe('open rows (closing calls that ended while callwarden was away)', function () {
    it('lists only open rows of the given nodes; closing is conditional, so a real end or a completed recording wins', async function () {
      await repo.upsertCall({ callId: 'open-1', node: 'fsA', startedAt: '2026-02-01T10:00:00Z' });
      await repo.upsertCall({ callId: 'open-2', node: 'fsB', startedAt: '2026-02-01T10:00:00Z' });
      await repo.upsertCall({ callId: 'done-1', node: 'fsA', startedAt: '2026-02-01T10:00:00Z', endedAt: '2026-02-01T10:01:00Z' });
      const open = await repo.listOpenCalls(['fsA']);
      expect(open.map((c) => c.callId)).to.include('open-1').and.not.include.members(['open-2', 'done-1']);
      expect(open.find((c) => c.callId === 'open-1')?.updatedAt).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(await repo.listOpenCalls([])).to.deep.equal([]);
      expect(await repo.closeCall('open-1', 'ended while callwarden was away')).to.equal(true);
      expect(await repo.closeCall('open-1', 'again')).to.equal(false);
      expect(await repo.closeCall('done-1', 'late')).to.equal(false);
      expect(await repo.getCall('open-1')).to.include({ endedAt: null, endReason: 'ended while callwarden was away' });
      expect(await repo.getCall('done-1')).to.include({ endReason: null });
      expect((await repo.listOpenCalls(['fsA'])).map((c) => c.callId)).to.not.include('open-1');

      const rec = { callId: 'open-2', format: 'wav', channels: 'both', filePath: '/rec/open-2/01-both.wav' } as const;
      await repo.upsertRecording({ ...rec, id: 'open-2/01', status: 'recording' });
      await repo.upsertRecording({ ...rec, id: 'open-2/02', status: 'ok' });
      expect((await repo.listOpenRecordings(['fsA'])).map((r) => r.id)).to.not.include('open-2/01');
      const listed = await repo.listOpenRecordings(['fsB']);
      expect(listed.map((r) => r.id)).to.deep.equal(['open-2/01']);
      expect(listed[0]).to.include({ callId: 'open-2', status: 'recording' });
      expect(await repo.completeRecording('open-2/01', { status: 'ok', bytes: 10 })).to.equal(true);
      expect(await repo.completeRecording('open-2/01', { status: 'bad' })).to.equal(false);
      expect(await repo.completeRecording('open-2/02', { status: 'bad' })).to.equal(false);
      expect(await repo.getRecording('open-2/01')).to.include({ status: 'ok', bytes: 10 });
    });
  });

  describe('consent evidence chain', function () {
    async function appendN(callId: string, n: number): Promise<void> {
      await repo.appendEvidence(callId, 'prompt_played', { file: 'consent.wav' });
      for (let i = 2; i <= n; i++) await repo.appendEvidence(callId, 'digit_pressed', { digit: String(i % 10), i, nested: { b: 2, a: [1, 'x'] } });
    }

    it('links each row to the previous one and verifies', async function () {
      await appendN('ev-ok', 5);
      const rows = await repo.listEvidence('ev-ok');
      expect(rows.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(rows[0].prevHash).to.equal('0'.repeat(64));
      for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).to.equal(rows[i - 1].hash);
      expect(await repo.verifyEvidence('ev-ok')).to.include({ ok: true, rows: 5 });
      expect(await repo.verifyEvidence('no-such-call')).to.include({ ok: true, rows: 0 });
    });

    it('reports an UPDATE of detail at the altered row', async function () {
      await appendN('ev-edit', 5);
      await knex(tables.consentEvents).where({ call_id: 'ev-edit', seq: 3 }).update({ detail: '{"digit":"1"}' });
      const result = await repo.verifyEvidence('ev-edit');
      expect(result).to.include({ ok: false, rows: 5, brokenAt: 3 });
      expect(result.reason).to.match(/altered/);
    });

    it('reports an edit whose hash was recomputed at the next row', async function () {
      await appendN('ev-rehash', 4);
      await knex(tables.consentEvents).where({ call_id: 'ev-rehash', seq: 2 }).update({ kind: 'decision', hash: 'f'.repeat(64) });
      const result = await repo.verifyEvidence('ev-rehash');
      expect(result).to.include({ ok: false, brokenAt: 2 });
      await knex(tables.consentEvents).where({ call_id: 'ev-rehash', seq: 3 }).update({ prev_hash: 'f'.repeat(64) });
      // row 2 and row 3 now agree with each other, so row 2's hash check is what fails
      expect(await repo.verifyEvidence('ev-rehash')).to.include({ ok: false, brokenAt: 2 });
    });

    it('reports a deleted middle row at its seq', async function () {
      await appendN('ev-del', 5);
      await knex(tables.consentEvents).where({ call_id: 'ev-del', seq: 2 }).delete();
      const result = await repo.verifyEvidence('ev-del');
      expect(result).to.include({ ok: false, rows: 4, brokenAt: 2 });
      expect(result.reason).to.match(/missing|deleted/);
    });

    it('reports a deleted last row, even after later appends', async function () {
      await appendN('ev-tail', 4);
      await knex(tables.consentEvents).where({ call_id: 'ev-tail', seq: 4 }).delete();
      expect(await repo.verifyEvidence('ev-tail')).to.include({ ok: false, rows: 3, brokenAt: 4 });
      await repo.appendEvidence('ev-tail', 'decision', { record: false });
      expect(await repo.verifyEvidence('ev-tail')).to.include({ ok: false, brokenAt: 4 });
    });

    it('keeps one chain under concurrent appends to the same call', async function () {
      const n = 40;
      await Promise.all(Array.from({ length: n }, (_, i) => repo.appendEvidence('ev-conc', 'command_sent', { i })));
      const rows = await repo.listEvidence('ev-conc');
      expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
      expect(rows.map((r) => (r.detail as { i: number }).i).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
      expect(await repo.verifyEvidence('ev-conc')).to.include({ ok: true, rows: n });
    });

    it('keeps one chain when two daemons (separate pools) append to the same call', async function () {
      if (!backend.multiWriter) this.skip(); // SQLite serves one daemon by design (better-sqlite3 would block the event loop on another pool's lock)
      const other = new StoreRepository(newKnex(), { tablePrefix: backend.tablePrefix });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? repo : other).appendEvidence('ev-two', 'command_sent', { i })),
      );
      expect(await repo.verifyEvidence('ev-two')).to.include({ ok: true, rows: 30 });
    });

    it('rows appended together: per call one head read and one head move, the chains as one-by-one appends make them', async function () {
      const counted = async (work: () => Promise<unknown>): Promise<{ heads: number }> => {
        const n = { heads: 0 };
        const onQuery = (q: { sql: string }) => void (q.sql.includes(tables.consentChainHeads) && n.heads++);
        knex.on('query', onQuery);
        try {
          await work();
        } finally {
          knex.off('query', onQuery);
        }
        return n;
      };
      // Two calls' rows interleaved, as the queue meets them.
      const rows = Array.from({ length: 6 }, (_, i) => ({ callId: i % 3 === 2 ? 'ev-batch-b' : 'ev-batch-a', kind: 'command_sent', detail: { i } }));
      await appendN('ev-batch-a', 2);
      await appendN('ev-batch-a1', 2);
      const batched = await counted(() => repo.appendEvidenceBatch(rows));
      const single = await counted(async () => {
        for (const r of rows) await repo.appendEvidence(r.callId === 'ev-batch-a' ? 'ev-batch-a1' : 'ev-batch-b1', r.kind, r.detail);
      });
      // a: read + move; b (no head yet): read + create.
      expect(batched.heads).to.equal(4);
      expect(single.heads).to.equal(12);
      const content = async (callId: string) => (await repo.listEvidence(callId)).map((r) => [r.seq, r.kind, r.detail]);
      expect(await content('ev-batch-a')).to.deep.equal(await content('ev-batch-a1'));
      expect(await content('ev-batch-b')).to.deep.equal(await content('ev-batch-b1'));
      expect(await repo.verifyEvidence('ev-batch-a')).to.include({ ok: true, rows: 6 });
      expect(await repo.verifyEvidence('ev-batch-b')).to.include({ ok: true, rows: 2 });
    });

    it('a batch holding a write id applied before (a replay after a crash): nothing twice, the rest appended in order', async function () {
      await repo.appendEvidence('ev-run-replay', 'decision', { record: true }, { writeId: 'w-run-2' });
      const got = await repo.appendEvidenceBatch([
        { callId: 'ev-run-replay', kind: 'command_sent', detail: { n: 1 }, options: { writeId: 'w-run-1' } },
        { callId: 'ev-run-replay', kind: 'decision', detail: { record: true }, options: { writeId: 'w-run-2' } },
        { callId: 'ev-run-replay-other', kind: 'command_sent', detail: { n: 3 }, options: { writeId: 'w-run-3' } },
        { callId: 'ev-run-replay', kind: 'command_sent', detail: { n: 4 }, options: { writeId: 'w-run-4' } },
      ]);
      expect(got.map((r) => [r.callId, r.seq])).to.deep.equal([['ev-run-replay', 2], ['ev-run-replay', 1], ['ev-run-replay-other', 1], ['ev-run-replay', 3]]);
      expect((await repo.listEvidence('ev-run-replay')).map((r) => [r.seq, r.kind])).to.deep.equal([[1, 'decision'], [2, 'command_sent'], [3, 'command_sent']]);
      expect(await repo.verifyEvidence('ev-run-replay')).to.include({ ok: true, rows: 3 });
      expect(await repo.verifyEvidence('ev-run-replay-other')).to.include({ ok: true, rows: 1 });
    });

    it('batches from two daemons (separate pools) on the same calls: every row once, one chain each', async function () {
      if (!backend.multiWriter) this.skip(); // SQLite serves one daemon by design
      const other = new StoreRepository(newKnex(), { tablePrefix: backend.tablePrefix });
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? repo : other).appendEvidenceBatch([0, 1, 2, 3].map((j) => ({ callId: j % 2 ? 'ev-run-two-b' : 'ev-run-two-a', kind: 'command_sent', detail: { i, j } }))),
        ),
      );
      for (const [callId, js] of [['ev-run-two-a', [0, 2]], ['ev-run-two-b', [1, 3]]] as const) {
        const rows = await repo.listEvidence(callId);
        expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: 24 }, (_, k) => k + 1));
        // Each batch's rows of the call in its order; a batch that lost a race to the other daemon
        // went in one by one (interleaved with the other's rows, as single appends would be).
        for (let i = 0; i < 12; i++) {
          expect(rows.filter((r) => (r.detail as { i: number }).i === i).map((r) => (r.detail as { j: number }).j)).to.deep.equal(js);
        }
        expect(await repo.verifyEvidence(callId)).to.include({ ok: true, rows: 24 });
      }
    });

    it('a replayed write id adds no second row', async function () {
      const first = await repo.appendEvidence('ev-idem', 'decision', { record: true }, { writeId: 'w-1', at: '2026-01-01T00:00:00Z' });
      const again = await repo.appendEvidence('ev-idem', 'decision', { record: true }, { writeId: 'w-1', at: '2026-01-01T00:00:00Z' });
      expect(again).to.deep.equal(first);
      expect(await repo.listEvidence('ev-idem')).to.have.length(1);
    });

    it('a replayed write id adds nothing and returns the first row, also after later rows and in another chain', async function () {
      const first = await repo.appendEvidence('ev-idem-late', 'decision', { record: true }, { writeId: 'w-late', at: '2026-01-01T00:00:00Z' });
      await appendN('ev-idem-late', 3);
      const rowsBefore = await repo.listEvidence('ev-idem-late');
      expect(await repo.appendEvidence('ev-idem-late', 'decision', { record: false }, { writeId: 'w-late' })).to.deep.equal(first);
      // The write id is the write's identity: a replay names its own chain, but even another chain does not get a second row.
      expect(await repo.appendEvidence('ev-idem-other', 'decision', { record: true }, { writeId: 'w-late' })).to.deep.equal(first);
      expect(await repo.listEvidence('ev-idem-late')).to.deep.equal(rowsBefore);
      expect(await repo.listEvidence('ev-idem-other')).to.deep.equal([]);
      expect(await repo.verifyEvidence('ev-idem-late')).to.include({ ok: true, rows: 4 });
    });

    it('closing: an unhandled call gets one not_handled row, a handled one none, and a replayed close adds nothing', async function () {
      await repo.closeEvidence('ev-close-unhandled', 'w-close-1');
      await repo.closeEvidence('ev-close-unhandled', 'w-close-1');
      await repo.closeEvidence('ev-close-unhandled', 'w-close-2');
      const rows = await repo.listEvidence('ev-close-unhandled');
      expect(rows.map((r) => [r.seq, r.kind, r.prevHash])).to.deep.equal([[1, 'not_handled', '0'.repeat(64)]]);
      expect(await repo.evidence.head('ev-close-unhandled')).to.deep.include({ seq: 1, hash: rows[0]!.hash });
      expect(await repo.verifyEvidence('ev-close-unhandled')).to.include({ ok: true, rows: 1 });
      await appendN('ev-close-handled', 2);
      await repo.closeEvidence('ev-close-handled', 'w-close-3');
      expect((await repo.listEvidence('ev-close-handled')).map((r) => r.kind)).to.deep.equal(['prompt_played', 'digit_pressed']);
    });

    it('closing a call whose rows arrive at the same moment keeps one verifying chain', async function () {
      await Promise.all([repo.closeEvidence('ev-close-race', 'w-race-close'), repo.appendEvidence('ev-close-race', 'call_accepted', { group: 'g' }), repo.appendEvidence('ev-close-race', 'routed', { via: 'x' })]);
      const kinds = (await repo.listEvidence('ev-close-race')).map((r) => r.kind);
      expect(kinds.filter((k) => k === 'not_handled').length).to.be.at.most(1);
      expect(kinds).to.include.members(['call_accepted', 'routed']);
      expect(await repo.verifyEvidence('ev-close-race')).to.include({ ok: true, rows: kinds.length });
    });

    it('closing while another writer (its own lock) starts the chain between the head read and the insert keeps one verifying chain', async function () {
      const other = new StoreRepository(backend.multiWriter ? newKnex() : knex, { tablePrefix: backend.tablePrefix });
      let otherWrite: Promise<unknown> | undefined;
      const onQuery = (q: { sql: string; bindings?: unknown[] }) => {
        if (otherWrite || !q.sql.includes(tables.consentChainHeads) || q.bindings?.[0] !== 'ev-close-between') return;
        otherWrite = other.appendEvidence('ev-close-between', 'call_accepted', { group: 'g' });
      };
      knex.on('query', onQuery);
      try {
        await repo.closeEvidence('ev-close-between', 'w-between');
      } finally {
        knex.off('query', onQuery);
      }
      await otherWrite;
      const kinds = (await repo.listEvidence('ev-close-between')).map((r) => r.kind);
      expect(kinds.filter((k) => k === 'not_handled').length).to.be.at.most(1);
      expect(kinds).to.include('call_accepted');
      expect(await repo.verifyEvidence('ev-close-between')).to.include({ ok: true, rows: kinds.length });
    });

    it('a chain whose head was deleted goes on after its last row (the missing head stays visible until then)', async function () {
      await appendN('ev-headless', 3);
      await knex(tables.consentChainHeads).where({ call_id: 'ev-headless' }).delete();
      expect(await repo.verifyEvidence('ev-headless')).to.include({ ok: false, brokenAt: 1 });
      await repo.closeEvidence('ev-headless', 'w-headless');
      const rows = await repo.listEvidence('ev-headless');
      expect(rows.map((r) => [r.seq, r.kind])).to.deep.equal([[1, 'prompt_played'], [2, 'digit_pressed'], [3, 'digit_pressed'], [4, 'not_handled']]);
      expect(rows[3]!.prevHash).to.equal(rows[2]!.hash);
      expect(await repo.evidence.head('ev-headless')).to.deep.include({ seq: 4, hash: rows[3]!.hash });
      await repo.appendEvidence('ev-headless', 'decision', { record: false });
      expect(await repo.verifyEvidence('ev-headless')).to.include({ ok: true, rows: 5 });
    });
  });

  describe('agent call counter', function () {
    it('50 parallel increments yield 1..50, each once', async function () {
      const got = await Promise.all(Array.from({ length: 50 }, () => repo.nextAgentCallNumber('1001')));
      expect(got.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await repo.nextAgentCallNumber('1002')).to.equal(1);
    });

    it('two daemons (separate pools) share one counter', async function () {
      if (!backend.multiWriter) this.skip(); // see above: SQLite serves a single daemon
      const other = new StoreRepository(newKnex(), { tablePrefix: backend.tablePrefix });
      const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? repo : other).nextAgentCallNumber('2001')));
      expect(got.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  });

  describe('recordings, monitor sessions, agent consent', function () {
    it('recordings CRUD', async function () {
      await repo.upsertRecording({
        id: 'rec-1',
        callId: 'call-a',
        filePath: '2026/01/01/call-a-1.mp3',
        format: 'mp3',
        channels: 'both',
        status: 'recording',
        startedAt: '2026-01-01T10:00:06Z',
        policy: 'opt-in',
      });
      expect(await repo.updateRecording('rec-1', { status: 'ok', bytes: 123456, durationMs: 61000, sha256: 'a'.repeat(64) })).to.equal(true);
      expect(await repo.updateRecording('rec-missing', { status: 'ok' })).to.equal(false);
      const rec = await repo.getRecording('rec-1');
      expect(rec).to.deep.include({ status: 'ok', bytes: 123456, durationMs: 61000, segment: 1, channels: 'both', policy: 'opt-in' });
      await repo.upsertRecording({ id: 'rec-2', callId: 'call-a', filePath: 'x.wav', format: 'wav', channels: 'agent', segment: 2, status: 'bad' });
      expect((await repo.listRecordings('call-a')).map((r) => r.id)).to.deep.equal(['rec-1', 'rec-2']);
      expect(await repo.deleteRecording('rec-2')).to.equal(true);
      expect(await repo.getRecording('rec-2')).to.equal(undefined);
    });

    it('monitor sessions keep their mode history', async function () {
      await repo.startMonitorSession({ id: 'mon-1', supervisor: 'sup-7', targetCallId: 'call-a', extension: '1001', startedAt: '2026-01-01T10:01:00Z', mode: 'listen' });
      await repo.appendMonitorMode('mon-1', 'whisper', '2026-01-01T10:02:00Z');
      await repo.appendMonitorMode('mon-1', 'whisper', '2026-01-01T10:02:00Z'); // replay: no duplicate
      await repo.appendMonitorMode('mon-1', 'conference', '2026-01-01T10:03:00Z');
      expect((await repo.listActiveMonitorSessions('1001')).map((s) => s.id)).to.deep.equal(['mon-1']);
      expect(await repo.endMonitorSession('mon-1', '2026-01-01T10:04:00Z')).to.equal(true);
      const s = await repo.getMonitorSession('mon-1');
      expect(s?.endedAt).to.equal('2026-01-01T10:04:00.000Z');
      expect(s?.modes.map((m) => m.mode)).to.deep.equal(['listen', 'whisper', 'conference']);
      expect(await repo.listActiveMonitorSessions('1001')).to.deep.equal([]);
    });

    it('agent consent lookup honours signing and revocation times', async function () {
      await repo.recordAgentConsent({ extension: '1001', signedAt: '2026-01-01T00:00:00Z', documentRef: 'doc-1' });
      expect(await repo.getAgentConsent('1001', '2025-12-31T00:00:00Z')).to.equal(undefined);
      expect((await repo.getAgentConsent('1001', '2026-02-01T00:00:00Z'))?.documentRef).to.equal('doc-1');
      expect(await repo.revokeAgentConsent('1001', '2026-03-01T00:00:00Z')).to.equal(1);
      expect((await repo.getAgentConsent('1001', '2026-02-01T00:00:00Z'))?.documentRef).to.equal('doc-1');
      expect(await repo.getAgentConsent('1001', '2026-03-02T00:00:00Z')).to.equal(undefined);
      expect(await repo.getAgentConsent('9999')).to.equal(undefined);
    });
  });

  describe('retention', function () {
    // The purge itself is src/lifecycle/purge (holds, receipts, mail: test/lifecycle); here its
    // contract with the recordings table on each backend: only finished rows past their date.
    it('deletes files past retention and marks them deleted; keeps the rest', async function () {
      const storage = newDir('recordings');
      mkdirSync(join(storage, '2026'), { recursive: true });
      const base = { callId: 'call-ret', format: 'mp3' as const, channels: 'both' as const };
      const files = { old: '2026/old.mp3', young: '2026/young.mp3', live: '2026/live.mp3' };
      for (const f of Object.values(files)) writeFileSync(join(storage, f), 'audio');
      await repo.upsertRecording({ ...base, id: 'ret-old', filePath: files.old, status: 'ok', retentionUntil: '2026-01-01T00:00:00Z' });
      await repo.upsertRecording({ ...base, id: 'ret-gone', filePath: '2026/already-gone.mp3', status: 'bad', retentionUntil: '2026-01-01T00:00:00Z' });
      await repo.upsertRecording({ ...base, id: 'ret-escape', filePath: '../../etc/passwd', status: 'ok', retentionUntil: '2026-01-01T00:00:00Z' });
      await repo.upsertRecording({ ...base, id: 'ret-young', filePath: files.young, status: 'ok', retentionUntil: '2027-01-01T00:00:00Z' });
      await repo.upsertRecording({ ...base, id: 'ret-live', filePath: files.live, status: 'recording', retentionUntil: '2026-01-01T00:00:00Z' });
      const purge = (dryRun: boolean) => runPurge({ repository: repo, storageDir: storage, now: new Date('2026-06-01T00:00:00Z'), dryRun, defaultRetentionDays: 3650 });
      const ids = (lines: { id: string; outcome: string }[], outcome: string) => lines.filter((l) => l.outcome === outcome).map((l) => l.id).sort();

      const dry = await purge(true);
      expect(ids(dry, 'would delete')).to.deep.equal(['ret-escape', 'ret-gone', 'ret-old']);
      expect(ids(dry, 'deleted')).to.deep.equal([]);
      expect(existsSync(join(storage, files.old))).to.equal(true);

      const result = await purge(false);
      expect(ids(result, 'deleted')).to.deep.equal(['ret-gone', 'ret-old']);
      expect(ids(result, 'failed')).to.deep.equal(['ret-escape']);
      expect(existsSync(join(storage, files.old))).to.equal(false);
      expect(existsSync(join(storage, files.young))).to.equal(true);
      expect(existsSync(join(storage, files.live))).to.equal(true);
      expect((await repo.getRecording('ret-old'))?.status).to.equal('deleted');
      expect((await repo.getRecording('ret-escape'))?.status).to.equal('ok');
      expect((await repo.getRecording('ret-young'))?.status).to.equal('ok');
      const again = await purge(false);
      expect(ids(again, 'deleted')).to.deep.equal([]);
    });
  });

  describe('write queue and durable outbox', function () {
    const fastRetry = { initialMs: 5, maxMs: 40, maxAttempts: 2 };
    const outboxLines = (dir: string): string[] =>
      existsSync(join(dir, OUTBOX_FILE)) ? readFileSync(join(dir, OUTBOX_FILE), 'utf8').split('\n').filter(Boolean) : [];

    function enqueueCallWrites(queue: WriteQueue, callId: string, evidence: number): number {
      queue.upsertCall({ callId, startedAt: '2026-05-01T09:00:00Z', caller: '+4989000', agentExtension: '1001' });
      for (let i = 0; i < evidence; i++) queue.appendEvidence(callId, 'digit_pressed', { i });
      queue.upsertRecording({ id: `${callId}-rec`, callId, filePath: `${callId}.mp3`, format: 'mp3', channels: 'both', status: 'recording' });
      queue.updateRecording(`${callId}-rec`, { status: 'ok', bytes: 42 });
      return evidence + 3;
    }

    async function expectArrivedInOrder(callId: string, evidence: number): Promise<void> {
      const rows = await repo.listEvidence(callId);
      expect(rows.map((r) => (r.detail as { i: number }).i)).to.deep.equal(Array.from({ length: evidence }, (_, i) => i));
      expect(await repo.verifyEvidence(callId)).to.include({ ok: true, rows: evidence });
      expect((await repo.getCall(callId))?.caller).to.equal('+4989000');
      expect((await repo.getRecording(`${callId}-rec`))?.status).to.equal('ok');
    }

    async function closedPort(): Promise<number> {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      server.close();
      await once(server, 'close');
      return port;
    }

    it('applies writes in order when the database is up, and empties the outbox', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      const count = enqueueCallWrites(queue, 'q-up', 25);
      expect(queue.status().pending).to.equal(count);
      await queue.drained();
      await expectArrivedInOrder('q-up', 25);
      expect(queue.status()).to.deep.include({ healthy: true, pending: 0, deadLettered: 0 });
      expect(statSync(join(dir, OUTBOX_FILE)).size).to.equal(0);
      await queue.close();
    });

    it('applies the evidence rows that wait together in one transaction, never across another write', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      await queue.drained();
      const moves: string[] = [];
      const onQuery = (q: { sql: string; bindings?: unknown[] }) => {
        if (/^update/i.test(q.sql) && q.sql.includes(tables.consentChainHeads)) moves.push(String(q.bindings?.find((b) => typeof b === 'string' && b.startsWith('q-run'))));
      };
      knex.on('query', onQuery);
      try {
        for (let i = 0; i < 6; i++) queue.appendEvidence('q-run-a', 'command_sent', { i });
        queue.upsertCall({ callId: 'q-run-a', startedAt: '2026-05-01T09:00:00Z', caller: '+4989000' });
        for (let i = 6; i < 8; i++) queue.appendEvidence('q-run-a', 'command_sent', { i });
        for (let i = 0; i < 3; i++) queue.appendEvidence('q-run-b', 'command_sent', { i });
        queue.appendEvidence('q-run-a', 'command_sent', { i: 8 });
        await queue.drained();
      } finally {
        knex.off('query', onQuery);
      }
      // a's first six rows: one transaction that creates its head. Then the call row (never in
      // a batch), then a, a, b, b, b, a: one transaction that moves a's head once and creates b's.
      expect(moves).to.deep.equal(['q-run-a']);
      const a = await repo.listEvidence('q-run-a');
      expect(a.map((r) => (r.detail as { i: number }).i)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await repo.verifyEvidence('q-run-a')).to.include({ ok: true, rows: 9 });
      expect(await repo.verifyEvidence('q-run-b')).to.include({ ok: true, rows: 3 });
      await queue.close();
    });

    it('a long queue drains in slices: timers and sockets run while it writes, not only after', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      const count = enqueueCallWrites(queue, 'q-slices', 400);
      await queue.flushed();
      // Each turn of the event loop takes the pending count: a drain that never yields is seen
      // only at 0 (or at `count`); one that yields is seen part way.
      const seen: number[] = [];
      let turning = true;
      const turn = (): void => {
        seen.push(queue.status().pending);
        if (turning) setImmediate(turn);
      };
      setImmediate(turn);
      await queue.drained();
      turning = false;
      expect(seen.some((n) => n > 0 && n < count), `pending seen between turns: ${seen.slice(0, 20).join(',')}`).to.equal(true);
      await expectArrivedInOrder('q-slices', 400);
      await queue.close();
    });

    it('close with a drain timeout lets a healthy database take everything first', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      enqueueCallWrites(queue, 'q-close', 10);
      await queue.close({ drainTimeoutMs: 15_000 });
      await expectArrivedInOrder('q-close', 10);
      expect(statSync(join(dir, OUTBOX_FILE)).size).to.equal(0);
    });

    it('survives a database outage (destroyed pool): journals, reports down/up, drains in order', async function () {
      const dir = newDir('outbox');
      const flaky = newKnex();
      const flakyRepo = new StoreRepository(flaky, { tablePrefix: backend.tablePrefix });
      await flaky.destroy();
      const queue = new WriteQueue({ repository: flakyRepo, outboxDir: dir, retry: fastRetry });
      const events: string[] = [];
      queue.on('down', () => events.push('down'));
      queue.on('up', () => events.push('up'));
      await queue.start();
      const down = once(queue, 'down');
      const count = enqueueCallWrites(queue, 'q-outage', 20);
      await down;
      await queue.flushed();
      expect(queue.status()).to.deep.include({ healthy: false, pending: count });
      expect(queue.status().lastError).to.be.a('string');
      expect(outboxLines(dir)).to.have.length(count);

      const up = once(queue, 'up');
      flaky.initialize();
      // Writes made after recovery must land after everything from the outage.
      for (let i = 20; i < 25; i++) queue.appendEvidence('q-outage', 'digit_pressed', { i });
      await up;
      await queue.drained();
      await expectArrivedInOrder('q-outage', 25);
      expect(events).to.deep.equal(['down', 'up']);
      expect(queue.status()).to.deep.include({ healthy: true, pending: 0 });
      expect(statSync(join(dir, OUTBOX_FILE)).size).to.equal(0);
      await queue.close();
    });

    it('a restarted daemon drains what the previous one left (mysql on a closed port, then the real DB)', async function () {
      const dir = newDir('outbox');
      const dead = createStoreKnex({ client: 'mysql2', url: `mysql://root@127.0.0.1:${await closedPort()}/test`, logger: quietLogger });
      extraKnexes.push(dead);
      const first = new WriteQueue({ repository: new StoreRepository(dead, { tablePrefix: backend.tablePrefix }), outboxDir: dir, retry: fastRetry });
      await first.start();
      const down = once(first, 'down');
      const count = enqueueCallWrites(first, 'q-restart', 15);
      await down;
      await first.close();
      expect(outboxLines(dir)).to.have.length(count);
      // A crash in the middle of an append leaves a torn last line: it must be dropped, not block the drain.
      appendFileSync(join(dir, OUTBOX_FILE), '{"id":"torn","enq');

      const second = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      expect(await second.start()).to.deep.equal({ recovered: count, discarded: 1 });
      await second.drained();
      await expectArrivedInOrder('q-restart', 15);
      expect(statSync(join(dir, OUTBOX_FILE)).size).to.equal(0);
      await second.close();
    });

    it('replaying entries that were already applied adds nothing (crash before the outbox was emptied)', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      enqueueCallWrites(queue, 'q-replay', 5);
      await queue.flushed();
      const journal = readFileSync(join(dir, OUTBOX_FILE), 'utf8');
      await queue.drained();
      await queue.close();
      writeFileSync(join(dir, OUTBOX_FILE), journal); // as if the process died after applying, before truncating
      const again = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await again.start();
      await again.drained();
      await again.close();
      await expectArrivedInOrder('q-replay', 5);
    });

    it('parks a write the database keeps refusing and goes on with the rest', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      const dead = once(queue, 'dead');
      queue.appendEvidence('q-dead', 'digit_pressed', { i: 0 });
      // format is NOT NULL: both engines refuse this row however often it is retried
      queue.upsertRecording({ id: 'q-dead-rec', callId: 'q-dead', filePath: 'x.mp3', format: null as unknown as 'mp3', channels: 'both', status: 'ok' });
      queue.appendEvidence('q-dead', 'digit_pressed', { i: 1 });
      const [entry] = (await dead) as [{ write: { op: string } }];
      expect(entry.write.op).to.equal('upsertRecording');
      await queue.drained();
      expect(queue.status()).to.deep.include({ healthy: true, pending: 0, deadLettered: 1 });
      expect(readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8')).to.contain('q-dead-rec');
      expect(await repo.verifyEvidence('q-dead')).to.include({ ok: true, rows: 2 });
      await queue.close();
    });

    it('an evidence row the database refuses inside a batch is parked alone; the rows around it are applied once, in order', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir, retry: fastRetry });
      await queue.start();
      await queue.drained();
      const dead = once(queue, 'dead');
      queue.appendEvidence('q-poison-a', 'digit_pressed', { i: 0 });
      queue.appendEvidence('q-poison-a', 'digit_pressed', { i: 1 });
      // kind is NOT NULL: both engines refuse this row however often it is retried
      queue.appendEvidence('q-poison-b', null as unknown as string, { i: 'poison' });
      queue.appendEvidence('q-poison-a', 'digit_pressed', { i: 2 });
      queue.appendEvidence('q-poison-c', 'digit_pressed', { i: 0 });
      const [entry] = (await dead) as [{ write: { op: string; callId: string } }];
      expect(entry.write).to.include({ op: 'appendEvidence', callId: 'q-poison-b' });
      await queue.drained();
      expect(queue.status()).to.deep.include({ healthy: true, pending: 0, deadLettered: 1 });
      expect((await repo.listEvidence('q-poison-a')).map((r) => (r.detail as { i: number }).i)).to.deep.equal([0, 1, 2]);
      expect(await repo.verifyEvidence('q-poison-a')).to.include({ ok: true, rows: 3 });
      expect(await repo.verifyEvidence('q-poison-c')).to.include({ ok: true, rows: 1 });
      expect(await repo.listEvidence('q-poison-b')).to.deep.equal([]);
      await queue.close();
    });

    it('rides out the server vanishing under open connections (proxy cut), then reconnects and drains', async function () {
      if (!backend.server) this.skip(); // needs a networked server
      const dir = newDir('outbox');
      const proxy = await TcpProxy.start(backend.server.host, backend.server.port);
      try {
        const k = createStoreKnex({ ...backend.dbOptions(), url: backend.server.url('127.0.0.1', proxy.port), acquireTimeoutMs: 2000 });
        extraKnexes.push(k);
        const queue = new WriteQueue({ repository: new StoreRepository(k, { tablePrefix: backend.tablePrefix }), outboxDir: dir, retry: fastRetry });
        await queue.start();
        queue.upsertCall({ callId: 'q-cut', startedAt: '2026-05-01T09:00:00Z', caller: '+4989000' });
        for (let i = 0; i < 5; i++) queue.appendEvidence('q-cut', 'digit_pressed', { i });
        await queue.drained(); // the pool now holds live connections through the proxy
        proxy.cut();
        const down = once(queue, 'down');
        for (let i = 5; i < 15; i++) queue.appendEvidence('q-cut', 'digit_pressed', { i });
        await down;
        const up = once(queue, 'up');
        proxy.restore();
        await up;
        await queue.drained();
        const rows = await repo.listEvidence('q-cut');
        expect(rows.map((r) => (r.detail as { i: number }).i)).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
        expect(await repo.verifyEvidence('q-cut')).to.include({ ok: true, rows: 15 });
        expect(statSync(join(dir, OUTBOX_FILE)).size).to.equal(0);
        await queue.close();
      } finally {
        await proxy.close();
      }
    });

    it('openStore migrates and drains even when the database is down at start', async function () {
      const dir = newDir('outbox');
      const prefix = `${backend.tablePrefix}os_`;
      const proxy = backend.server ? await TcpProxy.start(backend.server.host, backend.server.port) : undefined;
      proxy?.cut(); // the daemon starts against a dead address
      const db = proxy ? { ...backend.dbOptions(), url: backend.server!.url('127.0.0.1', proxy.port), acquireTimeoutMs: 2000 } : backend.dbOptions();
      const store = await openStore({ db, tablePrefix: prefix, outboxDir: dir, retry: fastRetry });
      try {
        const down = proxy ? once(store.queue, 'down') : undefined;
        store.queue.upsertCall({ callId: 'os-1', caller: '+49301', startedAt: '2026-05-01T09:00:00Z' });
        store.queue.appendEvidence('os-1', 'prompt_played', { file: 'consent.wav' });
        store.queue.appendEvidence('os-1', 'digit_pressed', { digit: '1' });
        if (proxy) {
          await down;
          proxy.restore();
        }
        await store.queue.ready();
        await store.queue.drained();
        expect((await store.repository.getCall('os-1'))?.caller).to.equal('+49301');
        expect(await store.repository.verifyEvidence('os-1')).to.include({ ok: true, rows: 2 });
        expect(await store.repository.nextAgentCallNumber('3001')).to.equal(1);
      } finally {
        await migrateRollbackAll(store.knex, storeTables(prefix)).catch(() => undefined);
        await store.close();
        await proxy?.close();
      }
    });

    it('refuses a second queue on the same outbox directory', async function () {
      const dir = newDir('outbox');
      const queue = new WriteQueue({ repository: repo, outboxDir: dir });
      await queue.start();
      const intruder = new WriteQueue({ repository: repo, outboxDir: dir });
      let error: unknown;
      await intruder.start().catch((err: unknown) => (error = err));
      expect(error).to.be.instanceOf(OutboxLockedError);
      await queue.close();
      const next = new WriteQueue({ repository: repo, outboxDir: dir });
      await next.start();
      await next.close();
    });
  });
}
