// The consent prompt as data: what the socket code plays, and how it reads the answer.

import { expect } from 'chai';
import { consentFlow, consentOutcome, playAndGetDigitsArg, type PlayAndGetDigitsStep } from '../../src/policies/consent-flow';
import { decideRecording } from '../../src/policies/decide-recording';
import { group, input } from './policy-fixtures';

const none = { id: 'no-recording', kind: 'no-recording', file: '/p/no-recording.wav', to: 'caller' } as const;
const started = { id: 'recording-started:1', kind: 'recording-started', file: '/p/started.wav', to: 'caller' } as const;

describe('consentFlow', () => {
  it('opt-in: answer, the 1/9 menu with retries and timeout, then the confirmation per outcome', () => {
    const g = group({ mode: 'opt-in', consentTries: 3, consentTimeoutMs: 8000 });
    const d = decideRecording(input({ consent: 'not-asked', bridged: false }, { mode: 'opt-in', consentTries: 3, consentTimeoutMs: 8000 }));
    expect(consentFlow(d, g)).to.deep.equal({
      prompt: 'consent-menu',
      steps: [
        { step: 'answer' },
        {
          step: 'play-and-get-digits',
          minDigits: 1,
          maxDigits: 1,
          tries: 3,
          timeoutMs: 8000,
          terminators: '#',
          prompt: '/p/consent-menu.wav',
          invalidPrompt: '/p/invalid.wav',
          variable: 'callwarden_consent_digit',
          regex: '[19]',
          digitTimeoutMs: 8000,
        },
        { step: 'confirm', byOutcome: { given: started, refused: none, timeout: none, invalid: none } },
      ],
    });
  });

  it('permanent-opt-out: silence does not object; permanent: one notice, every outcome records', () => {
    const optOut = consentFlow(decideRecording(input({ consent: 'not-asked' }, { mode: 'permanent-opt-out' })), group());
    expect(optOut?.prompt).to.equal('notice-with-objection');
    expect(optOut?.steps[2]).to.deep.equal({ step: 'confirm', byOutcome: { given: started, timeout: started, refused: none, invalid: none } });

    const permanent = consentFlow(decideRecording(input({ consent: 'not-asked' }, { mode: 'permanent' })), group());
    expect(permanent?.prompt).to.equal('notice');
    const menu = permanent?.steps[1] as PlayAndGetDigitsStep;
    expect(menu).to.include({ prompt: '/p/notice.wav', tries: 1, invalidPrompt: 'silence_stream://250' });
    expect(permanent?.steps[2]).to.deep.equal({
      step: 'confirm',
      byOutcome: { given: started, refused: started, timeout: started, invalid: started },
    });
  });

  it('no prompt when the decision needs none (gated, manual, disabled), none when the file is missing', () => {
    const gated = decideRecording(input({ consent: 'not-asked', legalNoticeAcknowledged: false }, { mode: 'opt-in' }));
    expect(consentFlow(gated, group())).to.deep.equal({ prompt: 'none', steps: [] });
    const d = decideRecording(input({ consent: 'not-asked' }, { mode: 'opt-in' }));
    expect(consentFlow(d, group({ prompts: {} }))).to.equal(undefined);
  });

  it('without announcements the confirmation plays nothing', () => {
    const d = decideRecording(input({ consent: 'not-asked' }, { mode: 'opt-in' }));
    expect(consentFlow(d, group({ announcements: false }))?.steps[2]).to.deep.equal({ step: 'confirm', byOutcome: {} });
  });

  it('renders the play_and_get_digits argument like the captured consent flow', () => {
    const d = decideRecording(input({ consent: 'not-asked' }, { mode: 'opt-in' }));
    const g = group({ prompts: { consentMenu: 'tone_stream://%(500,0,440)', invalidEntry: 'silence_stream://250' } });
    const menu = consentFlow(d, g)?.steps[1] as PlayAndGetDigitsStep;
    expect(playAndGetDigitsArg(menu)).to.equal('1 1 2 10000 # tone_stream://%(500,0,440) silence_stream://250 callwarden_consent_digit [19] 10000');
  });

  it('reads the answer: 1 given, 9 refused, other keys invalid, nothing timeout', () => {
    expect(consentOutcome('1', undefined)).to.equal('given');
    expect(consentOutcome('9', undefined)).to.equal('refused');
    expect(consentOutcome('', '5')).to.equal('invalid');
    expect(consentOutcome(undefined, undefined)).to.equal('timeout');
    expect(consentOutcome('', '')).to.equal('timeout');
  });

  it('the confirmation and the decision share announcement ids, so nothing is played twice', () => {
    const d = decideRecording(input({ consent: 'refused' }, { mode: 'opt-in' }));
    expect(d.announcements.map((a) => a.id)).to.deep.equal([none.id]);
  });
});
