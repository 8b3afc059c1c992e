// Decides whether the agent's voice may be recorded, from the agent's signed consent on file.

import { withoutAgent } from './recording-channels';
import { close, note, qualify, type PolicyRule } from './policy-rule';

/**
 * An agent without a signed consent on file is never recorded (DESIGN.md). "unknown" (the
 * lookup failed or has not answered) counts as "no": GDPR Art. 7(1) requires the
 * controller to be able to demonstrate consent, and an unknown one cannot be demonstrated.
 * The group decides whether the caller alone is still recorded or nothing at all.
 */
export const agentConsentOnFile: PolicyRule = (input, draft) => {
  const onFile = input.agentConsentOnFile;
  if (onFile === 'yes') return note(draft, 'agent-consent:yes');
  const missing = onFile === 'no' ? 'the agent has no recording consent on file' : "the agent's recording consent on file could not be confirmed";
  if (draft.channels === 'caller') return note(draft, `agent-consent:${onFile}(caller-only recording unaffected)`);
  const remaining = withoutAgent(draft.channels);
  if (input.group.agentWithoutConsent === 'none' || remaining === undefined) {
    const why = remaining === undefined ? 'and the group records only the agent' : 'and the group records nothing in that case';
    return close(draft, `agent-consent:${onFile}(none)`, { reason: `nothing is recorded: ${missing} ${why}` }, false);
  }
  return {
    ...qualify(draft, `agent-consent:${onFile}(caller-only)`, `${missing}, so only the caller's channel is recorded`),
    channels: remaining,
  };
};
