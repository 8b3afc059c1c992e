// What the MQTT layer publishes: the call view, event kinds with their details, and the daemon's health.

/** A moment; a number is epoch MILLISECONDS (FreeSWITCH Micros: divide by 1000). Published as ISO-8601; strings pass through. */
export type TimeLike = Date | number | string;

export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallRecordingStatus = 'off' | 'starting' | 'on' | 'stopping';
export type RecordingChannels = 'caller' | 'agent' | 'both';
export type CallConsentState = 'not-asked' | 'asked' | 'given' | 'refused' | 'timeout';
export type CallMonitorMode = 'listen' | 'talk-caller' | 'whisper-agent' | 'conference';

export interface CallParty {
  number: string | null;
  name: string | null;
}

export interface CallRecordingView {
  state: CallRecordingStatus;
  /** Null while nothing has been chosen (recording off and never started). */
  channels: RecordingChannels | null;
  /** 0 before the first segment; manual mode counts segments 1, 2, … */
  segment: number;
  /** True while the recording is paused for sensitive input (card numbers). */
  masked: boolean;
}

export interface CallMonitorView {
  /** The supervisor's extension or user name, as authorised for coaching. */
  supervisor: string;
  mode: CallMonitorMode;
  since: TimeLike;
}

/** The live state of one call, as the lead adapts CallState for operations. */
export interface CallView {
  callId: string;
  /** The daemon's name for the FreeSWITCH node that owns the call (config esl.nodes[].name); null when unknown. */
  freeswitch?: string | null;
  direction: CallDirection;
  caller: CallParty;
  destination: string | null;
  group: string | null;
  agentExtension: string | null;
  answeredAt: TimeLike | null;
  bridgedAt: TimeLike | null;
  recording: CallRecordingView;
  consent: CallConsentState;
  monitors: CallMonitorView[];
  /** Defaults to the publish time; ignored when deciding whether the state changed. */
  updatedAt?: TimeLike;
}

/** Per event kind, the details published next to callId and time. */
export interface CallEventDetails {
  'recording-started': { channels: RecordingChannels; segment: number; masked?: boolean; reason?: string };
  'recording-stopped': { segment: number; reason?: string };
  'consent-given': { digit?: string };
  'consent-refused': { digit?: string; reason?: string };
  'monitor-started': { supervisor: string; mode: CallMonitorMode };
  'monitor-mode-changed': { supervisor: string; mode: CallMonitorMode; previousMode: CallMonitorMode };
  'monitor-ended': { supervisor: string; mode?: CallMonitorMode };
}

export type CallEventKind = keyof CallEventDetails;

export const CALL_EVENT_KINDS: readonly CallEventKind[] = [
  'recording-started',
  'recording-stopped',
  'consent-given',
  'consent-refused',
  'monitor-started',
  'monitor-mode-changed',
  'monitor-ended',
];

/** What publishEvent takes: the call, optionally when it happened (default now), and the kind's details. */
export type CallEventInput<K extends CallEventKind> = { callId: string; at?: TimeLike } & CallEventDetails[K];

/** The daemon's health, published on the status topic whenever it changes. */
export interface DaemonHealth {
  /** Every FreeSWITCH node's inbound connection is up. */
  eslConnected: boolean;
  /** With several nodes: each node's inbound connection by the daemon's name for it. */
  eslNodes?: Record<string, boolean>;
  dbHealthy: boolean;
  outboxPending: number;
  /** Why no recording may start now (outbox not writable, no evidence key…); absent or null: they may. */
  recordingBlocked?: string | null;
  /** After the call (src/lifecycle): the recording volume and the mail queue; kept from the last report when absent. */
  lifecycle?: LifecycleHealth;
}

/** What one agent's desk shows (callwarden/<node>/agents/<ext>): the agent's current call as far as recording goes. */
export interface AgentView {
  extension: string;
  /** The agent's current call, or null between calls. */
  callId: string | null;
  group: string | null;
  /** FreeSWITCH confirmed a running recording (RECORD_START). */
  recorded: boolean;
  /** A pause for sensitive input runs (the file is masked). */
  paused: boolean;
  pausedSince: TimeLike | null;
  /** When the running pause ends by itself (the group's maximum). */
  pauseEndsAt: TimeLike | null;
  /** The file is masked (a pause, or a supervisor without recording consent speaking to the caller). */
  masked: boolean;
  /** The caller is still being asked for consent. */
  consentPending: boolean;
  /** The recording lamp: off, on, blinking. */
  lamp: 'off' | 'on' | 'blinking';
  /** Null where the group does not tell its agents about monitoring (notifyAgentOfMonitoring off). */
  monitored: boolean | null;
  /** Who monitors and how; null where not told. */
  monitoredBy: { supervisor: string; mode: CallMonitorMode }[] | null;
}

export interface LifecycleHealth {
  storage: 'ok' | 'low' | 'critical' | 'unknown';
  freeMb: number | null;
  mailPending: number;
  mailFailed: number;
}

/** A call's state, or the news that it ended (its retained topic is then cleared). */
export type CallViewUpdate = CallView | { ended: string };

/** The publishing surface the daemon uses; a disabled MQTT layer implements it as no-ops. */
export interface CallPublisher {
  publishCall(view: CallView): void;
  clearCall(callId: string): void;
  publishEvent<K extends CallEventKind>(kind: K, payload: CallEventInput<K>): void;
  publishStatus(health: DaemonHealth): void;
  /** The agent's retained state; unchanged states are not published again. */
  publishAgent(view: AgentView): void;
  close(): Promise<void>;
}
