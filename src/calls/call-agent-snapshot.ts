// What one call shows its agent (the lamp, the agent's MQTT topic): derived by the call controller after every run.

import type { CallMonitorMode } from '../mqtt';

export interface CallAgentSnapshot {
  readonly callId: string;
  /** The agent extension whose settings govern the call (bridged, or the one the group's target rings). */
  readonly extension?: string;
  readonly group?: string;
  /** The call is over (the caller hung up or the call ended): the agent's state clears. */
  readonly ended: boolean;
  /** RECORD_START seen, no RECORD_STOP yet. */
  readonly recordingRunning: boolean;
  /** The running file is masked (observed) or a mask is wanted. */
  readonly masked: boolean;
  readonly paused: boolean;
  /** FreeSWITCH µs: when the running pause began / ends by itself. */
  readonly pausedSince?: number;
  readonly resumesAt?: number;
  /** The consent prompt runs and its answer could lead to a recording. */
  readonly consentPending: boolean;
  /** Active monitor sessions: who and how (shown to the agent only where the group says so). */
  readonly monitors: readonly { readonly supervisor: string; readonly mode: CallMonitorMode }[];
  /** The group's notifyAgentOfMonitoring. */
  readonly notifyMonitoring: boolean;
}

export type CallAgentListener = (snapshot: CallAgentSnapshot) => void;
