// Decides whether the routing's per-call veto (callwarden_no_record) stops recording for this call.

import { close, note, qualify, type PolicyRule } from './policy-rule';

/**
 * The veto is the dialplan's "object that prevents recording" (DESIGN.md). It is a
 * tightening, so it applies to every mode except `permanent`, whose recording is a legal
 * duty (MiFID II Art. 16(7)) that no routing may waive; there it is logged and ignored.
 */
export const perCallVeto: PolicyRule = (input, draft) => {
  if (!input.veto) return note(draft, 'per-call-veto:not-set');
  if (draft.mode === 'permanent') {
    return qualify(
      draft,
      'per-call-veto:ignored(permanent)',
      'the routing veto (callwarden_no_record) was ignored because this group must record every call',
    );
  }
  return close(draft, 'per-call-veto:set', { reason: 'the routing vetoed recording for this call (callwarden_no_record)' }, false);
};
