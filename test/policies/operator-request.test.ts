// The legal rule for live operations' start / stop, and what an accepted switch does to the decision.

import { expect } from 'chai';
import { decideRecording, judgeOperatorRequest } from '../../src/policies/decide-recording';
import { switchTimeline } from '../../src/policies/operator-request';
import type { OperatorRequest, PolicyInput } from '../../src/policies/policy-input';
import { input } from './policy-fixtures';

const start = (at = 100): OperatorRequest => ({ action: 'start', at, by: 'ops1' });
const stop = (at = 50): OperatorRequest => ({ action: 'stop', at, by: 'ops1' });
const judge = (i: PolicyInput, r: OperatorRequest) => judgeOperatorRequest(i, r);

describe('policies: operator (live operations) requests', () => {
  describe('refused, with the policy\'s sentence', () => {
    it('anything before the legal notice is acknowledged', () => {
      for (const r of [start(), stop()]) {
        const v = judge(input({ legalNoticeAcknowledged: false }), r);
        expect(v).to.include({ ok: false });
        expect(v.reason).to.contain('legal notice');
      }
    });

    it('anything on a disabled call (extension not enabled)', () => {
      for (const r of [start(), stop()]) {
        const v = judge(input({}, { mode: 'disabled' }), r);
        expect(v.ok).to.equal(false);
        expect(v.reason).to.match(/^recording is disabled/);
      }
    });

    it('start where the caller objected: opt-in 9, manual 9, opt-out 9', () => {
      expect(judge(input({ consent: 'refused' }), start())).to.include({ ok: false, reason: 'the caller objected with DTMF 9 at the consent prompt' });
      expect(judge(input({ consent: 'refused' }, { mode: 'manual' }), start()).reason).to.equal("the caller objected with DTMF 9, and manual recording may not override the caller's objection");
      expect(judge(input({ consent: 'refused' }, { mode: 'permanent-opt-out' }), start())).to.include({ ok: false, reason: 'the caller objected with DTMF 9 at the recording notice' });
    });

    it('start in opt-in without a 1 (silence is not consent)', () => {
      expect(judge(input({ consent: 'timeout' }), start())).to.include({ ok: false });
    });

    it('start without the agent\'s consent on file — even where the group would record the caller alone', () => {
      for (const onFile of ['no', 'unknown'] as const) {
        const v = judge(input({ agentConsentOnFile: onFile }, { agentWithoutConsent: 'caller-only' }), start());
        expect(v.ok).to.equal(false);
        expect(v.reason).to.match(/^recording cannot be started: the agent/);
      }
    });

    it('start against the routing veto, and on an every-nth call that was not sampled', () => {
      expect(judge(input({ veto: true }), start()).reason).to.contain('callwarden_no_record');
      expect(judge(input({ agentCallNumber: 2 }, { mode: 'every-nth', everyNth: 3 }), start()).reason).to.match(/^not sampled/);
    });

    it('stop in permanent: a legal duty', () => {
      const v = judge(input({}, { mode: 'permanent' }), stop());
      expect(v.ok).to.equal(false);
      expect(v.reason).to.match(/must record every call/);
    });
  });

  describe('accepted', () => {
    it('manual: start records (announced even with announcements off), stop ends the segment', () => {
      const base = input({ consent: 'not-asked' }, { mode: 'manual', announcements: false });
      expect(judge(base, start()).ok).to.equal(true);
      const on = decideRecording({ ...base, operatorRequests: [start(100)] });
      expect(on).to.include({ record: true, segment: 1 });
      expect(on.reason).to.match(/^an operator \(live operations\) started recording/);
      expect(on.announcements.map((a) => a.id)).to.deep.equal(['recording-started:1']);
      const off = decideRecording({ ...base, operatorRequests: [start(100), stop(200)] });
      expect(off).to.include({ record: false, reason: 'an operator (live operations) stopped recording' });
    });

    it('opt-in with a 1: stop, then start again opens segment 2 (a new file)', () => {
      const base = input();
      expect(judge(base, stop()).reason).to.equal("the recording stops at the operator's request");
      const stopped = decideRecording({ ...base, operatorRequests: [stop(50)] });
      expect(stopped).to.include({ record: false, reason: 'an operator stopped the recording (live operations)' });
      expect(stopped.announcements.map((a) => a.id)).to.deep.equal(['recording-stopped:1']);
      const withStop = { ...base, operatorRequests: [stop(50)] };
      expect(judge(withStop, start(100)).ok).to.equal(true);
      expect(decideRecording({ ...base, operatorRequests: [stop(50), start(100)] })).to.include({ record: true, segment: 2 });
    });

    it('start on a call that already records is ok and changes nothing', () => {
      const v = judge(input(), start());
      expect(v.ok).to.equal(true);
      expect(v.reason).to.match(/^already recording/);
      expect(decideRecording({ ...input(), operatorRequests: [start()] })).to.include({ record: true, segment: 1 });
    });
  });

  it('switchTimeline: the agent\'s key toggles the current state, an operator sets it', () => {
    const agent = [
      { action: 'start' as const, at: 10 },
      { action: 'stop' as const, at: 30 },
    ];
    // agent on (10), operator on (20: no change), agent key (30) now means stop.
    expect(switchTimeline(agent, [start(20)], false).map((p) => p.action)).to.deep.equal(['start', 'start', 'stop']);
    // operator stop (20) first, then the agent's key (30) turns it back on.
    expect(switchTimeline(agent, [stop(20)], false).map((p) => p.action)).to.deep.equal(['start', 'stop', 'start']);
  });
});
