// Decides whether an agent may list and play the recording of a call: only their own calls, where the group allows it, or a call shared with them.

import type { RecordingConfig } from './recording-config';

export interface ReviewableCall {
  /** The extension the call's agent leg belonged to (the call's row), if known. */
  readonly agentExtension?: string | null;
  /** The call's group (callwarden_group), if known. */
  readonly group?: string | null;
  /** Agent extensions a supervisor shared this call with for coaching. */
  readonly sharedWith?: readonly string[];
}

export interface ReviewVerdict {
  readonly ok: boolean;
  /** Why: for the log and tests (the back office audits every allowed view and play; a refused one is a 404 that reaches nothing). */
  readonly reason: string;
}

/**
 * For the back office's `agent` role (src/web builds on it): an agent sees a recording only
 * when the call was theirs — their extension on the call's agent leg — and either their
 * group allows self-review (`agentSelfReview: true`) or a supervisor shared that very call
 * with them. A share with anyone else than the call's own agent is worthless: an agent never
 * hears a colleague's call (the caller's and the colleague's personal data). An unknown
 * agent, group or extension is "no".
 */
export function mayAgentReview(config: Pick<RecordingConfig, 'groups'>, agentExtension: string, call: ReviewableCall): ReviewVerdict {
  if (agentExtension === '' || call.agentExtension === undefined || call.agentExtension === null || call.agentExtension !== agentExtension) {
    return { ok: false, reason: `the call was not taken by extension ${agentExtension || '(none)'}` };
  }
  if ((call.sharedWith ?? []).includes(agentExtension)) return { ok: true, reason: `a supervisor shared this call with agent ${agentExtension} for coaching` };
  const group = call.group ?? undefined;
  const settings = group !== undefined && Object.prototype.hasOwnProperty.call(config.groups, group) ? config.groups[group] : undefined;
  if (settings === undefined) return { ok: false, reason: 'the call has no known group, so no self-review rule applies' };
  if (settings.agentSelfReview !== true) return { ok: false, reason: `group ${group} does not let agents review their own calls (agentSelfReview is off)` };
  return { ok: true, reason: `agent ${agentExtension} reviews their own call (group ${group} allows self-review)` };
}

/**
 * The groups whose agents may review their own calls, for a search in SQL that must agree
 * with mayAgentReview (shares are added there from the shares table).
 */
export function selfReviewGroups(config: Pick<RecordingConfig, 'groups'>): string[] {
  return Object.keys(config.groups).filter((g) => config.groups[g]?.agentSelfReview === true);
}
