// The immutable state of one call (caller leg + agent legs + supervisors) that policies and coaching read.

import type { Micros } from './freeswitch-fields';
import type { CloseReason } from './channel-message';

/** caller: the a-leg the call started with; agent: a leg bridged to it; supervisor: an eavesdropper. */
export type LegRole = 'caller' | 'agent' | 'supervisor';

export interface LegState {
  readonly uuid: string;
  readonly role: LegRole;
  readonly node: string;
  readonly channelName?: string;
  readonly direction?: 'inbound' | 'outbound';
  /** `Channel-State` verbatim (CS_EXECUTE, CS_EXCHANGE_MEDIA, CS_HANGUP …). */
  readonly channelState?: string;
  /** `Channel-Call-State` verbatim (RINGING, ACTIVE, HELD, HANGUP …). */
  readonly callState?: string;
  readonly callerNumber?: string;
  readonly destination?: string;
  /** `Caller-Callee-ID-Number`: what the answering phone says it is. Display only, never identity. */
  readonly calleeNumber?: string;
  /** `variable_dialed_user`: the directory user FreeSWITCH's `user/` endpoint dialled. */
  readonly dialedUser?: string;
  /** The extension behind an agent leg: callwarden_agent, else dialed_user, else the dialled destination. */
  readonly extension?: string;
  readonly createdAt?: Micros;
  readonly answered: boolean;
  /** Undefined when answered before we saw the leg and no header told the time. */
  readonly answeredAt?: Micros;
  /** The leg it is bridged to now, if any. */
  readonly bridgedTo?: string;
  readonly bridgedAt?: Micros;
  readonly unbridgedAt?: Micros;
  readonly held: boolean;
  readonly hungup: boolean;
  readonly hungupAt?: Micros;
  readonly hangupCause?: string;
  readonly hangupCompleteAt?: Micros;
  readonly destroyedAt?: Micros;
  /** The leg's stream is over: FreeSWITCH destroyed it, or it timed out (closeReason). */
  readonly closed: boolean;
  readonly closeReason?: CloseReason;
  /** callwarden_* variables as this leg last showed them. */
  readonly vars: LegVariables;
  /** `eavesdrop_enable_dtmf` seen true on this leg: its digits switch eavesdrop modes. */
  readonly eavesdropDtmf: boolean;
  /**
   * `callwarden_eavesdrop_keys`: the coaching keys (listen, talk-partner, talk-target,
   * three-way, one digit each) when they differ from FreeSWITCH's; src/coaching translates them
   * with eavesdrop_enable_dtmf=false, so the digits still tell the mode.
   */
  readonly eavesdropKeys?: string;
}

export interface LegVariables {
  readonly agent?: string;
  readonly group?: string;
  readonly policy?: string;
  readonly noRecord?: boolean;
}

export interface DigitPress {
  readonly leg: string;
  readonly role: LegRole;
  readonly digit: string;
  readonly at?: Micros;
}

/** Observed from RECORD_START / RECORD_STOP only, never from a command's +OK. */
export interface RecordingState {
  readonly path: string;
  readonly leg: string;
  /** Undefined when the recording was already running before we saw the call. */
  readonly startedAt?: Micros;
  readonly stoppedAt?: Micros;
  readonly active: boolean;
}

export interface PlaybackState {
  readonly path: string;
  readonly leg: string;
  readonly startedAt?: Micros;
  readonly stoppedAt?: Micros;
  readonly active: boolean;
}

/**
 * eavesdrop's modes with `eavesdrop_enable_dtmf`, named from the target's point of view
 * (the target is the agent leg): 0 listen, 2 talk to the target (whisper to the agent),
 * 1 talk to the target's partner (the caller), 3 both (three-way).
 */
export type MonitorMode = 'listen' | 'talk-target' | 'talk-partner' | 'three-way';

export interface MonitorSession {
  readonly supervisorLeg: string;
  readonly targetLeg: string;
  readonly mode: MonitorMode;
  readonly startedAt?: Micros;
  readonly modeChangedAt?: Micros;
  readonly stoppedAt?: Micros;
  readonly active: boolean;
}

export interface CallNode {
  /** The daemon's name for the node (the NodeEvent tag). */
  readonly name: string;
  readonly coreUuid?: string;
  readonly hostname?: string;
}

export interface CallState {
  /** The caller leg's Unique-ID. */
  readonly callId: string;
  readonly node: CallNode;
  /** In order of appearance. */
  readonly legs: readonly LegState[];
  /** The caller leg's Call-Direction. */
  readonly direction?: 'inbound' | 'outbound';
  readonly callerNumber?: string;
  /** The number the caller dialled (first seen; a transfer changes the leg's, not this). */
  readonly destination?: string;
  /** The extension of the live agent leg (else of the last agent), or callwarden_agent. */
  readonly agentExtension?: string;
  readonly group?: string;
  readonly policyOverride?: string;
  /** callwarden_no_record: the routing's per-call veto. */
  readonly noRecord: boolean;
  readonly digits: readonly DigitPress[];
  readonly recordings: readonly RecordingState[];
  readonly recording: boolean;
  readonly playbacks: readonly PlaybackState[];
  readonly onHold: boolean;
  readonly monitors: readonly MonitorSession[];
  readonly startedAt?: Micros;
  readonly updatedAt?: Micros;
  /** Every leg is closed. */
  readonly ended: boolean;
  readonly endedAt?: Micros;
}

export function legOf(call: CallState, uuid: string): LegState | undefined {
  return call.legs.find((leg) => leg.uuid === uuid);
}

export function legsWithRole(call: CallState, role: LegRole): LegState[] {
  return call.legs.filter((leg) => leg.role === role);
}

export function callerLeg(call: CallState): LegState | undefined {
  return call.legs.find((leg) => leg.role === 'caller');
}

/** The agent leg that is up now (not hung up), latest first. */
export function liveAgentLeg(call: CallState): LegState | undefined {
  for (let i = call.legs.length - 1; i >= 0; i--) {
    const leg = call.legs[i]!;
    if (leg.role === 'agent' && !leg.hungup) return leg;
  }
  return undefined;
}

export function activeMonitors(call: CallState): MonitorSession[] {
  return call.monitors.filter((m) => m.active);
}
