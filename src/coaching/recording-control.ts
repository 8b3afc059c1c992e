// What live operations ask of the recording side: start/stop on a live call, only where the call's policy allows.

/** Who asked, for the recording side's own evidence. */
export interface RecordingRequester {
  readonly user: string;
  readonly via: 'live-ops';
}

export interface RecordingControlResult {
  readonly ok: boolean;
  /** Why it was done or refused, in words an operator can act on (e.g. "the caller objected (9)"). */
  readonly reason: string;
}

/**
 * Implemented by the recording controller (src/calls/ + src/recorder/): it alone knows the
 * call's policy, consent and observed recording state, so it decides and acts; coaching only
 * authenticates, forwards and audits. `request` must not resolve ok before the decision is
 * taken (the RECORD_START itself may come later and is reported on MQTT as usual).
 */
export interface RecordingControl {
  request(callId: string, action: 'start' | 'stop', by: RecordingRequester): Promise<RecordingControlResult>;
  /**
   * Pause (mask) the running recording for sensitive input, or resume it. A pause is refused
   * when nothing is being recorded (it never starts a recording) and ends by itself at the
   * group's pauseMaxSeconds; every pause and resume is in the call's evidence with who and when.
   */
  pause(callId: string, action: 'pause' | 'resume', by: RecordingRequester): Promise<RecordingControlResult>;
}

/** Until the recording controller provides one: every request is refused, and says why. */
export const unavailableRecordingControl: RecordingControl = {
  request: async () => ({ ok: false, reason: 'recording control not available' }),
  pause: async () => ({ ok: false, reason: 'recording control not available' }),
};
