// Decides whether a listening supervisor's voice would enter the recording, and masks it if not allowed.

import { includesAgentSide } from './recording-channels';
import { note, qualify, type PolicyRule } from './policy-rule';

/**
 * eavesdrop on the agent leg (FREESWITCH.md): "talk-target" (whisper) is mixed into what the
 * agent hears, which the caller-leg recording never contains; "talk-partner" and
 * "three-way" send the supervisor's voice to the caller, i.e. into the caller leg's write
 * stream, the agent side of the file. A supervisor without consent on file must not be
 * recorded any more than an agent, and the mix cannot be split afterwards, so the file is
 * masked (uuid_record mask: silence on both channels) while that lasts.
 */
export const supervisorAudio: PolicyRule = (input, draft) => {
  const audible = input.supervisors.filter((s) => s.mode === 'talk-partner' || s.mode === 'three-way');
  if (audible.length > 0 && includesAgentSide(draft.channels)) {
    if (audible.some((s) => s.consentOnFile !== 'yes')) {
      return {
        ...qualify(
          draft,
          'supervisor:audible-without-consent(mask)',
          'the recording is masked while a supervisor without recording consent on file speaks to the caller',
        ),
        masked: true,
      };
    }
    return note(draft, 'supervisor:audible-with-consent');
  }
  if (input.supervisors.some((s) => s.mode === 'talk-target')) return note(draft, 'supervisor:whisper(not in caller-leg recording)');
  return input.supervisors.length > 0 ? note(draft, 'supervisor:not-in-recording') : draft;
};
