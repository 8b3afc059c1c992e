// Turns the wanted recording state and the observed one into the commands that close the gap.

import type { Announcement } from './announcements';
import type { RecordingDecision } from './decide-recording';
import type { RecordingChannels } from './policy-input';
import type { RecordingCommand } from './recording-command';
import { RECORD_VARIABLES, recordVariablesFor } from './recording-channels';
import { recordingPath, type RecordingFormat } from './recording-file-name';
import type { ObservedRecording } from './recording-observation';

export interface DesiredRecording {
  /** The caller leg's Unique-ID: every recording and announcement runs there (see recording-channels). */
  readonly leg: string;
  /** Set iff a recording is wanted now. */
  readonly path?: string;
  readonly channels: RecordingChannels;
  readonly masked: boolean;
  readonly announcements: readonly Announcement[];
}

export interface RecordingPlace {
  readonly callId: string;
  readonly callerLeg: string;
  readonly directory: string;
  readonly format: RecordingFormat;
}

export function desiredRecording(decision: RecordingDecision, place: RecordingPlace): DesiredRecording {
  return {
    leg: place.callerLeg,
    ...(decision.record
      ? { path: recordingPath(place.directory, place.callId, decision.segment, decision.channels, place.format) }
      : {}),
    channels: decision.channels,
    masked: decision.masked,
    announcements: decision.announcements,
  };
}

/**
 * Level-triggered: the same (desired, observed) always gives the same list, and once the
 * events for those commands are folded in, the list is empty. In order:
 * 1. stop every running (or starting) recording that is not the wanted file;
 * 2. play the announcements not yet played ("recording starts" goes out just before the
 *    start, so it is in the file too — evidence that the caller was told);
 * 3. if the wanted file is neither running nor starting: set all four RECORD_* variables
 *    (they are channel-wide and sticky, so the ones not wanted are set to false
 *    explicitly), then start. Not while a mask is wanted: a new bug starts unmasked, and
 *    waiting records nothing that must not be recorded;
 * 4. mask / unmask the running wanted file when that differs from what was observed.
 */
export function reconcile(desired: DesiredRecording, observed: ObservedRecording): RecordingCommand[] {
  const leg = desired.leg;
  const want = desired.path;
  const commands: RecordingCommand[] = [];

  const stoppable = [...observed.running, ...observed.startsInFlight.filter((p) => !observed.running.includes(p))];
  for (const path of stoppable) {
    if (path !== want && !observed.stopsInFlight.includes(path)) commands.push({ kind: 'stop', leg, path });
  }

  for (const a of desired.announcements) {
    if (observed.announced.includes(a.id)) continue;
    commands.push({ kind: 'announce', leg, id: a.id, announcement: a.kind, file: a.file, to: a.to === 'both' ? 'both' : 'aleg' });
  }

  if (want === undefined) return commands;
  const running = observed.running.includes(want);
  if (!running && !observed.startsInFlight.includes(want) && !desired.masked) {
    const vars = recordVariablesFor(desired.channels);
    for (const name of RECORD_VARIABLES) commands.push({ kind: 'setvar', leg, name, value: vars[name] ? 'true' : 'false' });
    commands.push({ kind: 'start', leg, path: want });
  }
  if (running) {
    if (desired.masked && observed.masked !== true) commands.push({ kind: 'mask', leg, path: want });
    if (!desired.masked && observed.masked !== false) commands.push({ kind: 'unmask', leg, path: want });
  }
  return commands;
}
