// The pause for sensitive input: the timeline's rules (toggle, explicit, maximum), that it only ever masks, and the key map checks.

import { expect } from 'chai';
import fc from 'fast-check';
import {
  decideRecording,
  desiredRecording,
  pauseRequestsFromDigits,
  pauseStateAt,
  judgePauseRequest,
  reconcile,
  NOTHING_OBSERVED,
  validateRecordingConfig,
  type PauseRequest,
} from '../../src/policies';
import { input, PROMPTS } from './policy-fixtures';

const S = 1_000_000;
const key = (at: number): PauseRequest => ({ kind: 'toggle', at, by: 'agent 1001', via: 'key' });

describe('policies: pause for sensitive input', () => {
  it('the key toggles; a pause ends at the next press or at its maximum, whichever comes first', () => {
    const presses = [key(10 * S), key(13 * S), key(20 * S)];
    const at25 = pauseStateAt(presses, 8, 25 * S);
    expect(at25.paused).to.equal(true);
    expect(at25.resumesAt).to.equal(28 * S);
    const at40 = pauseStateAt(presses, 8, 40 * S);
    expect(at40.paused).to.equal(false);
    expect(at40.spans.map((s) => [s.from / S, s.to! / S, s.endedVia])).to.deep.equal([
      [10, 13, 'key'],
      [20, 28, 'maximum'],
    ]);
  });

  it('a press after the maximum ended a pause starts a new one (it does not end the old one twice)', () => {
    const state = pauseStateAt([key(0), key(10 * S)], 5, 12 * S);
    expect(state.paused).to.equal(true);
    expect(state.spans.map((s) => [s.from / S, s.to === undefined ? null : s.to / S])).to.deep.equal([
      [0, 5],
      [10, null],
    ]);
  });

  it('live operations ask explicitly: pause while paused and resume while running change nothing', () => {
    const ops = (kind: 'pause' | 'resume', at: number): PauseRequest => ({ kind, at, by: 'ops-anna', via: 'live-ops' });
    const state = pauseStateAt([ops('resume', 1 * S), ops('pause', 2 * S), ops('pause', 3 * S), key(4 * S)], 60, 10 * S);
    expect(state.paused).to.equal(false);
    expect(state.spans.map((s) => [s.from / S, s.to! / S, s.startedBy, s.endedBy])).to.deep.equal([[2, 4, 'ops-anna', 'agent 1001']]);
  });

  it('property: any requests give non-overlapping spans in time order, each at most the maximum long, and "paused" iff the last span is open', () => {
    const req = fc.record({
      kind: fc.constantFrom<'toggle' | 'pause' | 'resume'>('toggle', 'pause', 'resume'),
      at: fc.integer({ min: 0, max: 300 * S }),
      by: fc.constant('x'),
      via: fc.constantFrom<'key' | 'live-ops'>('key', 'live-ops'),
    });
    fc.assert(
      fc.property(fc.array(req, { maxLength: 30 }), fc.integer({ min: 5, max: 120 }), fc.integer({ min: 0, max: 400 * S }), (requests, max, now) => {
        const state = pauseStateAt(requests, max, now);
        let last = Number.NEGATIVE_INFINITY;
        state.spans.forEach((span, i) => {
          expect(span.from).to.be.at.least(last);
          const end = span.to ?? now;
          expect(end - span.from).to.be.at.most(max * S);
          expect(end).to.be.at.most(now);
          if (span.to === undefined) expect(i).to.equal(state.spans.length - 1);
          last = end;
        });
        expect(state.paused).to.equal(state.spans.length > 0 && state.spans[state.spans.length - 1]!.to === undefined);
      }),
    );
  });

  it('property: a pause only ever adds a mask — it never makes a call record that would not, and never starts a file', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('opt-in', 'manual', 'every-nth', 'permanent-opt-out', 'permanent', 'disabled' as const),
        fc.constantFrom('given', 'refused', 'timeout', 'asked', 'not-asked' as const),
        fc.boolean(),
        fc.boolean(),
        (mode, consent, bridged, paused) => {
          const base = input({ consent, bridged }, { mode });
          const pause = pauseStateAt(paused ? [key(1)] : [], 60, 2);
          const without = decideRecording(base);
          const withPause = decideRecording({ ...base, pause });
          expect(withPause.record).to.equal(without.record);
          expect(withPause.masked).to.equal(without.record && (paused || without.masked));
          const commands = reconcile(desiredRecording(withPause, { callId: 'c', callerLeg: 'leg', directory: '/r', format: 'wav' }), NOTHING_OBSERVED);
          if (paused) expect(commands.map((c) => c.kind)).to.not.include('start');
        },
      ),
    );
  });

  it('the agent\'s pause key comes from the digits; no key configured means no pauses', () => {
    const digits = [
      { digit: '#', at: 1 },
      { digit: '5', at: 2 },
      { digit: '#', at: 3 },
    ];
    expect(pauseRequestsFromDigits(digits, '#', '1001').map((r) => r.at)).to.deep.equal([1, 3]);
    expect(pauseRequestsFromDigits(digits, undefined, '1001')).to.deep.equal([]);
  });

  it('live operations may pause only a running recording, and resume only a pause', () => {
    const idle = pauseStateAt([], 60, 0);
    expect(judgePauseRequest({ legalNoticeAcknowledged: true }, idle, false, 'pause').ok).to.equal(false);
    expect(judgePauseRequest({ legalNoticeAcknowledged: false }, idle, true, 'pause').ok).to.equal(false);
    expect(judgePauseRequest({ legalNoticeAcknowledged: true }, idle, true, 'pause').ok).to.equal(true);
    expect(judgePauseRequest({ legalNoticeAcknowledged: true }, idle, true, 'resume')).to.deep.equal({ ok: false, reason: 'the recording is not paused' });
  });

  it('the key map per group: pauseKey one DTMF key, not the manual key; pauseMaxSeconds bounded', () => {
    const cfg = (over: Record<string, unknown>) =>
      validateRecordingConfig({ groups: { g: { mode: 'manual', manualKey: '*', legalBasis: 'legitimate-interests', prompts: PROMPTS, ...over } } });
    expect(cfg({ pauseKey: '#', pauseMaxSeconds: 90, agentSelfReview: true, notifyAgentOfMonitoring: false }).ok).to.equal(true);
    const bad = cfg({ pauseKey: '*', pauseMaxSeconds: 4, agentSelfReview: 'yes' });
    expect(bad.ok).to.equal(false);
    if (!bad.ok) {
      expect(bad.errors.join('\n')).to.match(/recording\.groups\.g\.pauseKey: must differ from manualKey/);
      expect(bad.errors.join('\n')).to.match(/recording\.groups\.g\.pauseMaxSeconds: must be an integer from 5 to 900/);
      expect(bad.errors.join('\n')).to.match(/recording\.groups\.g\.agentSelfReview: must be true or false/);
    }
    const notDtmf = cfg({ pauseKey: 'x' });
    expect(notDtmf.ok).to.equal(false);
  });
});
