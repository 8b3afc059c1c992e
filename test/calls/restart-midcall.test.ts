// Issue 9.1: stopping, killing and restarting the daemon during 10 bridged calls cuts nothing; the restarted daemon checks the recordings and completes the rows.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Session } from '../../src/simulator/session';
import { Simulator, type CallHandle } from '../../src/simulator/simulator';
import { until } from '../support/wait';
import { agentPicksUp, groupDialplan, hotline, startHarness, tmpOutbox, uuidRecords, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };
const CALLS = 10;

/**
 * The process dies: its sockets go without a word (no `exit`, no goodbye), then what the OS
 * would release with the process (the outbox lock, the database handle) is released here.
 */
async function kill(h: Harness): Promise<void> {
  // The server's private socket set: a killed process's call sockets get a TCP reset.
  for (const socket of (h.daemon.outbound as unknown as { sockets: Set<Socket> }).sockets) socket.resetAndDestroy();
  const conn = await h.daemon.inbound.ready();
  conn.destroy();
  await h.stop();
}

describe('calls: the daemon stops, is killed and restarts during 10 bridged calls', function () {
  let sim: Simulator | undefined;
  let daemons: Harness[] = [];
  afterEach(async () => {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await sim?.stop();
    daemons = [];
    sim = undefined;
  });

  it('no agent leg is hung up, no call dropped; the last daemon checks every recording and completes every row', async function () {
    this.timeout(120_000);
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    const store = { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() };
    const s: Simulator = new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => s) });
    sim = s;
    const start = async (): Promise<Harness> => {
      const h = await startHarness({ sim: s, recordingsDir, store, recording: OPT_IN });
      daemons.push(h);
      return h;
    };

    const first = await start();
    const calls: CallHandle[] = [];
    const agents: Session[] = [];
    for (let i = 0; i < CALLS; i++) {
      const call = s.placeCall({ from: `+4930123456${i.toString().padStart(2, '0')}`, to: '5000' });
      await s.expectPrompt(call);
      s.press(call, '1');
      await agentPicksUp(s, call);
      await until(first.daemon.registry.calls$, () => first.daemon.registry.get(call.uuid)?.recording === true, `RECORD_START of call ${i}`);
      calls.push(call);
      agents.push(call.agent as Session);
    }
    // Every call socket was handed back: the daemon holds no call inside FreeSWITCH.
    expect(s.openConnections.outbound).to.equal(0);
    const bridgedAt = s.mark();
    const inConversation = (): boolean => calls.every((c, i) => c.caller.ch.alive && agents[i]!.ch.alive && c.caller.bridge === agents[i]);

    // 1. A clean stop (SIGTERM).
    await first.stop();
    daemons = daemons.filter((d) => d !== first);
    await s.advance(5000);
    expect(inConversation(), 'after the stop').to.equal(true);

    // 2. A daemon starts, adopts the ten calls, and is killed (SIGKILL: its sockets just vanish).
    const second = await start();
    for (const c of calls) await second.controllerOf(c.uuid);
    await s.advance(5000);
    daemons = daemons.filter((d) => d !== second);
    await kill(second);
    await s.advance(5000);
    expect(inConversation(), 'after the kill').to.equal(true);

    // 3. It restarts, adopts them again, and sees the calls to their end.
    const third = await start();
    const controllers = await Promise.all(calls.map((c) => third.controllerOf(c.uuid)));
    await s.advance(5000);
    expect(inConversation(), 'after the restart').to.equal(true);
    // No agent leg was hung up and none rang again while the daemons came and went.
    const legEvents = s.events.slice(bridgedAt);
    expect(legEvents.filter((e) => e.name === 'CHANNEL_HANGUP')).to.have.length(0);
    expect(legEvents.filter((e) => e.name === 'CHANNEL_CREATE')).to.have.length(0);

    for (const c of calls) s.hangup(c);
    await s.advance(1000);
    await Promise.all(controllers.map((c) => c.done));

    // One file per call, started once in all three runs, stopped by FreeSWITCH at hangup and checked.
    expect(uuidRecords(s).filter((l) => l.includes(' start '))).to.have.length(CALLS);
    for (const c of calls) {
      const rows = await third.recordings(c.uuid);
      expect(rows, c.uuid).to.have.length(1);
      expect(rows[0]).to.include({ status: 'ok', segment: 1, filePath: `${recordingsDir}/${c.uuid}/01-both.wav` });
      const ev = await third.evidence(c.uuid);
      expect(ev.filter((e) => e.kind === 'adopted'), 'adopted twice').to.have.length(2);
      expect(ev.filter((e) => e.kind === 'agent_facts'), 'agent facts taken once').to.have.length(1);
      expect(ev.map((e) => e.kind)).to.include('recording_checked');
      await until(third.daemon.registry.calls$, () => third.daemon.registry.get(c.uuid) === undefined, 'the call to be forgotten');
      await third.daemon.store.queue.drained();
      const row = await third.daemon.store.repository.getCall(c.uuid);
      expect(row?.endedAt, `call row ${c.uuid} ended`).to.be.a('string');
      expect(row).to.include({ group: 'hotline', agentExtension: '1001' });
    }
  });

  it('killed during the consent prompt: the dialplan bridges the call at once, unrecorded; the next daemon adopts it and records nothing', async () => {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    const store = { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() };
    const s: Simulator = new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => s) });
    sim = s;
    const first = await startHarness({ sim: s, recordingsDir, store, recording: OPT_IN });
    const call = s.placeCall({ from: '+49301234567', to: '5000' });
    await s.expectPrompt(call);
    // The process dies with the call socket open under play_and_get_digits.
    const mark = s.mark();
    await kill(first);
    await s.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.uuid === call.uuid && e.headers.some(([k, v]) => k === 'Application' && v === 'socket'), mark);
    // socket_resume: the dialplan's own bridge ${callwarden_target} rings agent 1001.
    await s.agentAnswers(call, '1001');
    expect(call.caller.ch.alive).to.equal(true);

    const second = await startHarness({ sim: s, recordingsDir, store, recording: OPT_IN });
    daemons.push(second);
    const controller = await second.controllerOf(call.uuid);
    s.press(call, '1'); // a key now answers no prompt: it is not consent
    await s.advance(5000);
    s.hangup(call);
    await s.advance(1000);
    await controller.done;
    expect(uuidRecords(s)).to.deep.equal([]);
    const ev = await second.evidence(call.uuid);
    expect(ev.map((e) => e.kind)).to.include.members(['prompt_played', 'adopted', 'decision']);
    expect(ev.some((e) => e.kind === 'consent')).to.equal(false);
    expect((ev.filter((e) => e.kind === 'decision').at(-1)?.detail as { record: boolean }).record).to.equal(false);
  });
});

