// Which channel variables make uuid_record capture the caller, the agent, or both (on the caller leg).
//
// Every recording runs on the CALLER leg, and the agent side is taken from that leg's write
// stream (RECORD_WRITE_ONLY) rather than the agent leg's read stream, because:
// - the caller leg lives for the whole call; an agent leg ends at a transfer (see the
//   transfer trace: the agent leg hangs up, the caller leg runs on), and a media bug dies
//   with its channel;
// - the sticky RECORD_* variables then live on one channel only, which reconcile resets;
// - a supervisor's whisper (eavesdrop mode 2, "talk to target") is mixed into what the
//   agent leg hears, never into the caller leg's streams, so it can never end up in the
//   file; the file holds exactly what the caller said and heard.
// With RECORD_STEREO the caller leg's read stream (the caller) is the left channel and its
// write stream (the agent) the right one; RECORD_STEREO_SWAP would swap them, so it is
// always reset.

import type { RecordingChannels } from './policy-input';

export type RecordVariable = 'RECORD_STEREO' | 'RECORD_STEREO_SWAP' | 'RECORD_READ_ONLY' | 'RECORD_WRITE_ONLY';

/** In the order reconcile sets them; every one is set, so nothing sticky survives from before. */
export const RECORD_VARIABLES: readonly RecordVariable[] = [
  'RECORD_STEREO',
  'RECORD_STEREO_SWAP',
  'RECORD_READ_ONLY',
  'RECORD_WRITE_ONLY',
];

export function recordVariablesFor(channels: RecordingChannels): Readonly<Record<RecordVariable, boolean>> {
  return {
    RECORD_STEREO: channels === 'both',
    RECORD_STEREO_SWAP: false,
    RECORD_READ_ONLY: channels === 'caller',
    RECORD_WRITE_ONLY: channels === 'agent',
  };
}

/** The channels left when the agent's voice may not be recorded; undefined = nothing left. */
export function withoutAgent(channels: RecordingChannels): RecordingChannels | undefined {
  return channels === 'agent' ? undefined : 'caller';
}

/** Whether the file contains what is sent to the caller (the agent, and anyone talking to the caller). */
export function includesAgentSide(channels: RecordingChannels): boolean {
  return channels !== 'caller';
}

export function describeChannels(channels: RecordingChannels): string {
  switch (channels) {
    case 'both':
      return 'both parties in stereo (caller left, agent right)';
    case 'caller':
      return "the caller's channel only";
    case 'agent':
      return "the agent's channel only";
  }
}
