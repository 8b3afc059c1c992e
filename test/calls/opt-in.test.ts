// opt-in through the simulator: 1 records the configured channels, 9 and silence never send uuid_record.

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { until } from '../support/wait';
import {
  agentPicksUp,
  consentedAndRecording,
  decisionsOf,
  hotline,
  kindsOf,
  playbacks,
  PROMPTS,
  recordingCommands,
  startHarness,
  talkAndHangUp,
  uuidRecords,
  type Harness,
} from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: opt-in', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('1 → consent, bridge, stereo recording on the caller leg with all four RECORD_* set; the WAV is checked', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim } = h;
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call);

    const path = `${h.recordingsDir}/${call.uuid}/01-both.wav`;
    expect(playbacks(sim, call.uuid)).to.deep.equal([PROMPTS.recordingStarted]);
    expect(recordingCommands(sim)).to.deep.equal([
      `api uuid_setvar ${call.uuid} RECORD_STEREO true`,
      `api uuid_setvar ${call.uuid} RECORD_STEREO_SWAP false`,
      `api uuid_setvar ${call.uuid} RECORD_READ_ONLY false`,
      `api uuid_setvar ${call.uuid} RECORD_WRITE_ONLY false`,
      `api uuid_record ${call.uuid} start ${path}`,
    ]);
    expect(existsSync(path)).to.equal(true);
    const rows = await h.recordings(call.uuid);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ status: 'ok', channels: 'both', segment: 1, filePath: path });
    expect(rows[0]!.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(rows[0]!.durationMs).to.be.within(19_000, 22_000);
    const ev = await h.evidence(call.uuid);
    expect(kindsOf(ev)).to.include.members(['call_accepted', 'prompt_played', 'consent', 'digit_pressed', 'decision', 'command_sent', 'fs_confirmed', 'recording_checked']);
    // Order of the proof: the command, then FreeSWITCH's RECORD_START, then its RECORD_STOP and the file check.
    const order = kindsOf(ev).filter((k) => ['command_sent', 'fs_confirmed', 'recording_checked'].includes(k));
    expect(order.slice(-3)).to.deep.equal(['fs_confirmed', 'fs_confirmed', 'recording_checked']);
    expect(decisionsOf(ev).find((d) => d.record)?.reason).to.contain('the caller agreed with DTMF 1');
  });

  it('caller only: RECORD_READ_ONLY=true, the others false, a mono file', async () => {
    h = await startHarness({ recording: { ...OPT_IN, groups: { hotline: hotline({ mode: 'opt-in', channels: 'caller' }) } } });
    const { sim } = h;
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call, 5000);
    expect(recordingCommands(sim)).to.deep.equal([
      `api uuid_setvar ${call.uuid} RECORD_STEREO false`,
      `api uuid_setvar ${call.uuid} RECORD_STEREO_SWAP false`,
      `api uuid_setvar ${call.uuid} RECORD_READ_ONLY true`,
      `api uuid_setvar ${call.uuid} RECORD_WRITE_ONLY false`,
      `api uuid_record ${call.uuid} start ${h.recordingsDir}/${call.uuid}/01-caller.wav`,
    ]);
    expect((await h.recordings(call.uuid))[0]).to.include({ status: 'ok', channels: 'caller' });
  });

  it('9 → "no recording", the bridge, and no uuid_record ever; the evidence says why', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await agentPicksUp(sim, call);
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.deep.equal([]);
    expect(playbacks(sim, call.uuid)).to.deep.equal([PROMPTS.noRecording]);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'consent')?.detail).to.include({ outcome: 'refused', digit: '9' });
    const last = decisionsOf(ev).at(-1)!;
    expect(last).to.include({ record: false, reason: 'the caller objected with DTMF 9 at the consent prompt' });
    expect(await h.recordings(call.uuid)).to.deep.equal([]);
  });

  it('no key before the timeout (both tries) → "no recording" and no uuid_record', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call, '1001', true);
    await talkAndHangUp(h, call);
    expect(uuidRecords(sim)).to.deep.equal([]);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'consent')?.detail).to.include({ outcome: 'timeout', digit: null });
    expect(decisionsOf(ev).at(-1)?.reason).to.equal('the caller did not answer the consent prompt in time, and silence is not consent');
  });

  it('1, then 9 during the conversation → the recording stops and "no recording" is broadcast (consent withdrawn)', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim, daemon } = h;
    const call = await consentedAndRecording(h, '1');
    await sim.advance(10_000);
    sim.press(call, '9');
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === false, 'RECORD_STOP');
    await talkAndHangUp(h, call, 5000);
    const u = call.uuid;
    const path = `${h.recordingsDir}/${u}/01-both.wav`;
    expect(sim.received.map((c) => c.line).filter((l) => /uuid_record|uuid_broadcast/.test(l))).to.deep.equal([
      `api uuid_record ${u} start ${path}`,
      `api uuid_record ${u} stop ${path}`,
      `api uuid_broadcast ${u} ${PROMPTS.noRecording} both`,
    ]);
    expect(decisionsOf(await h.evidence(u)).at(-1)).to.include({ record: false, reason: 'the caller objected with DTMF 9 at the consent prompt' });
    expect((await h.recordings(u))[0]).to.include({ status: 'ok' });
  });
});
