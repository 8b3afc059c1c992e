// manual (the agent's record key: two segments, each start and stop announced) and transfer (a second segment, re-announced).

import { expect } from 'chai';
import { until } from '../support/wait';
import { agentPicksUp, decisionsOf, driveUntil, hotline, PROMPTS, startHarness, talkAndHangUp, uuidRecords, type Harness } from './call-harness';

describe('calls: manual and transfer', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('manual: the agent\'s key starts and stops twice → two segments, each start and stop announced to both', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'manual', manualKey: '*' }) }, extensions: { '1001': { group: 'hotline' } } } });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call);
    const recordingIs = (on: boolean, what: string) =>
      until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === on && !call.caller.runningApp?.startsWith('playback'), what);
    for (const segment of [1, 2]) {
      sim.press(call, '*', 'agent');
      await driveUntil(sim, call, () => daemon.registry.get(call.uuid)?.recording === true, `segment ${segment} to start`);
      await sim.advance(10_000);
      sim.press(call, '*', 'agent');
      await driveUntil(sim, call, () => daemon.registry.get(call.uuid)?.recording === false, `segment ${segment} to stop`);
      await driveUntil(sim, call, () => !call.caller.runningApp?.startsWith('playback'), 'the announcement to end');
      await recordingIs(false, `segment ${segment} stopped`);
    }
    await talkAndHangUp(h, call, 2000);
    const dir = `${h.recordingsDir}/${call.uuid}`;
    const u = call.uuid;
    const wire = sim.received.map((c) => c.line).filter((l) => /uuid_record|uuid_broadcast/.test(l));
    expect(wire).to.deep.equal([
      `api uuid_broadcast ${u} ${PROMPTS.recordingStarted} both`,
      `api uuid_record ${u} start ${dir}/01-both.wav`,
      `api uuid_record ${u} stop ${dir}/01-both.wav`,
      `api uuid_broadcast ${u} ${PROMPTS.recordingStopped} both`,
      `api uuid_broadcast ${u} ${PROMPTS.recordingStarted} both`,
      `api uuid_record ${u} start ${dir}/02-both.wav`,
      `api uuid_record ${u} stop ${dir}/02-both.wav`,
      `api uuid_broadcast ${u} ${PROMPTS.recordingStopped} both`,
    ]);
    const rows = await h.recordings(call.uuid);
    expect(rows.map((r) => [r.segment, r.status])).to.deep.equal([
      [1, 'ok'],
      [2, 'ok'],
    ]);
    const reasons = decisionsOf(await h.evidence(call.uuid)).map((d) => d.reason);
    expect(reasons).to.include('the agent started recording with the record key; recording both parties in stereo (caller left, agent right)');
    expect(reasons).to.include('the agent stopped recording with the record key');
  });

  it('transfer: the first segment ends with the first agent, the second starts with the re-announcement to the new agent', async () => {
    h = await startHarness({
      recording: { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' }, '1002': { group: 'hotline' } } },
    });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'segment 1');
    await sim.advance(10_000);
    sim.transfer(call, '1002');
    await driveUntil(sim, call, () => call.agent?.farEnd === 'ringing' && call.agent.ch.profile.destinationNumber === '1002', 'the transfer to ring 1002');
    await sim.agentAnswers(call, '1002');
    await driveUntil(sim, call, () => daemon.registry.get(call.uuid)?.recordings.some((r) => r.active && r.path.endsWith('02-both.wav')) === true, 'segment 2');
    await talkAndHangUp(h, call, 10_000);
    const dir = `${h.recordingsDir}/${call.uuid}`;
    const u = call.uuid;
    expect(uuidRecords(sim)).to.deep.equal([
      `api uuid_record ${u} start ${dir}/01-both.wav`,
      `api uuid_record ${u} stop ${dir}/01-both.wav`,
      `api uuid_record ${u} start ${dir}/02-both.wav`,
    ]);
    expect(sim.received.map((c) => c.line)).to.include(`api uuid_broadcast ${u} ${PROMPTS.reannouncement} both`);
    const rows = await h.recordings(call.uuid);
    expect(rows.map((r) => [r.segment, r.status])).to.deep.equal([
      [1, 'ok'],
      [2, 'ok'],
    ]);
    const ev = await h.evidence(call.uuid);
    expect(ev.some((e) => e.kind === 'transfer')).to.equal(true);
    expect(decisionsOf(ev).find((d) => d.segment === 2 && d.record)?.announcements).to.deep.equal(['reannouncement:2']);
  });
});
