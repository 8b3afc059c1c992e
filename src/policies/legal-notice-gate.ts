// Decides that nothing records in any mode until the operator has acknowledged the legal notice.

import { close, note, type PolicyRule } from './policy-rule';

/**
 * recording.legalNoticeAcknowledged is the operator's statement that they have read what
 * StGB §201 and GDPR Art. 6/7 demand; until then the daemon records nothing and asks nobody.
 */
export const legalNoticeGate: PolicyRule = (input, draft) =>
  input.legalNoticeAcknowledged
    ? note(draft, 'legal-notice:acknowledged')
    : close(
        draft,
        'legal-notice:not-acknowledged',
        { reason: 'nothing is recorded: the operator has not acknowledged the legal notice (recording.legalNoticeAcknowledged)' },
        false,
      );
