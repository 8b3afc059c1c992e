// The recorder's gate (issue 8.4): no uuid_record start before the rows that justify it are fsync'd, none while they cannot be; and a daemon without an evidence key records nothing.

import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../../src/recorder';
import { migrateLatest, NO_EVIDENCE_KEY, StoreRepository, WriteQueue, createStoreKnex } from '../../src/store';
import { captureLogger } from '../support/capture-logger';
import { diskIo, type Disk } from '../support/flaky-disk';
import { tempDir } from '../store/test-backends';
import { agentPicksUp, hotline, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';

const LEG = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const PATH = `/rec/${LEG}/01-both.wav`;
const START = { kind: 'start', leg: LEG, path: PATH } as const;
const CTX = { segment: 1, channels: 'both', policy: 'opt-in (group)' } as const;

describe('recorder gate', () => {
  it('a refused gate sends nothing, writes the reason once, and tells the controllers when it reopens', async () => {
    const sent: string[] = [];
    const evidence: Array<{ kind: string; detail: unknown }> = [];
    const events = new EventEmitter();
    let gate: { ok: true } | { ok: false; reason: string } = { ok: false, reason: 'the outbox cannot be written (ENOSPC)' };
    const captured = captureLogger();
    const recorder = new Recorder({
      api: async (cmd) => (sent.push(cmd), '+OK'),
      queue: {
        appendEvidence: (_c, kind, detail) => (evidence.push({ kind, detail }), 'id'),
        upsertRecording: () => 'id',
        updateRecording: () => 'id',
        recordingGate: async () => gate,
        on: (e, l) => events.on(e, l),
      },
      publisher: { publishEvent: () => undefined },
      recording: { retentionDays: 30, format: 'wav' },
      logger: captured.logger,
    });
    let woken = 0;
    recorder.watchGate({ gateOpened: () => woken++ });
    expect(await recorder.execute(LEG, START, CTX)).to.equal(false);
    expect(await recorder.execute(LEG, START, CTX)).to.equal(false);
    expect(sent).to.deep.equal([]);
    expect(recorder.observed(LEG)).to.deep.include({ running: [], startsInFlight: [] });
    expect(evidence).to.deep.equal([{ kind: 'recording_refused', detail: { path: PATH, reason: 'the outbox cannot be written (ENOSPC)' } }]);
    expect(captured.entries.filter((e) => /recording not started/.test(e.message))).to.have.length(1);
    gate = { ok: true };
    events.emit('gate', null);
    expect(woken).to.equal(1);
    expect(await recorder.execute(LEG, START, CTX)).to.equal(true);
    expect(sent).to.deep.equal([`uuid_record ${LEG} start ${PATH}`]);
  });

  it('with the real queue, the start waits for the fsync of the decision row before it', async () => {
    const dir = tempDir('rec-gate');
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: join(dir, 'db.sqlite') });
    const repository = new StoreRepository(knex);
    await migrateLatest(knex, repository.tables);
    const disk: Disk = { full: false };
    const queue = new WriteQueue({ repository, outboxDir: join(dir, 'outbox'), outboxIo: diskIo(disk) });
    await queue.start();
    const sent: string[] = [];
    const recorder = new Recorder({ api: async (c) => (sent.push(c), '+OK'), queue, publisher: { publishEvent: () => undefined }, recording: { retentionDays: 30, format: 'wav' }, logger: captureLogger().logger });
    let release!: () => void;
    disk.holdSync = new Promise<void>((r) => (release = r));
    const syncing = new Promise<void>((r) => (disk.onSync = r));
    queue.appendEvidence(LEG, 'decision', { record: true, reason: 'the caller agreed with DTMF 1' });
    const started = recorder.execute(LEG, START, CTX);
    await syncing;
    expect(sent).to.deep.equal([]); // the decision is not on disk yet: no uuid_record
    release();
    expect(await started).to.equal(true);
    expect(sent).to.deep.equal([`uuid_record ${LEG} start ${PATH}`]);
    await queue.close();
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a daemon without an evidence key', () => {
    let h: Harness;
    afterEach(async () => h?.stop());

    it('says so in one line and records nothing, yet the caller still reaches the agent', async () => {
      h = await startHarness({
        recording: { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } },
        evidence: { key: '', requireKey: true },
      });
      const { sim } = h;
      const call = sim.placeCall({ from: '+49301234567', to: '5000' });
      await sim.expectPrompt(call);
      await sim.press(call, '1');
      await agentPicksUp(sim, call);
      const reached = call.agent !== undefined; // routed to the agent all the same
      await talkAndHangUp(h, call, 3000);
      expect(sim.received.map((c) => c.line).filter((l) => / start /.test(l) && /uuid_record/.test(l))).to.deep.equal([]);
      expect(reached).to.equal(true);
      expect(h.log.filter((e) => e.message === NO_EVIDENCE_KEY)).to.have.length(1);
      const ev = await h.evidence(call.uuid);
      const refused = ev.filter((r) => r.kind === 'recording_refused');
      expect(refused.length).to.be.greaterThan(0);
      expect((refused[0]!.detail as { reason: string }).reason).to.equal(NO_EVIDENCE_KEY);
    });
  });
});
