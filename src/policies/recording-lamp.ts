// Decides what the agent's recording lamp (a BLF key on the phone) shows: off, on, or blinking.

/** off: not recorded; on: recorded; blinking: paused / masked, or the caller is still being asked. */
export type LampState = 'off' | 'on' | 'blinking';

export interface LampInput {
  /** The agent has a live call that callwarden controls. */
  readonly inCall: boolean;
  /** FreeSWITCH confirmed a running recording (RECORD_START, no RECORD_STOP yet): never the decision alone. */
  readonly recordingRunning: boolean;
  /** The running recording is masked (a pause for sensitive input, or a supervisor without consent). */
  readonly masked: boolean;
  /** A pause for sensitive input runs (the agent pressed the pause key, or live operations paused). */
  readonly paused: boolean;
  /** The consent prompt runs and its answer could lead to a recording. */
  readonly consentPending: boolean;
}

/**
 * The lamp is a promise to the agent, so "on" needs FreeSWITCH's proof that a file is being
 * written, and anything in between (a masked file, a pause, a caller still deciding) blinks:
 * the agent must neither believe a card number is being recorded when it is not, nor the
 * reverse. No call: off.
 */
export function lampState(input: LampInput): LampState {
  if (!input.inCall) return 'off';
  if (input.recordingRunning && (input.masked || input.paused)) return 'blinking';
  if (input.recordingRunning) return 'on';
  if (input.consentPending) return 'blinking';
  return 'off';
}
