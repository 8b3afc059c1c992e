// Every mode × caller answer × legal notice × agent consent × veto, then the cases the law singles out.

import { expect } from 'chai';
import { decideRecording } from '../../src/policies/decide-recording';
import type { ConsentOnFile, ConsentState, PolicyInput } from '../../src/policies/policy-input';
import type { RecordingMode } from '../../src/policies/recording-mode';
import { RECORDING_MODES } from '../../src/policies/recording-mode';
import { input } from './policy-fixtures';

type Outcome = { readonly record: boolean; readonly reason: string };
const ANSWERS: readonly ConsentState[] = ['given', 'refused', 'timeout', 'invalid', 'not-asked'];

/** What each mode makes of the caller's answer when no gate has already ruled recording out. */
const BY_ANSWER: Readonly<Record<Exclude<RecordingMode, 'disabled'>, Readonly<Record<string, Outcome>>>> = {
  'opt-in': {
    given: { record: true, reason: 'the caller agreed with DTMF 1 at the consent prompt' },
    refused: { record: false, reason: 'the caller objected with DTMF 9 at the consent prompt' },
    timeout: { record: false, reason: 'the caller did not answer the consent prompt in time, and silence is not consent' },
    invalid: { record: false, reason: 'the caller pressed no valid key (1 or 9) at the consent prompt, which is not consent' },
    'not-asked': { record: false, reason: 'waiting: the consent prompt has not been played to the caller yet' },
  },
  'permanent-opt-out': {
    given: { record: true, reason: 'the caller heard the recording notice and agreed with DTMF 1' },
    refused: { record: false, reason: 'the caller objected with DTMF 9 at the recording notice' },
    timeout: { record: true, reason: 'the caller heard the recording notice and did not object' },
    invalid: { record: false, reason: 'treated as an objection' },
    'not-asked': { record: false, reason: 'waiting: the recording notice has not been played to the caller yet' },
  },
  'every-nth': {
    given: { record: true, reason: 'the caller heard the recording notice and agreed with DTMF 1' },
    refused: { record: false, reason: 'the caller objected with DTMF 9 at the recording notice' },
    timeout: { record: true, reason: 'the caller heard the recording notice and did not object' },
    invalid: { record: false, reason: 'treated as an objection' },
    'not-asked': { record: false, reason: 'waiting: the recording notice has not been played to the caller yet' },
  },
  manual: {
    given: { record: true, reason: 'the agent started recording with the record key' },
    refused: { record: false, reason: "the caller objected with DTMF 9, and manual recording may not override the caller's objection" },
    timeout: { record: true, reason: 'the agent started recording with the record key' },
    invalid: { record: true, reason: 'the agent started recording with the record key' },
    'not-asked': { record: true, reason: 'the agent started recording with the record key' },
  },
  permanent: {
    given: { record: true, reason: 'this group records every call and the caller heard the recording notice' },
    refused: { record: true, reason: 'the caller pressed 9 during the recording notice, but this group must record every call' },
    timeout: { record: true, reason: 'this group records every call and the caller heard the recording notice' },
    invalid: { record: true, reason: 'this group records every call and the caller heard the recording notice' },
    'not-asked': { record: false, reason: 'waiting: the recording notice has not been played to the caller yet' },
  },
};

/** The agent's consent on file, and for "no" what the group does then. */
type AgentCase = 'yes' | 'no/caller-only' | 'no/none';

function expected(mode: RecordingMode, answer: ConsentState, legal: boolean, agent: AgentCase, veto: boolean): Outcome & { channels: string } {
  const channels = agent === 'yes' ? 'both' : 'caller';
  if (!legal) return { record: false, reason: 'the operator has not acknowledged the legal notice', channels: 'both' };
  if (mode === 'disabled') return { record: false, reason: 'recording is disabled for this call', channels: 'both' };
  if (veto && mode !== 'permanent') return { record: false, reason: 'the routing vetoed recording for this call (callwarden_no_record)', channels: 'both' };
  if (agent === 'no/none') {
    return { record: false, reason: 'nothing is recorded: the agent has no recording consent on file and the group records nothing in that case', channels: 'both' };
  }
  return { ...BY_ANSWER[mode][answer]!, channels };
}

function call(mode: RecordingMode, answer: ConsentState, legal: boolean, agent: AgentCase, veto: boolean): PolicyInput {
  const onFile: ConsentOnFile = agent === 'yes' ? 'yes' : 'no';
  return input(
    {
      legalNoticeAcknowledged: legal,
      consent: answer,
      agentConsentOnFile: onFile,
      veto,
      agentCallNumber: 6,
      manualPresses: mode === 'manual' ? [{ action: 'start', at: 10 }] : [],
    },
    { mode, everyNth: 3, agentWithoutConsent: agent === 'no/none' ? 'none' : 'caller-only' },
  );
}

