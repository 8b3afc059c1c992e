// Issue 9.2: a call that ends while no daemon watches is closed by the next one after its resync (calls row, recording checked from the file, evidence).

import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handBackSteps, Simulator } from '../../src/simulator/simulator';
import { until } from '../support/wait';
import { TcpProxy } from '../support/tcp-proxy';
import { agentPicksUp, consentedAndRecording, groupDialplan, hotline, PROMPTS, startHarness, tmpOutbox, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' }, '1002': { group: 'hotline' } } };

describe('calls: rows of calls that ended while callwarden was away', () => {
  let sim: Simulator | undefined;
  let first: Harness | undefined;
  let second: Harness | undefined;
  afterEach(async () => {
    await second?.stop();
    await first?.stop().catch(() => undefined);
    await sim?.stop();
    first = second = sim = undefined;
  });

  function setup() {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    const store = { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() };
    const s: Simulator = new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => s) });
    sim = s;
    return { sim: s, recordingsDir, store };
  }

  it('closes the call (end time unknown, reason given) and completes its recording from the file, with evidence; other nodes and live calls untouched', async () => {
    const { sim, recordingsDir, store } = setup();
    first = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    const gone = await consentedAndRecording(first);
    await sim.advance(4000);
    // A second call stays up across the outage: FreeSWITCH still has it, so its rows stay open.
    const staying = await consentedAndRecording(first, '1', '+49301111111');
    await sim.advance(2000);

    // Another daemon's node shares the database: its open rows are not ours to close.
    const repo = first.daemon.store.repository;
    await first.daemon.store.queue.drained();
    await repo.upsertCall({ callId: 'other-node-call', node: 'fs2.example', startedAt: new Date(Date.now() - 60_000) });
    await repo.upsertRecording({ id: 'other-node-rec', callId: 'other-node-call', filePath: `${recordingsDir}/x/01-both.wav`, format: 'wav', channels: 'both', status: 'recording' });

    await first.stop();
    first = undefined;
    // While no daemon watches, the first call ends: its RECORD_STOP and hangup reach nobody.
    sim.hangup(gone);
    await sim.advance(1000);
    expect(gone.caller.ch.alive).to.equal(false);
    const path = `${recordingsDir}/${gone.uuid}/01-both.wav`;

    second = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    await second.waitForLog(/closed 1 call\(s\) and 1 recording\(s\) that ended while callwarden was away/, 10_000);
    const db = second.daemon.store.repository;
    await second.daemon.store.queue.drained();

    const row = await db.getCall(gone.uuid);
    expect(row).to.include({ endedAt: null, endReason: 'ended while callwarden was away' });
    const [rec] = await second.recordings(gone.uuid);
    const bytes = readFileSync(path);
    expect(rec).to.include({ status: 'ok', filePath: path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), stoppedAt: null });
    // Measured from the WAV header: the first daemon saw ~6 s of recording before it went away, the call ran on after.
    expect(rec?.durationMs).to.be.greaterThan(5000);
    const ev = await second.evidence(gone.uuid);
    expect(ev.find((e) => e.kind === 'call_closed')?.detail).to.include({ reason: 'ended while callwarden was away', endedAt: null });
    expect(ev.find((e) => e.kind === 'recording_checked')?.detail).to.include({ path, status: 'ok', closedWhileAway: true, sha256: rec?.sha256 });
    expect((await db.verifyEvidence(gone.uuid)).ok).to.equal(true);

    expect(await db.getCall('other-node-call')).to.include({ endedAt: null, endReason: null });
    expect(await db.getRecording('other-node-rec')).to.include({ status: 'recording' });
    expect(await db.getCall(staying.uuid)).to.include({ endedAt: null, endReason: null });
    expect((await second.recordings(staying.uuid))[0]).to.include({ status: 'recording' });

    // The call that stayed ends in front of the new daemon: a real end, no "away" reason.
    const controller = await second.controllerOf(staying.uuid);
    sim.hangup(staying);
    await sim.advance(1000);
    await controller.done;
    await until(second.daemon.registry.calls$, () => second?.daemon.registry.get(staying.uuid) === undefined, 'the call to end', 5000);
    await second.daemon.store.queue.drained();
    const ended = await db.getCall(staying.uuid);
    expect(ended?.endedAt).to.be.a('string');
    expect(ended?.endReason).to.equal(null);
  });

  it('a call that ends while the ESL connection is down is closed at the reconnect: its recording by its own controller, its row by the resync', async () => {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    // The dialplan routes after `socket` (the daemon hands the call back), so nothing but the
    // inbound connection tells the daemon about the call once the consent flow is over.
    const s: Simulator = new Simulator({
      recordingsDir,
      heartbeatSeconds: 0,
      dialplan: (dest, session) =>
        dest === '5000'
          ? handBackSteps({ group: 'routed', target: 'user/1001', outbound: s.outbound, vars: { callwarden_agent: '1001' } })
          : groupDialplan(() => s)(dest, session),
    });
    sim = s;
    const proxy = await TcpProxy.start('127.0.0.1', await s.listen(0));
    try {
      const routed = { mode: 'opt-in', channels: 'both', consentTimeoutMs: 5000, consentTries: 2, prompts: PROMPTS };
      first = await startHarness({ sim: s, recordingsDir, eslPort: proxy.port, recording: { groups: { routed }, extensions: { '1001': { group: 'routed' } } } as never });
      const call = s.placeCall({ from: '+49301234567', to: '5000' });
      await s.expectPrompt(call);
      s.press(call, '1');
      await agentPicksUp(s, call);
      await until(first.daemon.registry.calls$, () => first?.daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
      const controller = await first.controllerOf(call.uuid);
      await s.advance(3000);

      proxy.cut();
      await until(first.daemon.inbound.state$, () => first?.daemon.inbound.state !== 'connected', 'the ESL connection to drop');
      s.hangup(call);
      await s.advance(1000);
      expect(call.caller.ch.alive).to.equal(false);
      proxy.restore();

      await controller.done;
      await first.waitForLog(/closed 1 call\(s\) and 0 recording\(s\) that ended while callwarden was away/, 10_000).catch((e) => { console.log(first!.log.map((l) => `${l.level} ${l.message} ${String(l.meta.callId ?? '')}`).join('\n')); throw e; });
      await first.daemon.store.queue.drained();
      expect(await first.daemon.store.repository.getCall(call.uuid)).to.include({ endedAt: null, endReason: 'ended while callwarden was away' });
      const [rec] = await first.recordings(call.uuid);
      expect(rec?.status).to.equal('ok');
      // Checked once, by the call's own controller (the channel is gone), not a second time by the closing.
      expect((await first.evidence(call.uuid)).filter((e) => e.kind === 'recording_checked')).to.have.length(1);
    } finally {
      await first?.stop();
      first = undefined;
      await proxy.close();
    }
  });
});
