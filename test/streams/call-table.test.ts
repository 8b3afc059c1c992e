// Linking legs into calls on real traces: one call of caller + agent + supervisor; objection; transfer; seeding.

import { expect } from 'chai';
import { Subject } from 'rxjs';
import type { EslEvent } from '../../src/esl/frame';
import { CallRegistry } from '../../src/streams/call-registry';
import { activeMonitors, callerLeg, legOf, liveAgentLeg, type CallState } from '../../src/streams/call-state';
import type { CallUpdate } from '../../src/streams/call-table';
import type { NodeEvent } from '../../src/streams/node-event';
import { tracesAvailable } from '../support/traces';
import { AGENT, CALLER, interleaveBySequence, NODE, readConnectReply, SUPERVISOR, tagged, traceChannelRows, traceEvents } from './fixtures';

const seq = (e: EslEvent) => Number(e.headers['Event-Sequence']);

interface Harness {
  readonly registry: CallRegistry;
  readonly source: Subject<NodeEvent>;
  readonly updates: CallUpdate[];
  feed(events: readonly EslEvent[]): void;
  ended(): CallState[];
}

function harness(): Harness {
  const registry = new CallRegistry();
  const source = new Subject<NodeEvent>();
  const updates: CallUpdate[] = [];
  registry.calls$.subscribe((u) => updates.push(u));
  registry.attach(source);
  return {
    registry,
    source,
    updates,
    feed: (events) => tagged(events).forEach((e) => source.next(e)),
    ended: () => updates.filter((u) => u.kind === 'ended').map((u) => u.call),
  };
}