describe('decideRecording: the full matrix', () => {
  for (const mode of RECORDING_MODES) {
    for (const answer of ANSWERS) {
      for (const legal of [true, false]) {
        for (const agent of ['yes', 'no/caller-only', 'no/none'] as const) {
          for (const veto of [false, true]) {
            const want = expected(mode, answer, legal, agent, veto);
            const label = `${mode} | caller ${answer} | notice ${legal ? 'ack' : 'not ack'} | agent consent ${agent} | veto ${veto ? 'set' : 'not set'}`;
            it(`${label} → ${want.record ? `records ${want.channels}` : 'no recording'}`, () => {
              const d = decideRecording(call(mode, answer, legal, agent, veto));
              expect(d.record, d.reason).to.equal(want.record);
              expect(d.reason).to.contain(want.reason);
              if (want.record) {
                expect(d.channels).to.equal(want.channels);
                if (agent !== 'yes') expect(d.reason).to.contain("the agent has no recording consent on file, so only the caller's channel is recorded");
              }
              expect(d.ruleTrail.length).to.be.greaterThan(1);
              if (!d.record) expect(d.masked).to.equal(false);
            });
          }
        }
      }
    }
  }
});

describe('decideRecording: required cases', () => {
  it('opt-in + 9 → no recording, the reason says the caller objected, "no recording" is announced', () => {
    const d = decideRecording(input({ consent: 'refused' }, { mode: 'opt-in' }));
    expect(d.record).to.equal(false);
    expect(d.reason).to.equal('the caller objected with DTMF 9 at the consent prompt');
    expect(d.announcements.map((a) => a.id)).to.deep.equal(['no-recording']);
    expect(d.ruleTrail).to.deep.equal([
      'mode:group=opt-in',
      'legal-notice:acknowledged',
      'mode:opt-in(group)',
      'per-call-veto:not-set',
      'agent-consent:yes',
      'caller-consent:refused',
      'segment:1',
      'announce:no-recording',
    ]);
  });

  it('opt-in + timeout → no recording', () => {
    const d = decideRecording(input({ consent: 'timeout' }, { mode: 'opt-in' }));
    expect(d).to.include({ record: false, reason: 'the caller did not answer the consent prompt in time, and silence is not consent' });
  });

  for (const channels of ['caller', 'agent', 'both'] as const) {
    it(`opt-in + 1 → records the configured channels (${channels})`, () => {
      const d = decideRecording(input({ consent: 'given' }, { mode: 'opt-in', channels }));
      expect(d.record).to.equal(true);
      expect(d.channels).to.equal(channels);
    });
  }

  it('opt-in + 1 → full decision with reason, trail and "recording started"', () => {
    const d = decideRecording(input({ consent: 'given' }, { mode: 'opt-in' }));
    expect(d).to.deep.equal({
      record: true,
      channels: 'both',
      reason: 'the caller agreed with DTMF 1 at the consent prompt; recording both parties in stereo (caller left, agent right)',
      ruleTrail: [
        'mode:group=opt-in',
        'legal-notice:acknowledged',
        'mode:opt-in(group)',
        'per-call-veto:not-set',
        'agent-consent:yes',
        'caller-consent:given',
        'bridged:yes',
        'segment:1',
        'announce:recording-started:1',
      ],
      mode: 'opt-in',
      modeSource: 'group',
      consentPrompt: 'consent-menu',
      consentPromptDue: false,
      announcements: [{ id: 'recording-started:1', kind: 'recording-started', file: '/p/started.wav', to: 'both' }],
      segment: 1,
      masked: false,
    });
  });

  it('opt-in, not asked yet → the consent menu is due and nothing records', () => {
    const d = decideRecording(input({ consent: 'not-asked', bridged: false }, { mode: 'opt-in' }));
    expect(d).to.include({ record: false, consentPrompt: 'consent-menu', consentPromptDue: true });
    expect(d.announcements).to.deep.equal([]);
  });

  it('permanent-opt-out + veto → no recording, and the caller is not even prompted', () => {
    const d = decideRecording(input({ veto: true, consent: 'not-asked' }, { mode: 'permanent-opt-out' }));
    expect(d).to.include({ record: false, consentPrompt: 'none', consentPromptDue: false });
    expect(d.reason).to.equal('the routing vetoed recording for this call (callwarden_no_record)');
  });

  it('permanent + 9 → still recorded, and the caller hears the notice (not a consent menu)', () => {
    const before = decideRecording(input({ consent: 'not-asked' }, { mode: 'permanent' }));
    expect(before).to.include({ record: false, consentPrompt: 'notice', consentPromptDue: true });
    const d = decideRecording(input({ consent: 'refused' }, { mode: 'permanent' }));
    expect(d.record).to.equal(true);
    expect(d.consentPrompt).to.equal('notice');
    expect(d.reason).to.contain('the objection is logged and recording continues');
    expect(d.ruleTrail).to.include('caller-consent:refused(ignored, permanent)');
  });

  it('permanent ignores the routing veto, and says so', () => {
    const d = decideRecording(input({ veto: true, consent: 'timeout' }, { mode: 'permanent' }));
    expect(d.record).to.equal(true);
    expect(d.ruleTrail).to.include('per-call-veto:ignored(permanent)');
    expect(d.reason).to.contain('the routing veto (callwarden_no_record) was ignored');
  });

  it('every-3rd → exactly calls 3, 6, 9 of the agent are recorded', () => {
    const recorded = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter(
      (n) => decideRecording(input({ agentCallNumber: n, consent: 'timeout' }, { mode: 'every-nth', everyNth: 3 })).record,
    );
    expect(recorded).to.deep.equal([3, 6, 9]);
  });

  it('every-nth: an unsampled call is not prompted, and the reason names the numbers', () => {
    const d = decideRecording(input({ agentCallNumber: 7, consent: 'not-asked' }, { mode: 'every-nth', everyNth: 3 }));
    expect(d).to.include({ record: false, consentPrompt: 'none', reason: 'not sampled: this is call 7 of the agent and only every 3rd call is recorded' });
    const unknown = decideRecording(input({ agentCallNumber: undefined }, { mode: 'every-nth', everyNth: 3 }));
    expect(unknown).to.include({ record: false, reason: "not sampled: the agent's call number is unknown" });
  });

  it('every-nth: the agent can opt a sampled call out with the key', () => {
    const d = decideRecording(input({ consent: 'timeout', manualPresses: [{ action: 'start', at: 5 }] }, { mode: 'every-nth' }));
    expect(d).to.include({ record: false, reason: 'the agent opted this sampled call out with the record key' });
    expect(d.announcements.map((a) => a.id)).to.deep.equal(['recording-stopped:1']);
  });

  it('manual → two start/stop presses = two segments, each announced', () => {
    const presses = [
      { action: 'start', at: 10 },
      { action: 'stop', at: 20 },
      { action: 'start', at: 30 },
      { action: 'stop', at: 40 },
    ] as const;
    const at = (n: number) => decideRecording(input({ manualPresses: presses.slice(0, n), consent: 'not-asked' }, { mode: 'manual' }));
    expect([0, 1, 2, 3, 4].map((n) => [at(n).record, at(n).segment])).to.deep.equal([
      [false, 1],
      [true, 1],
      [false, 1],
      [true, 2],
      [false, 2],
    ]);
    expect(at(0).announcements).to.deep.equal([]);
    expect(at(1).announcements.map((a) => a.id)).to.deep.equal(['recording-started:1']);
    expect(at(2).announcements.map((a) => a.id)).to.deep.equal(['recording-stopped:1']);
    expect(at(3).announcements.map((a) => a.id)).to.deep.equal(['recording-started:2']);
    expect(at(4).announcements.map((a) => a.id)).to.deep.equal(['recording-stopped:2']);
    expect(at(1).consentPrompt).to.equal('none');
  });

  it('manual announces start and stop even when the group turned announcements off (StGB §201)', () => {
    const d = decideRecording(input({ manualPresses: [{ action: 'start', at: 1 }] }, { mode: 'manual', announcements: false }));
    expect(d.announcements.map((a) => a.id)).to.deep.equal(['recording-started:1']);
  });

  it('transfer → new segment and a re-announcement when configured', () => {
    const base = { consent: 'given' as const, transfers: [{ at: 100, to: '1002' }] };
    const d = decideRecording(input(base, { mode: 'opt-in', reannounceOnTransfer: true }));
    expect(d).to.include({ record: true, segment: 2 });
    expect(d.announcements).to.deep.equal([{ id: 'reannouncement:2', kind: 'reannouncement', file: '/p/reannounce.wav', to: 'both' }]);
    const quiet = decideRecording(input(base, { mode: 'opt-in', reannounceOnTransfer: false }));
    expect(quiet).to.include({ record: true, segment: 2 });
    expect(quiet.announcements).to.deep.equal([]);
  });

  it('transfer in progress (unbridged) → no recording until the next agent is bridged', () => {
    const d = decideRecording(input({ bridged: false, transfers: [{ at: 100 }] }, { mode: 'permanent-opt-out' }));
    expect(d).to.include({ record: false, segment: 2, reason: 'the call is not bridged to an agent, so there is no conversation to record yet' });
  });

  it('agent without consent → caller only, or nothing, per config', () => {
    const callerOnly = decideRecording(input({ agentConsentOnFile: 'no' }, { agentWithoutConsent: 'caller-only' }));
    expect(callerOnly).to.include({ record: true, channels: 'caller' });
    const none = decideRecording(input({ agentConsentOnFile: 'no', consent: 'not-asked' }, { agentWithoutConsent: 'none' }));
    expect(none).to.include({
      record: false,
      consentPrompt: 'none',
      reason: 'nothing is recorded: the agent has no recording consent on file and the group records nothing in that case',
    });
    const unknown = decideRecording(input({ agentConsentOnFile: 'unknown' }, { agentWithoutConsent: 'caller-only' }));
    expect(unknown).to.include({ record: true, channels: 'caller' });
    const agentOnly = decideRecording(input({ agentConsentOnFile: 'no' }, { channels: 'agent', agentWithoutConsent: 'caller-only' }));
    expect(agentOnly).to.include({ record: false, reason: 'nothing is recorded: the agent has no recording consent on file and the group records only the agent' });
  });

  for (const mode of RECORDING_MODES) {
    it(`legal notice not acknowledged → nothing, no prompt, no announcement (${mode})`, () => {
      const d = decideRecording(
        input({ legalNoticeAcknowledged: false, consent: 'not-asked', manualPresses: [{ action: 'start', at: 1 }] }, { mode }),
      );
      expect(d).to.include({ record: false, consentPrompt: 'none', consentPromptDue: false });
      expect(d.announcements).to.deep.equal([]);
      expect(d.reason).to.equal('nothing is recorded: the operator has not acknowledged the legal notice (recording.legalNoticeAcknowledged)');
    });
  }

  it('not bridged yet → waits, but the prompt is still asked for', () => {
    const d = decideRecording(input({ bridged: false, consent: 'not-asked' }, { mode: 'permanent-opt-out' }));
    expect(d).to.include({ record: false, consentPrompt: 'notice-with-objection', consentPromptDue: true });
  });

  it('a whisper to the agent changes nothing; a supervisor without consent talking to the caller masks', () => {
    const whisper = decideRecording(input({ supervisors: [{ mode: 'talk-target', consentOnFile: 'no' }] }));
    expect(whisper).to.include({ record: true, masked: false });
    expect(whisper.ruleTrail).to.include('supervisor:whisper(not in caller-leg recording)');
    const talking = decideRecording(input({ supervisors: [{ mode: 'talk-partner', consentOnFile: 'no' }] }));
    expect(talking).to.include({ record: true, masked: true });
    const consented = decideRecording(input({ supervisors: [{ mode: 'three-way', consentOnFile: 'yes' }] }));
    expect(consented).to.include({ record: true, masked: false });
    const callerOnly = decideRecording(input({ supervisors: [{ mode: 'three-way', consentOnFile: 'no' }] }, { channels: 'caller' }));
    expect(callerOnly).to.include({ record: true, masked: false });
  });

  it('a per-call override that tightens permanent-opt-out to opt-in needs a 1', () => {
    const d = decideRecording(input({ callOverride: 'opt-in', consent: 'timeout' }, { mode: 'permanent-opt-out' }));
    expect(d).to.include({ record: false, mode: 'opt-in', modeSource: 'call' });
  });

  it('a per-call override can never enable an extension nobody enabled', () => {
    const d = decideRecording(input({ callOverride: 'permanent', consent: 'timeout' }, { mode: 'disabled', perCallMayLoosenTo: ['permanent'] }));
    expect(d).to.include({ record: false, mode: 'disabled' });
    expect(d.ruleTrail).to.include('per-call-override:permanent:rejected(cannot enable a disabled extension)');
  });
});

describe('decideRecording: purity', () => {
  it('does not modify its input and gives the same answer twice', () => {
    const frozen = deepFreeze(
      input({ transfers: [{ at: 2 }], manualPresses: [{ action: 'start', at: 1 }], supervisors: [{ mode: 'listen', consentOnFile: 'no' }] }, { mode: 'manual' }),
    );
    expect(decideRecording(frozen)).to.deep.equal(decideRecording(frozen));
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
