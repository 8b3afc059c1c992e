// Decides whether a data subject's calls may be erased: a legal hold refuses all of it; a call still in progress waits; what happens to each recording file.

import type { MatchingHold } from './retention-verdict';

export interface ErasureCallFacts {
  readonly callId: string;
  /** The call row has an end time or an end reason. */
  readonly ended: boolean;
  readonly recordingStatuses: readonly string[];
}

export type ErasureVerdict =
  | { readonly action: 'refuse'; readonly reason: string; readonly holds: readonly MatchingHold[] }
  | { readonly action: 'erase'; readonly erase: readonly string[]; readonly wait: ReadonlyArray<{ readonly callId: string; readonly reason: string }> };

export type ErasureFileAction = 'delete' | 'already deleted' | 'wait' | 'not ours';

/** What erasure does with one recording row by its status. */
export function erasureFileAction(status: string): ErasureFileAction {
  if (status === 'deleted') return 'already deleted';
  if (status === 'recording' || status === 'converting') return 'wait';
  // A recording callwarden did not start (someone else's uuid_record): never read, judged or deleted.
  if (status === 'foreign' || status === 'foreign-stopped') return 'not ours';
  return 'delete';
}

/**
 * Any active legal hold on the subject's number, on one of the calls or on the other party's
 * number refuses the whole erasure (it would destroy evidence a court or regulator asked for);
 * nothing is changed, so the request can be repeated once the hold is lifted. A call still in
 * progress (or a file still written or converted) is left for a later run: its evidence is
 * still being appended.
 */
export function subjectErasureVerdict(holds: readonly MatchingHold[], calls: readonly ErasureCallFacts[]): ErasureVerdict {
  if (holds.length > 0) {
    return {
      action: 'refuse',
      holds,
      reason: `refused: legal hold ${holds.map((h) => `#${h.id} (${h.kind} ${h.value}: ${h.reason})`).join(', ')}; nothing was erased — lift the hold (callwarden hold remove <id>) once it no longer applies`,
    };
  }
  const erase: string[] = [];
  const wait: Array<{ callId: string; reason: string }> = [];
  for (const c of calls) {
    if (!c.ended) wait.push({ callId: c.callId, reason: 'call still in progress' });
    else if (c.recordingStatuses.some((s) => erasureFileAction(s) === 'wait')) wait.push({ callId: c.callId, reason: 'a recording is still being written or converted' });
    else erase.push(c.callId);
  }
  return { action: 'erase', erase, wait };
}
