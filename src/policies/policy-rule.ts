// The shape every composable recording rule shares: it reads the input and refines a draft decision.

import type { ConsentPromptKind, RecordingMode } from './recording-mode';
import type { PolicyInput, RecordingChannels } from './policy-input';
import type { SegmentState } from './call-segments';
import type { ModeSource } from './effective-mode';

/** Announcements a rule can make due when it ends the evaluation. */
export type ClosingAnnouncement = 'no-recording' | 'recording-stopped';

export interface Closure {
  /** The sentence the auditor reads. */
  readonly reason: string;
  readonly announce?: ClosingAnnouncement;
  /** The announcement is due even with announcements off (manual mode, StGB §201). */
  readonly forceAnnounce?: boolean;
}

export interface Draft {
  readonly mode: RecordingMode;
  readonly modeSource: ModeSource;
  readonly channels: RecordingChannels;
  readonly prompt: ConsentPromptKind;
  readonly segment: SegmentState;
  /** Set by the rule that decided "no recording (now)"; later rules do not run. */
  readonly closed?: Closure;
  /** Why it records: the mode's reason first, then qualifiers (channels, masking). */
  readonly reasons: readonly string[];
  readonly trail: readonly string[];
  readonly masked: boolean;
  /** Set by manual mode: "recording started" is due even with announcements off. */
  readonly forceStartAnnouncement: boolean;
}

export type PolicyRule = (input: PolicyInput, draft: Draft) => Draft;

export function note(draft: Draft, trail: string): Draft {
  return { ...draft, trail: [...draft.trail, trail] };
}

/** Records the mode's own reason for recording; it leads the final sentence, before any qualifier. */
export function because(draft: Draft, trail: string, reason: string): Draft {
  return { ...draft, trail: [...draft.trail, trail], reasons: [reason, ...draft.reasons] };
}

/** Adds a qualifier (channels reduced, veto ignored, masking) to the reason. */
export function qualify(draft: Draft, trail: string, reason: string): Draft {
  return { ...draft, trail: [...draft.trail, trail], reasons: [...draft.reasons, reason] };
}

/**
 * Ends the evaluation with "no recording". `keepPrompt: false` also withdraws the consent
 * prompt: a caller must not be asked for a consent that could never lead to a recording
 * (that would misinform them about the processing, GDPR Art. 13).
 */
export function close(draft: Draft, trail: string, closure: Closure, keepPrompt: boolean): Draft {
  return {
    ...draft,
    trail: [...draft.trail, trail],
    closed: closure,
    prompt: keepPrompt ? draft.prompt : 'none',
  };
}