(tracesAvailable() ? describe : describe.skip)('streams/call-table (via CallRegistry)', () => {
  describe('consent-bridge-coach', () => {
    const inbound = traceEvents('consent-bridge-coach', 'watch-json');
    const all = interleaveBySequence(
      inbound,
      traceEvents('consent-bridge-coach', 'consent-socket'),
      traceEvents('consent-bridge-coach', 'coach-socket'),
    );

    it('caller, agent and supervisor become ONE call with a monitor (inbound events only)', () => {
      const h = harness();
      h.feed(inbound);
      const ended = h.ended();
      expect(ended).to.have.length(1);
      const call = ended[0]!;
      expect(call.callId).to.equal(CALLER);
      expect(call.legs.map((l) => [l.uuid, l.role])).to.deep.equal([
        [CALLER, 'caller'],
        [AGENT, 'agent'],
        [SUPERVISOR, 'supervisor'],
      ]);
      expect(call).to.include({ agentExtension: '1001', callerNumber: '1000', destination: '5002', direction: 'inbound', ended: true });
      expect(call.node).to.deep.equal({ name: NODE, coreUuid: '2c923e4a-7233-44c9-b9f7-5151ea79c60f', hostname: 'vm' });
      // The inbound connection does not subscribe CHANNEL_EXECUTE: the session is known from its end.
      expect(call.monitors).to.deep.equal([
        { supervisorLeg: SUPERVISOR, targetLeg: AGENT, mode: 'listen', stoppedAt: 1795345834361980, active: false },
      ]);
      // The supervisor's own call (*97*1001) was absorbed, and nothing is left behind.
      expect(h.updates.filter((u) => u.kind === 'absorbed').map((u) => [u.call.callId, u.kind === 'absorbed' && u.into])).to.deep.equal([
        [SUPERVISOR, CALLER],
      ]);
      expect(h.registry.size).to.equal(0);
      expect(h.registry.routeCount).to.equal(0);
      expect(h.registry.gauges).to.include({ openGroups: 0, activeSubscriptions: 0 });
    });

    it('with the outbound sockets merged in: duplicates dropped, eavesdrop start and mode changes seen', () => {
      const h = harness();
      h.feed(all);
      expect(h.registry.dedupStats.duplicates).to.be.greaterThan(0);
      const modes: string[] = [];
      for (const u of h.updates) {
        const m = u.call.monitors[0];
        if (m !== undefined && u.call.callId === CALLER && modes[modes.length - 1] !== `${m.mode}:${m.active}`) modes.push(`${m.mode}:${m.active}`);
      }
      // Digits 2, 3, 0 (the 1 never reached FreeSWITCH, traces README).
      expect(modes).to.deep.equal(['listen:true', 'talk-target:true', 'three-way:true', 'listen:true', 'listen:false']);
      const call = h.ended()[0]!;
      expect(call.monitors[0]).to.include({ startedAt: 1795345819361981, stoppedAt: 1795345834361980 });
      expect(call.digits.map((d) => `${d.role}:${d.digit}`)).to.deep.equal(['caller:1', 'agent:5', 'supervisor:2', 'supervisor:3', 'supervisor:0']);
    });

    it('mid-call lookups: extension 1001 has an active call with a live monitor', () => {
      const h = harness();
      h.feed(all.filter((e) => seq(e) <= 620));
      const call = h.registry.activeCallOfAgent('1001')!;
      expect(call.callId).to.equal(CALLER);
      expect(h.registry.byLeg(SUPERVISOR)?.callId).to.equal(CALLER);
      expect(h.registry.byLeg(AGENT)).to.equal(call);
      expect(activeMonitors(call).map((m) => m.mode)).to.deep.equal(['listen']);
      expect(call.recording).to.equal(true);
      expect(h.registry.activeCallOfAgent('1002')).to.equal(undefined);
      expect(h.registry.size).to.equal(1);
    });

    it('after a restart: seeded from show channels, then the rest of the events', () => {
      const h = harness();
      const rows = traceChannelRows('consent-bridge-coach', 'coach-socket');
      h.registry.resync(NODE, rows, h.registry.mark());
      const seeded = h.registry.get(CALLER)!;
      expect(seeded.legs.map((l) => [l.uuid, l.role, l.answered])).to.deep.equal([
        [CALLER, 'caller', true],
        [AGENT, 'agent', true],
      ]);
      expect(seeded).to.include({ agentExtension: '1001', callerNumber: '1000', destination: '5002' });
      expect(h.registry.activeCallOfAgent('1001')?.callId).to.equal(CALLER);
      // Events produced after the snapshot (the api reply came before the eavesdrop).
      h.feed(inbound.filter((e) => seq(e) > 611));
      const call = h.ended()[0]!;
      expect(call.legs.map((l) => l.role)).to.deep.equal(['caller', 'agent', 'supervisor']);
      expect(call.recordings).to.have.length(1); // the RECORD_STOP, its start predates us
      expect(h.registry.size).to.equal(0);
      expect(h.registry.routeCount).to.equal(0);
    });

    it('a periodic resync that changes nothing gives no update (it woke every controller); a changed row gives one', () => {
      const h = harness();
      const rows = traceChannelRows('consent-bridge-coach', 'coach-socket');
      h.registry.resync(NODE, rows, h.registry.mark());
      const seeded = h.updates.length;
      expect(seeded).to.be.greaterThan(0);
      const before = h.registry.get(CALLER);
      h.registry.resync(NODE, rows, h.registry.mark());
      expect(h.updates.length, 'updates from a second, identical snapshot').to.equal(seeded);
      expect(h.registry.get(CALLER)).to.equal(before);
      // The agent put on hold since: the row says so, and the call is updated.
      const held = rows.map((r) => (r.uuid === AGENT ? { ...r, callstate: 'HELD' } : r));
      h.registry.resync(NODE, held, h.registry.mark());
      expect(h.updates.length).to.equal(seeded + 1);
      expect(legOf(h.registry.get(CALLER)!, AGENT)?.callState).to.equal('HELD');
    });

    it('a snapshot that arrives after the calls ended does not bring them back', () => {
      const h = harness();
      const mark = h.registry.mark();
      h.feed(inbound);
      h.registry.resync(NODE, traceChannelRows('consent-bridge-coach', 'coach-socket'), mark);
      expect(h.registry.size).to.equal(0);
      expect(h.registry.routeCount).to.equal(0);
    });

    it("the outbound socket's connect reply (CHANNEL_DATA, every variable) starts the caller leg", () => {
      const reply = readConnectReply('consent-bridge-coach', 'consent-socket');
      const h = harness();
      h.feed([reply]);
      const call = h.registry.get(CALLER)!;
      expect(callerLeg(call)).to.include({ role: 'caller', callerNumber: '1000', destination: '5002', answered: false });
      expect(call.node.coreUuid).to.equal('2c923e4a-7233-44c9-b9f7-5151ea79c60f');
    });
  });

  it('objection: one call, the caller pressed 9, never recorded', () => {
    const h = harness();
    h.feed(traceEvents('objection', 'watch-json'));
    const [call, ...rest] = h.ended();
    expect(rest).to.have.length(0);
    expect(call!.legs.map((l) => l.role)).to.deep.equal(['caller', 'agent']);
    expect(call!.digits.map((d) => d.digit)).to.deep.equal(['9']);
    expect(call!.recordings).to.deep.equal([]);
    expect(h.registry.size).to.equal(0);
  });

  it('transfer: the agent leg ends, the call goes on with its recording, then ends with the caller', () => {
    const h = harness();
    const events = traceEvents('transfer', 'watch-json');
    const agentGone = events.findIndex((e) => e.name === 'CHANNEL_DESTROY');
    h.feed(events.slice(0, agentGone + 1));
    const callerUuid = events[0]!.headers['Unique-ID']!;
    const live = h.registry.get(callerUuid)!;
    expect(live.ended).to.equal(false);
    expect(liveAgentLeg(live)).to.equal(undefined);
    expect(h.registry.activeCallOfAgent('1001')).to.equal(undefined);
    expect(live.recording).to.equal(true);
    expect(callerLeg(live)?.destination).to.equal('5001');
    h.feed(events.slice(agentGone + 1));
    const [call] = h.ended();
    expect(call!.legs.map((l) => [l.role, l.closeReason])).to.deep.equal([['caller', 'destroy'], ['agent', 'destroy']]);
    expect(call!.recordings[0]).to.include({ active: false });
    expect(h.registry.size).to.equal(0);
  });

  it('record-api: a call seeded from a single-leg row is its own caller leg', () => {
    const h = harness();
    const [row] = traceChannelRows('record-api', 'watch-json');
    h.registry.resync(NODE, [row!], h.registry.mark());
    const call = h.registry.get(row!.uuid)!;
    expect(call.legs).to.have.length(1);
    expect(legOf(call, row!.uuid)).to.include({ role: 'caller', answered: true, channelState: 'CS_EXECUTE', createdAt: 1795345970_000_000 });
  });

  it('resync closes a leg FreeSWITCH no longer has, but keeps legs newer than the snapshot', () => {
    const h = harness();
    const inbound = traceEvents('consent-bridge-coach', 'watch-json');
    h.feed(inbound.filter((e) => seq(e) <= 563)); // caller and agent, bridged
    const mark = h.registry.mark();
    h.feed(inbound.filter((e) => seq(e) > 563 && seq(e) <= 610)); // the supervisor appears after the mark
    h.registry.resync(NODE, [], mark);
    expect(h.registry.get(CALLER)).to.equal(undefined);
    const [ended] = h.ended();
    expect(ended!.legs.map((l) => l.closeReason)).to.deep.equal(['expired', 'expired']);
    expect(h.registry.get(SUPERVISOR)?.legs.map((l) => l.closed)).to.deep.equal([false]);
    // The expired channels' groups are closed too: their later events are late, not new calls.
    h.feed(inbound.filter((e) => seq(e) > 610 && e.headers['Unique-ID'] !== SUPERVISOR));
    expect(h.registry.get(CALLER)).to.equal(undefined);
    expect(h.registry.gauges.openGroups).to.equal(1); // the supervisor's
  });
});
