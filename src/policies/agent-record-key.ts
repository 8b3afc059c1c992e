// Decides what the agent's record key means: the on/off switch in `manual`, an opt-out in `every-nth`.

import { because, close, note, type PolicyRule } from './policy-rule';

/**
 * manual: the recording runs while the agent's last press was "start". Each start and stop
 * is announced even when the group turned announcements off: in this mode the
 * announcement is the only way the caller learns of the recording (StGB §201).
 */
export const manualToggle: PolicyRule = (input, draft) => {
  if (draft.mode !== 'manual') return draft;
  const seg = draft.segment;
  // Who switched last: the agent's key or an operator (live operations), for the evidence.
  const lastAgent = Math.max(Number.NEGATIVE_INFINITY, ...input.manualPresses.map((p) => p.at));
  const lastOperator = Math.max(Number.NEGATIVE_INFINITY, ...(input.operatorRequests ?? []).map((r) => r.at));
  const who = lastOperator > lastAgent ? 'an operator (live operations)' : 'the agent';
  const how = lastOperator > lastAgent ? '' : ' with the record key';
  if (seg.manualOn) {
    return {
      ...because(draft, `manual:on(segment ${seg.number})`, `${who} started recording${how}`),
      forceStartAnnouncement: true,
    };
  }
  if (seg.manualStopped) {
    return close(
      draft,
      `manual:stopped(segment ${seg.number})`,
      { reason: `${who} stopped recording${how}`, announce: 'recording-stopped', forceAnnounce: true },
      true,
    );
  }
  return close(draft, 'manual:off', { reason: 'the agent has not started recording' }, true);
};

/** every-nth: the agent may opt a sampled call out with the record key (DESIGN.md), for the rest of the call. */
export const agentOptOut: PolicyRule = (input, draft) => {
  if (draft.mode !== 'every-nth') return draft;
  if (input.manualPresses.length === 0) return note(draft, 'agent-opt-out:none');
  return close(
    draft,
    'agent-opt-out:pressed',
    { reason: 'the agent opted this sampled call out with the record key', announce: 'recording-stopped' },
    true,
  );
};
