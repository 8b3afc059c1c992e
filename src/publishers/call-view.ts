// CallState (+ annotations) → the MQTT CallView: the one place stream state meets the ops view.

import type { CallMonitorMode, CallRecordingStatus, CallView } from '../mqtt';
import type { CallState, MonitorMode } from '../streams';
import type { CallAnnotations } from './call-annotations';

/**
 * eavesdrop's modes are named from the target's side; the target is the agent leg
 * (see README, coaching): talk to the target = whisper to the agent, talk to its partner =
 * talk to the caller, both = conference.
 */
const MONITOR_MODES: Readonly<Record<MonitorMode, CallMonitorMode>> = {
  listen: 'listen',
  'talk-target': 'whisper-agent',
  'talk-partner': 'talk-caller',
  'three-way': 'conference',
};

/** FreeSWITCH times are µs since the epoch; the view takes ms. */
const ms = (micros: number | undefined): number | null => (micros === undefined ? null : Math.floor(micros / 1000));

/**
 * What FreeSWITCH confirmed (RECORD_START / RECORD_STOP, folded into the call) wins; the
 * controller's note only adds that a start or a stop is on its way. A stale note can
 * therefore never show `starting` for a file that has stopped, nor `on` for one that has.
 */
function recordingState(active: boolean, noted: CallRecordingStatus | undefined): CallRecordingStatus {
  if (active) return noted === 'stopping' ? 'stopping' : 'on';
  return noted === 'starting' ? 'starting' : 'off';
}

export function toCallView(call: CallState, notes: CallAnnotations = {}): CallView {
  const caller = call.legs.find((l) => l.role === 'caller');
  const agent = [...call.legs].reverse().find((l) => l.role === 'agent' && !l.hungup);
  const active = call.recordings.filter((r) => r.active);
  return {
    callId: call.callId,
    freeswitch: call.node.name === '' ? null : call.node.name,
    direction: call.direction ?? 'inbound',
    caller: { number: call.callerNumber ?? null, name: null },
    destination: call.destination ?? null,
    group: call.group ?? null,
    agentExtension: call.agentExtension ?? null,
    answeredAt: ms(caller?.answeredAt),
    bridgedAt: ms(agent?.bridgedAt ?? caller?.bridgedAt),
    recording: {
      state: recordingState(active.length > 0, notes.recording?.state),
      channels: notes.recording?.channels ?? null,
      segment: notes.recording?.segment ?? call.recordings.length,
      masked: notes.recording?.masked ?? false,
    },
    consent: notes.consent ?? 'not-asked',
    monitors: call.monitors
      .filter((m) => m.active)
      .map((m) => ({
        supervisor: notes.supervisors?.[m.supervisorLeg] ?? call.legs.find((l) => l.uuid === m.supervisorLeg)?.callerNumber ?? m.supervisorLeg,
        mode: MONITOR_MODES[m.mode],
        since: ms(m.modeChangedAt ?? m.startedAt) ?? 0,
      })),
    updatedAt: ms(call.updatedAt) ?? Date.now(),
  };
}
