// Decides that a call governed by the `disabled` mode is never recorded and nobody is asked.

import { close, note, type PolicyRule } from './policy-rule';

const WHO = { group: "the extension's group", extension: 'the extension', call: 'the per-call override' } as const;

export const disabledMode: PolicyRule = (_input, draft) =>
  draft.mode === 'disabled'
    ? close(draft, 'mode:disabled', { reason: `recording is disabled for this call (set by ${WHO[draft.modeSource]})` }, false)
    : note(draft, `mode:${draft.mode}(${draft.modeSource})`);
