// The recording lamp through the simulator: the PRESENCE_IN frames on the wire, and what mod_sofia would tell a BLF key, across a call's life.

import { expect } from 'chai';
import { agentsConfigOf, AgentSide } from '../../src/agent';
import type { ReceivedCommand } from '../../src/simulator/connection';
import { captureLogger } from '../support/capture-logger';
import { until } from '../support/wait';
import { agentPicksUp, hotline, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';
import { simClock } from './agent-harness';

const LAMP = 'rec+rec1001@pbx.test';

describe('agent: the recording lamp (BLF via PRESENCE_IN)', () => {
  let h: Harness;
  let side: AgentSide;
  afterEach(async () => {
    await side?.stop();
    await h?.stop();
  });

  async function start(group: Parameters<typeof hotline>[0]): Promise<Harness> {
    const agents = agentsConfigOf({ lamp: { enabled: true, domain: 'pbx.test', refreshSeconds: 0 }, mqtt: { enabled: false } });
    h = await startHarness({
      recording: { groups: { hotline: hotline(group) }, extensions: { '1001': { group: 'hotline' } } },
      onTable: (table, sim, config) => {
        side = new AgentSide({ agents, recording: config.recording }, captureLogger().logger);
        table.configureAgentSide({ clock: simClock(sim), listener: side.listener });
      },
    });
    side.start(h.daemon);
    return h;
  }

  const lampFrames = (received: readonly ReceivedCommand[]) => received.filter((c) => c.line === 'sendevent PRESENCE_IN');
  const answerStates = (received: readonly ReceivedCommand[]) => lampFrames(received).map((c) => c.headers['answer-state']);

  it('off at start, blinking while the caller is asked, on once FreeSWITCH records, blinking while paused, off after the call', async () => {
    await start({ mode: 'opt-in', pauseKey: '#', pauseMaxSeconds: 60 });
    const { sim, daemon } = h;
    await sim.until(() => sim.blf(LAMP) === 'terminated', 'the lamp reset at start');
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    await sim.until(() => sim.blf(LAMP) === 'early', 'the lamp to blink while the caller decides');
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await sim.until(() => sim.blf(LAMP) === 'confirmed', 'the lamp on');
    sim.press(call, '#', 'agent');
    await sim.until(() => sim.blf(LAMP) === 'early', 'the lamp to blink while paused');
    await sim.advance(3_000);
    sim.press(call, '#', 'agent');
    await sim.until(() => sim.blf(LAMP) === 'confirmed', 'the lamp on again');
    await talkAndHangUp(h, call, 2_000);
    await sim.until(() => sim.blf(LAMP) === 'terminated', 'the lamp off');

    expect(answerStates(sim.received)).to.deep.equal(['terminated', 'early', 'terminated', 'confirmed', 'early', 'confirmed', 'terminated']);
    // Every frame as mod_sofia needs it: the lamp's own proto and user, a dialog id that is no channel.
    for (const frame of lampFrames(sim.received)) {
      expect(frame.mode).to.equal('inbound');
      expect(frame.headers).to.include({ proto: 'rec', from: 'rec1001@pbx.test', event_type: 'presence', alt_event_type: 'dialog', 'Presence-Call-Direction': 'outbound' });
      expect(frame.headers['unique-id']).to.match(/^cwlamp[0-9a-f]{24}$/);
    }
    expect(sim.blfNotifies.filter((n) => n.entity === LAMP).every((n) => !n.mangled && n.direction === 'recipient')).to.equal(true);
  });

  it('a phone that (re)subscribes gets the lamp\'s current state at once (PRESENCE_PROBE), not only at the next change', async () => {
    await start({ mode: 'opt-in' });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await sim.until(() => sim.blf(LAMP) === 'confirmed', 'the lamp on');
    const before = lampFrames(sim.received).length;
    sim.subscribeBlf('1001@pbx.test', 'rec+rec1001@pbx.test');
    await sim.until(() => lampFrames(sim.received).length === before + 1, 'the lamp sent again');
    expect(lampFrames(sim.received).at(-1)?.headers['answer-state']).to.equal('confirmed');
    // A probe for anything else (another key, a presence subscription) is not ours to answer.
    sim.subscribeBlf('1001@pbx.test', 'rec+rec1002@pbx.test');
    sim.subscribeBlf('1001@pbx.test', '1001@pbx.test');
    await talkAndHangUp(h, call, 2_000);
    await sim.until(() => sim.blf(LAMP) === 'terminated', 'the lamp off');
    expect(answerStates(sim.received).slice(before)).to.deep.equal(['confirmed', 'terminated']);
  });

  it('a call that is not recorded (the caller objects) leaves the lamp dark once the prompt is answered', async () => {
    await start({ mode: 'opt-in' });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.legs.some((l) => l.role === 'agent' && l.answered) === true, 'the bridge');
    await talkAndHangUp(h, call, 5_000);
    expect(answerStates(sim.received)).to.deep.equal(['terminated', 'early', 'terminated']);
    expect(sim.blf(LAMP)).to.equal('terminated');
  });
});
