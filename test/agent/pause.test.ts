// Pause for sensitive input (PCI DSS) through the simulator: the agent's key and live operations mask the running file, the maximum unmasks it, the file is silent exactly then.

import { expect } from 'chai';
import { until } from '../support/wait';
import { agentPicksUp, consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';
import { silentStretches, simClock } from './agent-harness';
import type { CallControllers } from '../../src/calls';

describe('agent: pause for sensitive input', () => {
  let h: Harness;
  let table: CallControllers;
  afterEach(async () => h?.stop());

  const start = (group: Parameters<typeof hotline>[0]) =>
    startHarness({
      recording: { groups: { hotline: hotline(group) }, extensions: { '1001': { group: 'hotline' } } },
      onTable: (t, sim) => {
        table = t;
        t.configureAgentSide({ clock: simClock(sim) });
      },
    });

  it('the pause key masks until pressed again, then again until the maximum; the file is silent exactly then and the evidence says who and when', async () => {
    h = await start({ mode: 'opt-in', pauseKey: '#', pauseMaxSeconds: 8 });
    const { sim } = h;
    const call = await consentedAndRecording(h);
    const u = call.uuid;
    const masks = () => sim.received.map((c) => c.line).filter((l) => / (mask|unmask) /.test(l));
    await sim.advance(5_000);
    sim.press(call, '#', 'agent');
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} mask `));
    await sim.advance(3_000);
    sim.press(call, '#', 'agent');
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} unmask `));
    await sim.advance(4_000);
    sim.press(call, '#', 'agent');
    const since = sim.received.length;
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} mask `), since);
    // Nobody presses again: the group's maximum (8 s) ends the pause by itself.
    await sim.advance(8_001);
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} unmask `), since);
    expect(masks()).to.have.length(4);
    await talkAndHangUp(h, call, 5_000);

    const [row] = await h.recordings(u);
    expect(row?.status).to.equal('ok');
    const { silent } = silentStretches(sim.recordingFile(row!.filePath));
    // Measured in the file: 3 s masked by the key, 8 s by the maximum (the unmask goes out 1 ms after it).
    expect(silent).to.have.length(2);
    expect(silent[0]!.toS - silent[0]!.fromS).to.be.closeTo(3, 0.01);
    expect(silent[1]!.toS - silent[1]!.fromS).to.be.closeTo(8, 0.01);
    expect(silent[1]!.fromS - silent[0]!.toS).to.be.closeTo(4, 0.01);

    const ev = await h.evidence(u);
    const pauses = ev.filter((r) => r.kind === 'pause_started' || r.kind === 'pause_ended').map((r) => [r.kind, (r.detail as { by: string }).by, (r.detail as { via: string }).via]);
    expect(pauses).to.deep.equal([
      ['pause_started', 'agent 1001', 'key'],
      ['pause_ended', 'agent 1001', 'key'],
      ['pause_started', 'agent 1001', 'key'],
      ['pause_ended', 'the maximum pause length', 'maximum'],
    ]);
    const ended = ev.filter((r) => r.kind === 'pause_ended').map((r) => (r.detail as { pausedMs: number }).pausedMs);
    expect(ended).to.deep.equal([3000, 8000]);
  });

  it('live operations pause and resume; both answered and audited with the user', async () => {
    h = await start({ mode: 'opt-in', pauseMaxSeconds: 60 });
    const { sim } = h;
    const call = await consentedAndRecording(h);
    const u = call.uuid;
    const paused = await table.pause(u, 'pause', { user: 'ops-anna', via: 'live-ops' });
    expect(paused.ok, paused.reason).to.equal(true);
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} mask `));
    await sim.advance(2_000);
    const resumed = await table.pause(u, 'resume', { user: 'ops-anna', via: 'live-ops' });
    expect(resumed.ok, resumed.reason).to.equal(true);
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} unmask `));
    const again = await table.pause(u, 'resume', { user: 'ops-anna', via: 'live-ops' });
    expect(again).to.deep.equal({ ok: false, reason: 'the recording is not paused' });
    await talkAndHangUp(h, call, 2_000);
    const ev = await h.evidence(u);
    expect(ev.filter((r) => r.kind === 'operator_pause').map((r) => [(r.detail as { user: string }).user, (r.detail as { action: string }).action, (r.detail as { ok: boolean }).ok])).to.deep.equal([
      ['ops-anna', 'pause', true],
      ['ops-anna', 'resume', true],
      ['ops-anna', 'resume', false],
    ]);
    expect(ev.filter((r) => r.kind === 'pause_started').map((r) => (r.detail as { by: string }).by)).to.deep.equal(['ops-anna']);
    const [row] = await h.recordings(u);
    const { silent } = silentStretches(sim.recordingFile(row!.filePath));
    expect(silent).to.have.length(1);
    expect(silent[0]!.toS - silent[0]!.fromS).to.be.closeTo(2, 0.01);
  });

  it('a pause never starts a recording: refused for live operations and a no-op for the key when nothing records', async () => {
    h = await start({ mode: 'opt-in', pauseKey: '#' });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.legs.some((l) => l.role === 'agent' && l.answered) === true, 'the bridge');
    sim.press(call, '#', 'agent');
    const verdict = await table.pause(call.uuid, 'pause', { user: 'ops-anna', via: 'live-ops' });
    expect(verdict.ok).to.equal(false);
    expect(verdict.reason).to.match(/nothing is being recorded/);
    await talkAndHangUp(h, call, 2_000);
    expect(sim.received.map((c) => c.line).filter((l) => l.includes('uuid_record'))).to.deep.equal([]);
  });
});
