// Everything a recording policy may look at for one call; the lead adapts CallState to it.

import type { LegalBasis } from './legal-basis';
import type { RecordingMode } from './recording-mode';
import type { PauseState } from './sensitive-pause';

/** Which voices end up in the file: the caller's, the agent's, or both (stereo). */
export type RecordingChannels = 'caller' | 'agent' | 'both';

/** What to do when the agent has no signed recording consent on file. */
export type AgentWithoutConsent = 'caller-only' | 'none';

/** Prompt and announcement files (FreeSWITCH file strings: paths, tone_stream://, say: …). */
export interface PromptFiles {
  /** "Press 1 to agree to the recording, 9 to object" (opt-in). */
  readonly consentMenu?: string;
  /** Played by play_and_get_digits after a key other than 1 or 9. */
  readonly invalidEntry?: string;
  /** "This call is recorded" (permanent). */
  readonly notice?: string;
  /** "This call is recorded; press 9 to object" (permanent-opt-out, every-nth). */
  readonly noticeWithObjection?: string;
  readonly recordingStarted?: string;
  readonly noRecording?: string;
  readonly recordingStopped?: string;
  /** "This call continues to be recorded" after a transfer, heard by the new agent too. */
  readonly reannouncement?: string;
}

/** One group's recording settings, defaults already applied (see validateRecordingConfig). */

export interface GroupSettings {
  readonly mode: RecordingMode;
  readonly channels: RecordingChannels;
  /** "recording starts / no recording / recording stopped"; manual mode announces regardless. */
  readonly announcements: boolean;
  readonly reannounceOnTransfer: boolean;
  readonly agentWithoutConsent: AgentWithoutConsent;
  /** every-nth: the agent's call number n is recorded iff n % everyNth === 0. */
  readonly everyNth?: number;
  /** manual: the DTMF key the agent presses to start / stop (see manualPressesFromDigits). */
  readonly manualKey?: string;
  /** The agent's pause key (PCI DSS: mask the running recording while a card number is read out); none = no key. */
  readonly pauseKey?: string;
  /** The longest pause before the recording unmasks by itself (default DEFAULT_PAUSE_MAX_SECONDS). */
  readonly pauseMaxSeconds?: number;
  /** Agents of this group may list and play the recordings of their own calls (back office, `agent` role). */
  readonly agentSelfReview?: boolean;
  /** The agent is told who monitors the call (agent state on MQTT); otherwise only that nothing is shown. */
  readonly notifyAgentOfMonitoring?: boolean;
  /** Modes a per-call override (callwarden_policy) may raise this group to; empty = none. */
  readonly perCallMayLoosenTo: readonly RecordingMode[];
  /** play_and_get_digits: how long to wait for a key, and how many times to play the prompt. */
  readonly consentTimeoutMs: number;
  readonly consentTries: number;
  readonly prompts: PromptFiles;
  /** Days this group's recordings are kept (overrides recording.retentionDays); no rule reads it, retention does. */
  readonly retentionDays?: number;
  /** Where each finished recording is mailed (src/lifecycle); none = not mailed. */
  readonly mailTo?: readonly string[];
  /** false = "do not keep": the file is deleted once the mail was delivered. */
  readonly keepAfterMail?: boolean;
  /** GDPR Art. 6(1) basis the group records on (legal-basis.ts); undefined only for a group that never records. */
  readonly legalBasis?: LegalBasis;
}

/**
 * The caller's answer to the prompt: not asked yet, prompt running, 1 (given),
 * 9 (refused), no key before the timeout, or only keys other than 1/9.
 */
export type ConsentState = 'not-asked' | 'asked' | 'given' | 'refused' | 'timeout' | 'invalid';

/** Whether the agent (or supervisor) has signed a recording consent; unknown counts as no. */
export type ConsentOnFile = 'yes' | 'no' | 'unknown';

/** One press of the agent's record key, already read as start or stop, in call order. */
export interface ManualPress {
  readonly action: 'start' | 'stop';
  /** Any monotonic time (e.g. Event-Date-Timestamp µs); only the order matters. */
  readonly at: number;
}

/** A transfer of the call to another agent / destination; each opens a new segment. */
export interface Transfer {
  readonly at: number;
  readonly to?: string;
}

/**
 * eavesdrop modes with the agent leg as target (FREESWITCH.md): listen; talk-target =
 * whisper to the agent only; talk-partner = talk to the caller; three-way = both.
 */
export type SupervisorMode = 'listen' | 'talk-target' | 'talk-partner' | 'three-way';

export interface SupervisorPresence {
  readonly mode: SupervisorMode;
  readonly consentOnFile: ConsentOnFile;
}

/**
 * A live-operations request to switch the recording, already accepted by
 * operatorRequestVerdict (a refused one never becomes input). Explicit, not a toggle.
 */
export interface OperatorRequest {
  readonly action: 'start' | 'stop';
  /** The same clock as ManualPress.at (FreeSWITCH µs): only the order matters. */
  readonly at: number;
  /** Who asked (the live-ops user), for the evidence. */
  readonly by: string;
}

import type { StorageState } from './storage-gate';

export interface PolicyInput {
  /** recording.legalNoticeAcknowledged: nothing records until the operator has set it. */
  readonly legalNoticeAcknowledged: boolean;
  /** The settings of the agent extension's group; an extension not enabled in config gets DISABLED_GROUP. */
  readonly group: GroupSettings;
  /** The extension's own mode from config (recording.extensions.<ext>.mode). */
  readonly extensionMode?: RecordingMode;
  /** callwarden_policy as the dialplan set it, raw (may be misspelt or caller-influenced). */
  readonly callOverride?: string;
  /** callwarden_no_record: the routing's per-call veto. */
  readonly veto: boolean;
  readonly consent: ConsentState;
  readonly agentConsentOnFile: ConsentOnFile;
  /** The agent's call number from the shared DB counter; undefined when not (yet) known. */
  readonly agentCallNumber?: number;
  readonly manualPresses: readonly ManualPress[];
  /** The caller leg is bridged to an agent now. */
  readonly bridged: boolean;
  readonly transfers: readonly Transfer[];
  /** Active eavesdrop sessions, each mode as seen from the agent leg (see supervisorsForPolicy in src/coaching). */
  readonly supervisors: readonly SupervisorPresence[];
  /** Accepted live-operations starts / stops, in call order; none when absent. */
  readonly operatorRequests?: readonly OperatorRequest[];
  /** The pause for sensitive input as it stands now (see pauseStateAt); none when absent. */
  readonly pause?: PauseState;
  /** The recording volume's free space (src/lifecycle disk probe); absent = not probed. */
  readonly storage?: StorageState;
}
