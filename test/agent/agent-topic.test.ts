// The agent's retained MQTT topic follows the call (recorded, paused, monitored and by whom where the group says so), on the embedded broker and on Mosquitto.

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { agentsConfigOf, AgentSide } from '../../src/agent';
import { activeMonitors } from '../../src/streams';
import { captureLogger } from '../support/capture-logger';
import { until } from '../support/wait';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';
import { COACHING, LIVE_OPS, SUPERVISOR } from '../calls/live-ops-client';
import { OpsSubscriber } from '../mqtt/ops-subscriber';
import { testBrokers, type TestBroker } from '../mqtt/test-brokers';
import { simClock } from './agent-harness';

interface AgentPayload {
  extension: string;
  callId: string | null;
  recorded: boolean;
  paused: boolean;
  lamp: string;
  monitored: boolean | null;
  monitoredBy: Array<{ supervisor: string; mode: string }> | null;
}

for (const definition of testBrokers()) {
  describe(`agent: the agent topic on MQTT (${definition.name})`, () => {
    let broker: TestBroker;
    let h: Harness | undefined;
    let side: AgentSide | undefined;
    let ops: OpsSubscriber | undefined;
    before(async () => {
      broker = await definition.start();
    });
    after(async () => broker?.close());
    afterEach(async () => {
      await ops?.client.endAsync();
      await side?.stop();
      await h?.stop();
      h = undefined;
    });

    async function start(notifyAgentOfMonitoring: boolean) {
      const node = `cw-agent-${randomBytes(4).toString('hex')}`;
      h = await startHarness({
        recording: { groups: { hotline: hotline({ mode: 'opt-in', pauseKey: '#', notifyAgentOfMonitoring }) }, extensions: { '1001': { group: 'hotline' } } },
        coaching: COACHING,
        liveOps: LIVE_OPS,
        mqtt: { url: broker.url, node, ...broker.publisher },
        onTable: (table, sim, config) => {
          side = new AgentSide({ agents: agentsConfigOf({}), recording: config.recording }, captureLogger().logger);
          table.configureAgentSide({ clock: simClock(sim), listener: side.listener });
        },
      });
      ops = await OpsSubscriber.connect(broker.url, `callwarden/${node}/agents/#`);
      side!.start(h.daemon);
      return { topic: `callwarden/${node}/agents/1001`, ops };
    }

    const payload = (m: { payload: string }): AgentPayload => JSON.parse(m.payload) as AgentPayload;

    it('idle, then the call recorded, paused, monitored by the supervisor (the group tells its agents), then idle again', async () => {
      const { topic, ops } = await start(true);
      const harness = h!;
      const { sim, daemon } = harness;
      const first = await ops.next((m) => m.topic === topic, 'the idle state at start');
      expect(payload(first)).to.include({ extension: '1001', callId: null, recorded: false, lamp: 'off' });
      const call = await consentedAndRecording(harness);
      const recorded = await ops.next((m) => m.topic === topic && payload(m).recorded, 'recorded');
      expect(payload(recorded)).to.include({ callId: call.uuid, paused: false, lamp: 'on', monitored: false });
      sim.press(call, '#', 'agent');
      const paused = await ops.next((m) => m.topic === topic && payload(m).paused, 'paused');
      expect(payload(paused)).to.include({ lamp: 'blinking', recorded: true });
      sim.press(call, '#', 'agent');
      await ops.next((m) => m.topic === topic && !payload(m).paused, 'resumed');
      sim.placeCall({ from: SUPERVISOR, to: '*98*1001' });
      await until(daemon.registry.calls$, () => activeMonitors(daemon.registry.get(call.uuid) ?? ({ monitors: [] } as never)).length === 1, 'the supervisor listening');
      const monitored = await ops.next((m) => m.topic === topic && payload(m).monitored === true, 'monitored');
      expect(payload(monitored).monitoredBy).to.deep.equal([{ supervisor: SUPERVISOR, mode: 'listen' }]);
      await talkAndHangUp(harness, call, 2_000);
      const idle = await ops.next((m) => m.topic === topic && payload(m).callId === null, 'idle after the call');
      expect(payload(idle)).to.include({ recorded: false, lamp: 'off', monitored: null });
    });

    it('where the group does not tell its agents, a listening supervisor shows on the agent topic as nothing (monitored: null)', async () => {
      const { topic, ops } = await start(false);
      const harness = h!;
      const { sim, daemon } = harness;
      const call = await consentedAndRecording(harness);
      await ops.next((m) => m.topic === topic && payload(m).recorded, 'recorded');
      sim.placeCall({ from: SUPERVISOR, to: '*98*1001' });
      await until(daemon.registry.calls$, () => activeMonitors(daemon.registry.get(call.uuid) ?? ({ monitors: [] } as never)).length === 1, 'the supervisor listening');
      await talkAndHangUp(harness, call, 2_000);
      await ops.next((m) => m.topic === topic && payload(m).callId === null, 'idle after the call');
      const during = ops.messages.filter((m) => m.topic === topic && m.payload !== '').map(payload);
      expect(during.every((p) => p.monitored === null && p.monitoredBy === null)).to.equal(true);
      expect(JSON.stringify(during)).to.not.contain(SUPERVISOR);
    });
  });
}
