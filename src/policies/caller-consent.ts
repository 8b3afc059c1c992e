// Decides what the caller's answer to the prompt means in each mode (consent menu, opt-out notice, notice).

import type { ConsentState } from './policy-input';
import { because, close, note, type Draft, type PolicyRule } from './policy-rule';

/**
 * Nothing records before the caller has heard the prompt: recording a conversation
 * without the speaker's knowledge is a crime (StGB §201), so every mode that prompts
 * waits for the prompt to finish.
 */
function waiting(draft: Draft, consent: ConsentState, what: string): Draft {
  const reason =
    consent === 'not-asked'
      ? `waiting: the ${what} has not been played to the caller yet`
      : `waiting: the ${what} is playing and the caller has not answered yet`;
  return close(draft, `caller-consent:${consent}`, { reason }, true);
}

/** opt-in: only an explicit 1 is consent (GDPR Art. 4(11), 7: silence is not consent). */
const optIn = (consent: ConsentState, draft: Draft): Draft => {
  switch (consent) {
    case 'not-asked':
    case 'asked':
      return waiting(draft, consent, 'consent prompt');
    case 'given':
      return because(draft, 'caller-consent:given', 'the caller agreed with DTMF 1 at the consent prompt');
    case 'refused':
      return close(draft, 'caller-consent:refused', { reason: 'the caller objected with DTMF 9 at the consent prompt', announce: 'no-recording' }, true);
    case 'timeout':
      return close(
        draft,
        'caller-consent:timeout',
        { reason: 'the caller did not answer the consent prompt in time, and silence is not consent', announce: 'no-recording' },
        true,
      );
    case 'invalid':
      return close(
        draft,
        'caller-consent:invalid',
        { reason: 'the caller pressed no valid key (1 or 9) at the consent prompt, which is not consent', announce: 'no-recording' },
        true,
      );
  }
};

/**
 * permanent-opt-out and every-nth: the caller is told and may object (GDPR Art. 21); no
 * answer after the notice means no objection. A key other than 1 or 9 is read as an
 * objection: the caller evidently tried to answer, and an unclear answer must not be
 * taken as acceptance.
 */
const optOut = (consent: ConsentState, draft: Draft): Draft => {
  switch (consent) {
    case 'not-asked':
    case 'asked':
      return waiting(draft, consent, 'recording notice');
    case 'given':
      return because(draft, 'caller-consent:given', 'the caller heard the recording notice and agreed with DTMF 1');
    case 'timeout':
      return because(draft, 'caller-consent:no-objection', 'the caller heard the recording notice and did not object');
    case 'refused':
      return close(draft, 'caller-consent:refused', { reason: 'the caller objected with DTMF 9 at the recording notice', announce: 'no-recording' }, true);
    case 'invalid':
      return close(
        draft,
        'caller-consent:invalid',
        {
          reason: 'the caller answered the recording notice with a key other than 1 or 9, which is treated as an objection',
          announce: 'no-recording',
        },
        true,
      );
  }
};

/** permanent: the caller must hear the notice (StGB §201), but a 9 cannot stop the recording. */
const permanent = (consent: ConsentState, draft: Draft): Draft => {
  switch (consent) {
    case 'not-asked':
    case 'asked':
      return waiting(draft, consent, 'recording notice');
    case 'refused':
      return because(
        draft,
        'caller-consent:refused(ignored, permanent)',
        'the caller pressed 9 during the recording notice, but this group must record every call, so the objection is logged and recording continues',
      );
    case 'given':
    case 'timeout':
    case 'invalid':
      return because(draft, `caller-consent:${consent}(notice heard)`, 'this group records every call and the caller heard the recording notice');
  }
};

/** manual: the caller is not asked, but an objection already given (e.g. before a transfer) stands. */
const manual = (consent: ConsentState, draft: Draft): Draft =>
  consent === 'refused'
    ? close(draft, 'caller-consent:refused', { reason: "the caller objected with DTMF 9, and manual recording may not override the caller's objection" }, true)
    : note(draft, 'caller-consent:not-asked-in-manual');

export const callerConsent: PolicyRule = (input, draft) => {
  switch (draft.mode) {
    case 'opt-in':
      return optIn(input.consent, draft);
    case 'every-nth':
    case 'permanent-opt-out':
      return optOut(input.consent, draft);
    case 'permanent':
      return permanent(input.consent, draft);
    case 'manual':
      return manual(input.consent, draft);
    case 'disabled':
      return draft;
  }
};
