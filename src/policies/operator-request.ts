// Decides whether an operator (live operations) may switch a call's recording on or off, and what accepted switches do.

import type { SegmentState } from './call-segments';
import type { ManualPress, OperatorRequest, PolicyInput } from './policy-input';
import { close, type PolicyRule } from './policy-rule';

export interface OperatorVerdict {
  readonly ok: boolean;
  /** The policy's sentence: why it is done, or why it is refused. */
  readonly reason: string;
  readonly ruleTrail: readonly string[];
}

/**
 * Merges the agent's record-key presses (toggles: each flips the current state) with the
 * operator's accepted requests (explicit: start means on, whatever the state), in time
 * order; the result is what callSegments reads. `startsOn`: the mode records by itself
 * (every mode but manual), so the first operator stop ends a running recording.
 */
export function switchTimeline(agentPresses: readonly ManualPress[], operator: readonly OperatorRequest[], startsOn: boolean): ManualPress[] {
  const steps = [
    ...agentPresses.map((p) => ({ at: p.at, toggle: true as const, action: p.action })),
    ...operator.map((r) => ({ at: r.at, toggle: false as const, action: r.action })),
  ].sort((a, b) => a.at - b.at);
  let on = startsOn;
  const out: ManualPress[] = startsOn ? [{ action: 'start', at: Number.NEGATIVE_INFINITY }] : [];
  for (const s of steps) {
    const action = s.toggle ? (on ? 'stop' : 'start') : s.action;
    on = action === 'start';
    out.push({ action, at: s.at });
  }
  return out;
}

/**
 * An operator's stop holds in the automatic modes until an operator starts again; the
 * caller is told when the group announces (manual mode announces through manualToggle).
 */
export const operatorSwitch: PolicyRule = (input, draft) => {
  if (draft.mode === 'manual' || (input.operatorRequests ?? []).length === 0) return draft;
  const seg: SegmentState = draft.segment;
  if (seg.manualOn) return { ...draft, trail: [...draft.trail, `operator:on(segment ${seg.number})`] };
  return close(draft, `operator:stopped(segment ${seg.number})`, { reason: 'an operator stopped the recording (live operations)', announce: 'recording-stopped' }, true);
};

/**
 * The legal rule for an operator's start or stop, judged on the call as it stands (the
 * caller decides via `decideRecording` what an accepted start leads to):
 * - nothing before the legal notice is acknowledged, nothing on a `disabled` call (an
 *   extension nobody enabled has no legal review);
 * - stop: always lawful (less processing) except in `permanent`, a legal duty (MiFID II
 *   Art. 16(7));
 * - start: only with the agent's consent on file (no "caller only" fallback for a person's
 *   deliberate choice) and only where the mode itself would record with the consent the
 *   call has: `manual` (a person switches it by design) unless the caller objected, or a
 *   mode whose consent was given (opt-in 1; the opt-out modes without objection; every-nth
 *   only when sampled and not opted out by the agent). The refusal is the sentence of the
 *   rule that rules it out, e.g. the caller's 9.
 */
export function operatorRequestVerdict(
  input: PolicyInput,
  request: OperatorRequest,
  decide: (input: PolicyInput) => { readonly record: boolean; readonly reason: string; readonly mode: string; readonly ruleTrail: readonly string[] },
): OperatorVerdict {
  const current = decide(input);
  const trail = [...current.ruleTrail];
  const refuse = (reason: string, rule: string): OperatorVerdict => ({ ok: false, reason, ruleTrail: [...trail, `operator-${request.action}:refused(${rule})`] });
  if (!input.legalNoticeAcknowledged) return refuse(current.reason, 'legal-notice');
  if (current.mode === 'disabled') return refuse(current.reason, 'disabled');
  if (request.action === 'stop') {
    if (current.mode === 'permanent') {
      return refuse('this group must record every call (permanent, e.g. MiFID II Art. 16(7)): the recording cannot be stopped', 'permanent');
    }
    return { ok: true, reason: current.record ? 'the recording stops at the operator\'s request' : 'nothing is being recorded; it stays off', ruleTrail: [...trail, 'operator-stop:accepted'] };
  }
  if (input.agentConsentOnFile !== 'yes') {
    const missing = input.agentConsentOnFile === 'no' ? 'the agent has no recording consent on file' : "the agent's recording consent on file could not be confirmed";
    return refuse(`recording cannot be started: ${missing}`, 'agent-consent');
  }
  const wanted = decide({ ...input, operatorRequests: [...(input.operatorRequests ?? []), request] });
  if (!wanted.record) return { ok: false, reason: wanted.reason, ruleTrail: [...wanted.ruleTrail, 'operator-start:refused'] };
  return {
    ok: true,
    reason: current.record ? `already recording: ${current.reason}` : `the recording starts at the operator's request: ${wanted.reason}`,
    ruleTrail: [...wanted.ruleTrail, 'operator-start:accepted'],
  };
}
