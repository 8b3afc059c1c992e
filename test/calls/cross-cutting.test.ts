// permanent modes, the routing veto, agent consent on file and the legal-notice gate, through the simulator.

import { expect } from 'chai';
import { until } from '../support/wait';
import {
  agentPicksUp,
  consentedAndRecording,
  decisionsOf,
  hotline,
  playbacks,
  PROMPTS,
  recordingCommands,
  startHarness,
  talkAndHangUp,
  uuidRecords,
  type Harness,
} from './call-harness';

const ext = { '1001': { group: 'hotline' } };

describe('calls: permanent modes, veto, agent consent, legal notice', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('permanent-opt-out + callwarden_no_record → no prompt, no uuid_record, the veto is the reason', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'permanent-opt-out' }) }, extensions: ext }, vars: { callwarden_no_record: 'true' } });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call);
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect(sim.received.some((c) => c.headers['execute-app-name'] === 'play_and_get_digits')).to.equal(false);
    const ev = await h.evidence(call.uuid);
    expect(decisionsOf(ev).at(-1)).to.include({ record: false, reason: 'the routing vetoed recording for this call (callwarden_no_record)' });
  });

  it('permanent-opt-out without the veto and no answer → recorded after the notice', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'permanent-opt-out' }) }, extensions: ext } });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call, '1001', true);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.have.length(1);
    expect(decisionsOf(await h.evidence(call.uuid)).find((d) => d.record)?.reason).to.contain('did not object');
  });

  it('permanent + 9 → the caller hears the notice, the objection is logged, and the call is still recorded', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'permanent' }) }, extensions: ext } });
    const { sim } = h;
    const call = await consentedAndRecording(h, '9');
    await talkAndHangUp(h, call);
    const menu = sim.received.find((c) => c.headers['execute-app-name'] === 'play_and_get_digits');
    expect(menu?.headers['execute-app-arg']).to.contain(` 1 5000 # ${PROMPTS.notice} `);
    expect(sim.events.some((e) => e.name === 'PLAYBACK_START' && e.uuid === call.uuid && e.headers.some(([k, v]) => k === 'Playback-File-Path' && v === PROMPTS.notice))).to.equal(true);
    expect(playbacks(sim, call.uuid)).to.deep.equal([PROMPTS.recordingStarted]);
    expect(uuidRecords(sim)).to.deep.equal([`api uuid_record ${call.uuid} start ${h.recordingsDir}/${call.uuid}/01-both.wav`]);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'consent')?.detail).to.include({ outcome: 'refused', digit: '9' });
    expect(decisionsOf(ev).find((d) => d.record)?.reason).to.contain('pressed 9 during the recording notice, but this group must record every call');
    expect((await h.recordings(call.uuid))[0]).to.include({ status: 'ok' });
  });

  it('an agent without consent on file is not recorded (and the caller is not asked)', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in', agentWithoutConsent: 'none' }) }, extensions: ext }, consenting: [] });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call);
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect(sim.received.some((c) => c.headers['execute-app-name'] === 'play_and_get_digits')).to.equal(false);
    expect(decisionsOf(await h.evidence(call.uuid)).at(-1)?.reason).to.equal(
      'nothing is recorded: the agent has no recording consent on file and the group records nothing in that case',
    );
  });

  it('an agent without consent on file, group "caller-only": only the caller is recorded', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in', agentWithoutConsent: 'caller-only' }) }, extensions: ext }, consenting: [] });
    const { sim } = h;
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call);
    expect(recordingCommands(sim)).to.include(`api uuid_setvar ${call.uuid} RECORD_READ_ONLY true`);
    expect(uuidRecords(sim)).to.deep.equal([`api uuid_record ${call.uuid} start ${h.recordingsDir}/${call.uuid}/01-caller.wav`]);
  });

  it('an extension not enabled in config is never recorded', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'permanent' }) }, extensions: {} } });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call);
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect(decisionsOf(await h.evidence(call.uuid)).at(-1)).to.include({ record: false, mode: 'disabled' });
  });

  it('legal notice not acknowledged → calls are routed, nothing is asked or recorded, one clear log line', async () => {
    h = await startHarness({ recording: { legalNoticeAcknowledged: false, groups: { hotline: hotline({ mode: 'permanent' }) }, extensions: ext } });
    const { sim } = h;
    for (const from of ['+49301234567', '+49301234568']) {
      const call = sim.placeCall({ from, to: '5000' });
      await agentPicksUp(sim, call);
      await talkAndHangUp(h, call, 3000);
      expect(decisionsOf(await h.evidence(call.uuid)).at(-1)?.reason).to.equal(
        'nothing is recorded: the operator has not acknowledged the legal notice (recording.legalNoticeAcknowledged)',
      );
    }
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect(sim.received.some((c) => c.headers['execute-app-name'] === 'play_and_get_digits')).to.equal(false);
    const lines = h.log.filter((l) => l.message.includes('legalNoticeAcknowledged'));
    expect(lines).to.have.length(1);
    expect(lines[0]!.level).to.equal('warn');
    expect(lines[0]!.message).to.match(/^recording is OFF for every call/);
  });
});
