// Live operations' "record" through the real RecordingControl: the call's policy decides, the recorder acts, the evidence says who asked.

import { expect } from 'chai';
import { until } from '../support/wait';
import { agentPicksUp, consentedAndRecording, decisionsOf, driveUntil, hotline, PROMPTS, startHarness, talkAndHangUp, uuidRecords, type Harness } from './call-harness';
import { addUsers, COACHING, LIVE_OPS, postOps } from './live-ops-client';

const group = (mode: 'opt-in' | 'manual' | 'permanent') => ({ groups: { hotline: hotline({ mode, manualKey: '*' }) }, extensions: { '1001': { group: 'hotline' } } });

describe('calls: live operations switch recording through the call policy', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  const post = (callId: string, action: string) => postOps(h.web!.port, `/api/live/calls/${callId}/recording`, { action });
  const bridged = (callId: string) => until(h.daemon.registry.calls$, () => h.daemon.registry.get(callId)?.legs.some((l) => l.role === 'caller' && l.bridgedTo !== undefined) === true, 'the bridge');

  it('opt-in, the caller pressed 9: "record start" is refused with the policy\'s reason, audited, and nothing is recorded', async () => {
    h = await startHarness({ recording: group('opt-in'), coaching: COACHING, liveOps: LIVE_OPS });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await agentPicksUp(sim, call);
    await bridged(call.uuid);

    const answer = await post(call.uuid, 'start');
    expect(answer.status).to.equal(409);
    expect(answer.json).to.include({ ok: false, command: 'record start', callId: call.uuid, reason: 'the caller objected with DTMF 9 at the consent prompt' });

    await talkAndHangUp(h, call, 5000);
    expect(uuidRecords(sim)).to.deep.equal([]);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'operator_request')?.detail).to.include({ user: 'ops1', via: 'live-ops', action: 'start', ok: false, reason: 'the caller objected with DTMF 9 at the consent prompt' });
    expect(ev.find((e) => e.kind === 'ops_command')?.detail).to.include({ user: 'ops1', command: 'record start', ok: false });
  });

  it('manual: "record start" starts a recording (RECORD_START, announced to both), "record stop" ends it', async () => {
    h = await startHarness({ recording: group('manual'), coaching: COACHING, liveOps: LIVE_OPS });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call);
    await bridged(call.uuid);

    const started = await post(call.uuid, 'start');
    expect(started.status).to.equal(200);
    expect(started.json).to.include({ ok: true, command: 'record start' });
    expect(String(started.json.reason)).to.match(/^the recording starts at the operator's request: an operator \(live operations\) started recording/);
    await driveUntil(sim, call, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await sim.advance(5000);

    const stopped = await post(call.uuid, 'stop');
    expect(stopped.json).to.include({ ok: true, command: 'record stop', reason: "the recording stops at the operator's request" });
    await driveUntil(sim, call, () => daemon.registry.get(call.uuid)?.recording === false, 'RECORD_STOP');
    await driveUntil(sim, call, () => !call.caller.runningApp?.startsWith('playback'), 'the announcement to end');
    await talkAndHangUp(h, call, 1000);

    const u = call.uuid;
    const file = `${h.recordingsDir}/${u}/01-both.wav`;
    expect(sim.received.map((c) => c.line).filter((l) => /uuid_record|uuid_broadcast/.test(l))).to.deep.equal([
      `api uuid_broadcast ${u} ${PROMPTS.recordingStarted} both`,
      `api uuid_record ${u} start ${file}`,
      `api uuid_record ${u} stop ${file}`,
      `api uuid_broadcast ${u} ${PROMPTS.recordingStopped} both`,
    ]);
    expect((await h.recordings(u)).map((r) => [r.segment, r.status])).to.deep.equal([[1, 'ok']]);
    const ev = await h.evidence(u);
    expect(ev.filter((e) => e.kind === 'operator_request').map((e) => (e.detail as { action: string; ok: boolean }).action)).to.deep.equal(['start', 'stop']);
    const reasons = decisionsOf(ev).map((d) => d.reason);
    expect(reasons).to.include('an operator (live operations) started recording; recording both parties in stereo (caller left, agent right)');
    expect(reasons).to.include('an operator (live operations) stopped recording');
  });

  it('permanent: "record stop" is refused (a legal duty); the recording runs on', async () => {
    h = await startHarness({ recording: group('permanent'), coaching: COACHING, liveOps: LIVE_OPS });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await agentPicksUp(sim, call, '1001', true);
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    const answer = await post(call.uuid, 'stop');
    expect(answer.status).to.equal(409);
    expect(String(answer.json.reason)).to.match(/must record every call/);
    await talkAndHangUp(h, call, 5000);
    expect(uuidRecords(sim).filter((l) => l.includes(' stop '))).to.deep.equal([]);
  });

  it('pause / resume over HTTP: the supervisor of the call masks and unmasks the file, sealed in the access log; another group\'s supervisor and an auditor cannot', async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in', pauseMaxSeconds: 60 }) }, extensions: { '1001': { group: 'hotline' } } }, coaching: COACHING, liveOps: LIVE_OPS });
    await addUsers(h.daemon, [
      { name: 'otto', role: 'supervisor', extension: null, groups: ['other'] },
      { name: 'audrey', role: 'auditor', extension: null },
    ]);
    const { sim } = h;
    const call = await consentedAndRecording(h);
    const u = call.uuid;
    const pause = (action: string, user?: string) => postOps(h.web!.port, `/api/live/calls/${u}/pause`, { action }, user);
    const masks = () => sim.received.map((c) => c.line).filter((l) => / (mask|unmask) /.test(l));

    // Not theirs: "not found" for another group's supervisor, read-only for an auditor; nothing masked.
    expect((await pause('pause', 'otto')).status).to.equal(404);
    expect((await pause('pause', 'audrey')).status).to.equal(403);
    expect((await pause('hold')).status).to.equal(400);
    expect(masks()).to.deep.equal([]);

    const paused = await pause('pause');
    expect(paused.status, String(paused.json.reason)).to.equal(200);
    expect(paused.json).to.include({ ok: true, command: 'recording pause', callId: u });
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} mask `));
    await sim.advance(2_000);
    expect((await pause('resume')).status).to.equal(200);
    await sim.waitForCommand((c) => c.line.startsWith(`api uuid_record ${u} unmask `));
    const again = await pause('resume');
    expect(again.status).to.equal(409);
    expect(again.json).to.include({ ok: false, reason: 'the recording is not paused' });
    await talkAndHangUp(h, call, 2_000);

    const ev = await h.evidence(u);
    expect(ev.filter((e) => e.kind === 'operator_pause').map((e) => [(e.detail as { user: string }).user, (e.detail as { action: string }).action, (e.detail as { ok: boolean }).ok])).to.deep.equal([
      ['ops1', 'pause', true],
      ['ops1', 'resume', true],
      ['ops1', 'resume', false],
    ]);
    // Every accepted request reached the sealed access log before the recorder acted; refused probes of others' calls did not.
    const access = await h.daemon.store.repository.accessLog.list({ since: new Date(0), callId: u });
    expect(access.map((a) => [a.user, a.action])).to.deep.equal([
      ['ops1', 'live-pause'],
      ['ops1', 'live-resume'],
      ['ops1', 'live-resume'],
    ]);
    expect((await h.daemon.store.repository.accessLog.verify()).ok).to.equal(true);
  });

  it('a call the dialplan never handed to callwarden: refused, since no policy governs it', async () => {
    h = await startHarness({ recording: group('opt-in'), coaching: COACHING, liveOps: LIVE_OPS });
    const { sim, daemon } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '1001' });
    await sim.until(() => call.agent?.farEnd === 'ringing', 'the agent ringing');
    await sim.agentAnswers(call, '1001');
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid) !== undefined, 'the call in the table');
    const answer = await post(call.uuid, 'start');
    expect(answer.status).to.equal(409);
    expect(String(answer.json.reason)).to.match(/not handed to the daemon/);
  });
});
