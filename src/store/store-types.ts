// Row shapes the repository accepts and returns (camelCase; times in as Date/ISO string, out as ISO strings).

import { TimeInput } from './time';

export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type RecordingChannels = 'caller' | 'agent' | 'both';
export type RecordingFormat = 'mp3' | 'wav';
/**
 * `converting`: a wav being encoded to mp3 (src/lifecycle); `ok` once the final file is verified.
 * `foreign`: a recording FreeSWITCH ran on a handled call that callwarden did not start
 * (someone else's uuid_record); `foreign-stopped`: such a recording callwarden stopped
 * because the policy does not allow it. callwarden never reads, judges or deletes their files.
 */
export type RecordingStatus = 'recording' | 'converting' | 'ok' | 'bad' | 'deleted' | 'foreign' | 'foreign-stopped';
export type MonitorMode = 'listen' | 'talk' | 'whisper' | 'conference';

/** Evidence kinds the daemon writes; other strings are accepted so new kinds need no schema change. */
export type EvidenceKind =
  | 'prompt_played'
  | 'digit_pressed'
  | 'decision'
  | 'command_sent'
  | 'fs_confirmed'
  | 'recording_started'
  | 'recording_stopped'
  | 'transfer'
  | (string & {});

/** Any subset of fields; upsertCall merges only the fields that are present. */
export interface CallUpsert {
  callId: string;
  node?: string | null;
  legs?: unknown[] | null;
  caller?: string | null;
  destination?: string | null;
  agentExtension?: string | null;
  group?: string | null;
  direction?: CallDirection | null;
  startedAt?: TimeInput | null;
  answeredAt?: TimeInput | null;
  endedAt?: TimeInput | null;
  hangupCause?: string | null;
}

/** A calls row still open (no end time, no end reason): what close-stale-calls looks at. */
export interface OpenCallRecord {
  callId: string;
  node: string | null;
  startedAt: string | null;
  /** When a daemon last wrote the row (its own clock). */
  updatedAt: string;
}

export interface CallRecord {
  callId: string;
  node: string | null;
  legs: unknown[];
  caller: string | null;
  destination: string | null;
  agentExtension: string | null;
  group: string | null;
  direction: CallDirection | null;
  startedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  hangupCause: string | null;
  /** Why the call counts as ended when its end time is unknown (e.g. it ended while callwarden was away). */
  endReason: string | null;
}

export interface EvidenceRecord {
  callId: string;
  seq: number;
  at: string;
  kind: EvidenceKind;
  detail: unknown;
  prevHash: string;
  hash: string;
}

export interface EvidenceVerification {
  ok: boolean;
  /** Number of evidence rows found for the call. */
  rows: number;
  /** seq at which the chain first fails (a missing seq means that row was deleted). */
  brokenAt?: number;
  reason?: string;
  /** Key ids the rows were sealed with (empty: nothing sealed). */
  keyIds?: string[];
  /** Rows written without a seal (before sealing, or by a daemon without a key). */
  unsealed?: number;
  /** The seq the anchor file recorded last for this chain, when it was checked against one. */
  anchoredSeq?: number;
}

export interface RecordingUpsert {
  /** Caller-chosen id (e.g. a UUID); makes replays from the outbox idempotent. */
  id: string;
  callId: string;
  filePath: string;
  format: RecordingFormat;
  channels: RecordingChannels;
  segment?: number;
  startedAt?: TimeInput | null;
  stoppedAt?: TimeInput | null;
  durationMs?: number | null;
  bytes?: number | null;
  sha256?: string | null;
  policy?: string | null;
  status: RecordingStatus;
  retentionUntil?: TimeInput | null;
  /** Terms fixed when the recording is made (src/lifecycle). */
  group?: string | null;
  retentionDays?: number | null;
  mailTo?: readonly string[] | null;
  keepAfterMail?: boolean | null;
  /** The group's GDPR Art. 6(1) basis when the recording was made (null: not known, e.g. adopted or foreign). */
  legalBasis?: string | null;
  /** What the purge did (deletedAt, deleteRule) or failed to do (deleteError, deleteAttempts). */
  deletedAt?: TimeInput | null;
  deleteRule?: string | null;
  deleteError?: string | null;
  deleteAttempts?: number;
}

export type RecordingPatch = Partial<Omit<RecordingUpsert, 'id' | 'callId'>>;

export interface RecordingRecord {
  id: string;
  callId: string;
  filePath: string;
  format: RecordingFormat;
  channels: RecordingChannels;
  segment: number;
  startedAt: string | null;
  stoppedAt: string | null;
  durationMs: number | null;
  bytes: number | null;
  sha256: string | null;
  policy: string | null;
  status: RecordingStatus;
  retentionUntil: string | null;
  group: string | null;
  retentionDays: number | null;
  mailTo: string[];
  keepAfterMail: boolean;
  legalBasis: string | null;
  deletedAt: string | null;
  deleteRule: string | null;
  deleteError: string | null;
  deleteAttempts: number;
}

/** A recordings row still `recording`, with when it was last written (close-stale-calls). */
export interface OpenRecordingRecord extends RecordingRecord {
  updatedAt: string;
}

export interface MonitorModeChange {
  at: string;
  mode: MonitorMode;
}

export interface MonitorSessionStart {
  id: string;
  supervisor: string;
  targetCallId?: string | null;
  extension: string;
  startedAt: TimeInput;
  mode: MonitorMode;
}

export interface MonitorSessionRecord {
  id: string;
  supervisor: string;
  targetCallId: string | null;
  extension: string;
  startedAt: string;
  endedAt: string | null;
  modes: MonitorModeChange[];
}

export interface AgentConsentRecord {
  id: number;
  extension: string;
  signedAt: string;
  revokedAt: string | null;
  documentRef: string;
}

export interface ListCallsQuery {
  /** Calls that started at or after this time. */
  since: TimeInput;
  until?: TimeInput;
  limit?: number;
}
