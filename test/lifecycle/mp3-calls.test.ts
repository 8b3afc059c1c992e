// mp3 on a real call through the simulator: with mod_shout FreeSWITCH writes it, without it the daemon converts the WAV; terms fixed on the row.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkMp3Frames } from '../../src/lifecycle/mp3-frames';
import { Simulator } from '../../src/simulator/simulator';
import { commandText, consentedAndRecording, groupDialplan, hotline, kindsOf, startHarness, talkAndHangUp, type Harness } from '../calls/call-harness';

const recording = (retentionDays: number) => ({
  format: 'mp3' as const,
  retentionDays: 30,
  groups: { hotline: hotline({ mode: 'opt-in', retentionDays } as never) },
  extensions: { '1001': { group: 'hotline' } },
});

async function harness(modShout: boolean, retentionDays: number): Promise<Harness> {
  let sim: Simulator | undefined;
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-mp3-calls-'));
  sim = new Simulator({ recordingsDir, heartbeatSeconds: 0, modShout, dialplan: groupDialplan(() => sim!) });
  return startHarness({ sim, recordingsDir, recording: recording(retentionDays), lifecycle: {} });
}

describe('lifecycle: mp3 on real calls (simulator)', function () {
  this.timeout(60_000); // worker threads encoding and decoding real audio on a shared machine
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    await h?.sim.stop();
    h = undefined;
  });

  it('without mod_shout: asks FreeSWITCH at connect, records WAV, converts after RECORD_STOP, keeps both in the evidence, row points at the verified mp3', async () => {
    h = await harness(false, 7);
    const call = await consentedAndRecording(h);
    const asked = h.sim.received.map(commandText).filter((t) => t.includes('module_exists'));
    expect(asked).to.deep.equal(['api module_exists mod_shout']);
    const starts = h.sim.received.map(commandText).filter((t) => / start /.test(t) && t.includes('uuid_record'));
    expect(starts).to.have.length(1);
    expect(starts[0]).to.match(/\.wav$/);
    await talkAndHangUp(h, call, 30_000);
    await h.lifecycle!.idle();
    const [row] = await h.recordings(call.uuid);
    expect(row).to.deep.include({ format: 'mp3', status: 'ok', group: 'hotline', retentionDays: 7 });
    expect(row!.filePath).to.match(/01-both\.mp3$/);
    // Retention fixed when made: the group's 7 days from RECORD_STOP, not the global 30.
    const kept = Date.parse(row!.retentionUntil!) - Date.parse(row!.stoppedAt!);
    expect(Math.round(kept / 86_400_000)).to.equal(7);
    const mp3 = readFileSync(join(h.recordingsDir, call.uuid, '01-both.mp3'));
    expect(existsSync(join(h.recordingsDir, call.uuid, '01-both.wav'))).to.equal(false);
    expect(row!.bytes).to.equal(mp3.length);
    const walk = walkMp3Frames(mp3);
    expect(Math.abs(walk.durationMs - row!.durationMs!)).to.be.below(200);
    expect(row!.durationMs).to.be.within(29_000, 31_500);
    const kinds = kindsOf(await h.evidence(call.uuid));
    expect(kinds).to.include.members(['recording_checked', 'recording_converted', 'recording_source_removed']);
    expect(kinds.indexOf('recording_converted')).to.be.below(kinds.indexOf('recording_source_removed'));
  });

  it('with mod_shout (as in the traced build): FreeSWITCH writes the mp3, and its length is decoded and checked against RECORD_START..STOP', async () => {
    h = await harness(true, 1);
    const call = await consentedAndRecording(h);
    await talkAndHangUp(h, call, 20_000);
    const starts = h.sim.received.map(commandText).filter((t) => / start /.test(t) && t.includes('uuid_record'));
    expect(starts[0]).to.match(/\.mp3$/);
    const [row] = await h.recordings(call.uuid);
    expect(row).to.deep.include({ format: 'mp3', status: 'ok', retentionDays: 1 });
    expect(row!.durationMs).to.be.within(19_000, 21_500);
    expect(kindsOf(await h.evidence(call.uuid))).to.not.include('recording_converted');
  });
});
