// Issue 9.5: a uuid_record someone else starts on a handled call is stopped and stored as what it is, not as a bad recording of callwarden's.

import { expect } from 'chai';
import { runPurge } from '../../src/lifecycle/purge';
import { FOREIGN_STOPPED_REASON } from '../../src/recorder';
import { TestPeer } from '../simulator/esl-test-client';
import { until } from '../support/wait';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: a recording callwarden did not start', () => {
  let h: Harness | undefined;
  let other: TestPeer | undefined;
  afterEach(async () => {
    other?.close();
    await h?.stop();
    h = other = undefined;
  });

  /** Another ESL client (an operator's fs_cli, another application) on the same FreeSWITCH. */
  async function someoneElse(harness: Harness): Promise<TestPeer> {
    const peer = await TestPeer.connect(harness.sim.port!);
    await peer.next((f) => f.headers['Content-Type'] === 'auth/request', 'auth request');
    await peer.command('auth ClueCon');
    return peer;
  }

  for (const leg of ['caller', 'agent'] as const) {
    it(`on the ${leg} leg: stopped on that leg, stored as foreign-stopped with evidence, never checked or called bad`, async () => {
      h = await startHarness({ recording: OPT_IN });
      const { sim, daemon } = h;
      const call = await consentedAndRecording(h, '1');
      const uuid = leg === 'caller' ? call.uuid : call.agent!.uuid;
      other = await someoneElse(h);
      const spy = '/var/tmp/someone-else/spy.wav';
      const reply = await other.command(`api uuid_record ${uuid} start ${spy}`);
      expect(reply.body?.toString()).to.match(/^\+OK/);

      await sim.waitForCommand((c) => c.line === `api uuid_record ${uuid} stop ${spy}`);
      const stopped = (): boolean => daemon.registry.get(call.uuid)?.recordings.some((r) => r.path === spy && !r.active) === true;
      await until(daemon.registry.calls$, stopped, 'RECORD_STOP of the foreign file');
      await talkAndHangUp(h, call, 2000);

      const rows = await h.recordings(call.uuid);
      expect(rows.find((r) => r.filePath === spy)).to.include({ status: 'foreign-stopped', policy: 'not started by callwarden', bytes: null, sha256: null });
      expect(rows.find((r) => r.filePath !== spy)).to.include({ status: 'ok' });
      const ev = await h.evidence(call.uuid);
      expect(ev.find((e) => e.kind === 'foreign_recording_stopped')?.detail).to.deep.include({ path: spy, stoppedBy: 'callwarden', reason: FOREIGN_STOPPED_REASON, fileChecked: false });
      expect(ev.filter((e) => e.kind === 'recording_checked').map((e) => (e.detail as { path: string }).path)).to.not.include(spy);
      const text = h.log.map((l) => `${l.level} ${l.message}`).join('\n');
      expect(text).to.not.match(/is bad/);
      expect(text).to.contain(`${FOREIGN_STOPPED_REASON}: ${spy}`);
      // The purge never deletes someone else's file: only ok/bad rows are ever due.
      const due = await runPurge({ repository: daemon.store.repository, storageDir: h.recordingsDir, now: new Date('2999-01-01T00:00:00Z'), dryRun: true, defaultRetentionDays: 1 });
      expect(due.map((l) => l.filePath)).to.not.include(spy);
      expect(due.length, 'the purge did see the call\'s own recording').to.be.greaterThan(0);
    });
  }
});
