// Decides which announcements are due now, each with a stable id so it is played once per call.

import type { PolicyInput, PromptFiles } from './policy-input';
import type { Draft } from './policy-rule';

export type AnnouncementKind = 'recording-started' | 'no-recording' | 'recording-stopped' | 'reannouncement';

export interface Announcement {
  /**
   * Stable per call: "no-recording", or "<kind>:<segment>". Reconcile plays an
   * announcement whose id is not yet in the observed list, so a resync never replays one.
   */
  readonly id: string;
  readonly kind: AnnouncementKind;
  readonly file: string;
  /** uuid_broadcast on the caller leg: aleg only before the bridge, both once an agent is there. */
  readonly to: 'caller' | 'both';
}

const PROMPT_OF: Readonly<Record<AnnouncementKind, keyof PromptFiles>> = {
  'recording-started': 'recordingStarted',
  'no-recording': 'noRecording',
  'recording-stopped': 'recordingStopped',
  reannouncement: 'reannouncement',
};

export function announcementId(kind: AnnouncementKind, segment: number): string {
  return kind === 'no-recording' ? kind : `${kind}:${segment}`;
}

/** undefined when the group has no file for it (validateRecordingConfig reports that at start-up). */
export function announcement(kind: AnnouncementKind, segment: number, prompts: PromptFiles, bridged: boolean): Announcement | undefined {
  const file = prompts[PROMPT_OF[kind]];
  if (file === undefined || file === '') return undefined;
  return { id: announcementId(kind, segment), kind, file, to: bridged ? 'both' : 'caller' };
}

/**
 * Only the current state's announcements are listed (not the call's whole history), so
 * after a resync that lost the played list at most the current state is announced again.
 * - "no recording" when the caller's answer ruled recording out, "recording stopped" when
 *   the agent stopped it — nothing when a gate (legal notice, veto, disabled, sampling,
 *   agent consent) ruled it out: the caller was never told of a recording then;
 * - "recording started" when it records; after a transfer the re-announcement instead,
 *   heard by the new agent too, if the group asks for it.
 */
export function announcementsDue(input: PolicyInput, draft: Draft): { readonly due: Announcement[]; readonly trail: string[] } {
  const kinds: AnnouncementKind[] = [];
  const g = input.group;
  if (draft.closed) {
    const a = draft.closed.announce;
    if (a !== undefined && (g.announcements || draft.closed.forceAnnounce === true)) kinds.push(a);
  } else if (draft.segment.afterTransfer && g.reannounceOnTransfer) {
    kinds.push('reannouncement');
  } else if (draft.segment.afterTransfer && !draft.forceStartAnnouncement) {
    // The group chose not to re-announce after a transfer: the recording simply continues.
  } else if (g.announcements || draft.forceStartAnnouncement) {
    kinds.push('recording-started');
  }
  const due: Announcement[] = [];
  const trail: string[] = [];
  for (const kind of kinds) {
    const a = announcement(kind, draft.segment.number, g.prompts, input.bridged);
    if (a) {
      due.push(a);
      trail.push(`announce:${a.id}`);
    } else {
      trail.push(`announce:${kind}:no-prompt-configured`);
    }
  }
  return { due, trail };
}
