// The one place where FreeSWITCH header and `show channels` column names become camelCase facts.
//
// Every value is untrusted (any TCP peer on the outbound port can send a `connect` reply), so
// each is checked here, once, and what does not fit is absent: times within a sane range
// (micros.ts), sequence numbers as non-negative safe integers, strings bounded in length and
// free of control characters, digits one DTMF symbol. Nothing past this file needs to
// re-validate them or can throw on them.

import { ownString } from '../esl/own-string';
import type { EslEvent } from '../esl/frame';
import type { ChannelRow } from './channel-row';
import { compact } from './compact';
import { isSaneMicros, type Micros } from './micros';

export type { Micros } from './micros';

/** Longest value kept per kind of field; longer ones are absent (the store's columns are sized to match). */
export const FIELD_LIMITS = {
  /** Unique-ID, Core-UUID, Other-Leg-Unique-ID …: the store's id columns hold 64. */
  id: 64,
  /** Channel-State, Hangup-Cause, Answer-State …: FreeSWITCH's own enum names. */
  word: 64,
  /** Numbers and names a phone or a trunk supplies (caller, destination, channel name). */
  text: 255,
  /** callwarden_agent: the store's agent_extension column. */
  extension: 32,
  /** callwarden_group / callwarden_policy: the store's group and policy columns. */
  name: 64,
  /** File paths (Record-File-Path) and application arguments. */
  long: 4096,
} as const;

/** Everything the stream layer reads from one channel event, already named our way. */
export interface ChannelFacts {
  /** `Event-Name` verbatim; 'CHANNEL_DATA' for a `show channels` row or a `connect` reply. */
  readonly eventName: string;
  readonly uniqueId: string;
  readonly coreUuid?: string;
  readonly hostname?: string;
  readonly sequence?: number;
  readonly timestamp?: Micros;
  readonly channelName?: string;
  /** `Channel-State`, e.g. CS_EXECUTE. */
  readonly channelState?: string;
  /** `Channel-Call-State`, e.g. ACTIVE, HELD, HANGUP. */
  readonly callState?: string;
  readonly answerState?: string;
  readonly direction?: 'inbound' | 'outbound';
  readonly callerNumber?: string;
  readonly destination?: string;
  readonly calleeNumber?: string;
  readonly otherLeg?: string;
  /** `Channel-Call-UUID` (or `variable_call_uuid`): the a-leg while bridged, but see call-table.ts. */
  readonly callUuid?: string;
  readonly bridgeA?: string;
  readonly bridgeB?: string;
  readonly hangupCause?: string;
  readonly application?: string;
  readonly applicationData?: string;
  readonly dtmfDigit?: string;
  readonly recordFilePath?: string;
  readonly playbackFilePath?: string;
  readonly createdTime?: Micros;
  readonly answeredTime?: Micros;
  readonly bridgedTime?: Micros;
  /** The dialplan's callwarden_* variables; undefined when the event carried none. */
  readonly agent?: string;
  readonly group?: string;
  readonly policy?: string;
  readonly noRecord?: boolean;
  /** `variable_eavesdrop_enable_dtmf`: the listener's digits switch eavesdrop modes. */
  readonly eavesdropDtmf?: boolean;
  /** `eavesdrop_whisper_aleg` / `_bleg`: the mode eavesdrop starts in. */
  readonly eavesdropWhisper?: 'aleg' | 'bleg';
  /** `variable_callwarden_eavesdrop_keys`: coaching's own keys (listen, talk-partner, talk-target, three-way), which it translates. */
  readonly eavesdropKeys?: string;
  /**
   * `variable_dialed_user`: the directory user FreeSWITCH's `user/` endpoint dialled for this
   * leg. Set by FreeSWITCH from the dial string, unlike `Caller-Callee-ID-Number`, which the
   * answering phone can set (P-Asserted-Identity / Remote-Party-ID) to any extension it likes.
   */
  readonly dialedUser?: string;
}

export interface EventOrigin {
  readonly coreUuid: string;
  readonly sequence: number;
}

export function uniqueIdOf(event: EslEvent): string | undefined {
  return idOf(event.headers['Unique-ID']);
}

/** `Core-UUID` + `Event-Sequence`: what makes an event unique across connections. */
export function originOf(event: EslEvent): EventOrigin | undefined {
  const coreUuid = idOf(event.headers['Core-UUID']);
  const sequence = toSequence(event.headers['Event-Sequence']);
  if (coreUuid === undefined || sequence === undefined) return undefined;
  return { coreUuid, sequence };
}

/** FreeSWITCH's switch_true(): the spellings a channel variable may use for "yes". */
export function switchTrue(value: string | undefined): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length > 32) return false;
  const v = value.trim().toLowerCase();
  if (['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(v)) return true;
  const n = Number(v);
  return v !== '' && Number.isFinite(n) && n !== 0;
}

export function channelFacts(event: EslEvent): ChannelFacts | undefined {
  const h = event.headers;
  const uniqueId = uniqueIdOf(event);
  if (uniqueId === undefined) return undefined;
  // Built field by field, only those the event has: this runs for every event, and a literal
  // of all 36 fields then compacted costs two objects (most fields are absent).
  const facts: Draft<ChannelFacts> = { eventName: event.name, uniqueId };
  const coreUuid = idOf(h['Core-UUID']);
  if (coreUuid !== undefined) facts.coreUuid = coreUuid;
  const hostname = textOf(h['FreeSWITCH-Hostname'], FIELD_LIMITS.text);
  if (hostname !== undefined) facts.hostname = hostname;
  const sequence = toSequence(h['Event-Sequence']);
  if (sequence !== undefined) facts.sequence = sequence;
  const timestamp = toMicros(h['Event-Date-Timestamp']);
  if (timestamp !== undefined) facts.timestamp = timestamp;
  const channelName = textOf(h['Channel-Name'], FIELD_LIMITS.text);
  if (channelName !== undefined) facts.channelName = channelName;
  const channelState = textOf(h['Channel-State'], FIELD_LIMITS.word);
  if (channelState !== undefined) facts.channelState = channelState;
  const callState = textOf(h['Channel-Call-State'], FIELD_LIMITS.word);
  if (callState !== undefined) facts.callState = callState;
  const answerState = textOf(h['Answer-State'], FIELD_LIMITS.word);
  if (answerState !== undefined) facts.answerState = answerState;
  const direction = toDirection(h['Call-Direction']);
  if (direction !== undefined) facts.direction = direction;
  const callerNumber = textOf(h['Caller-Caller-ID-Number'], FIELD_LIMITS.text);
  if (callerNumber !== undefined) facts.callerNumber = callerNumber;
  const destination = textOf(h['Caller-Destination-Number'], FIELD_LIMITS.text);
  if (destination !== undefined) facts.destination = destination;
  const calleeNumber = textOf(h['Caller-Callee-ID-Number'], FIELD_LIMITS.text);
  if (calleeNumber !== undefined) facts.calleeNumber = calleeNumber;
  const otherLeg = idOf(h['Other-Leg-Unique-ID']);
  if (otherLeg !== undefined) facts.otherLeg = otherLeg;
  const callUuid = idOf(h['Channel-Call-UUID']) ?? idOf(h['variable_call_uuid']);
  if (callUuid !== undefined) facts.callUuid = callUuid;
  const bridgeA = idOf(h['Bridge-A-Unique-ID']);
  if (bridgeA !== undefined) facts.bridgeA = bridgeA;
  const bridgeB = idOf(h['Bridge-B-Unique-ID']);
  if (bridgeB !== undefined) facts.bridgeB = bridgeB;
  const hangupCause = textOf(h['Hangup-Cause'], FIELD_LIMITS.word);
  if (hangupCause !== undefined) facts.hangupCause = hangupCause;
  const application = textOf(h['Application'], FIELD_LIMITS.word);
  if (application !== undefined) facts.application = application;
  const applicationData = textOf(h['Application-Data'], FIELD_LIMITS.long);
  if (applicationData !== undefined) facts.applicationData = applicationData;
  const dtmfDigit = toDigit(h['DTMF-Digit']);
  if (dtmfDigit !== undefined) facts.dtmfDigit = dtmfDigit;
  const recordFilePath = textOf(h['Record-File-Path'], FIELD_LIMITS.long);
  if (recordFilePath !== undefined) facts.recordFilePath = recordFilePath;
  const playbackFilePath = textOf(h['Playback-File-Path'], FIELD_LIMITS.long);
  if (playbackFilePath !== undefined) facts.playbackFilePath = playbackFilePath;
  const createdTime = toMicros(h['Caller-Channel-Created-Time']);
  if (createdTime !== undefined) facts.createdTime = createdTime;
  const answeredTime = toMicros(h['Caller-Channel-Answered-Time']);
  if (answeredTime !== undefined) facts.answeredTime = answeredTime;
  const bridgedTime = toMicros(h['Caller-Channel-Bridged-Time']);
  if (bridgedTime !== undefined) facts.bridgedTime = bridgedTime;
  const agent = textOf(h['variable_callwarden_agent'], FIELD_LIMITS.extension);
  if (agent !== undefined) facts.agent = agent;
  const group = textOf(h['variable_callwarden_group'], FIELD_LIMITS.name);
  if (group !== undefined) facts.group = group;
  const policy = textOf(h['variable_callwarden_policy'], FIELD_LIMITS.name);
  if (policy !== undefined) facts.policy = policy;
  const noRecord = switchTrue(h['variable_callwarden_no_record']);
  if (noRecord !== undefined) facts.noRecord = noRecord;
  const eavesdropDtmf = switchTrue(h['variable_eavesdrop_enable_dtmf']);
  if (eavesdropDtmf !== undefined) facts.eavesdropDtmf = eavesdropDtmf;
  const eavesdropWhisper = whisperOf(h['variable_eavesdrop_whisper_aleg'], h['variable_eavesdrop_whisper_bleg']);
  if (eavesdropWhisper !== undefined) facts.eavesdropWhisper = eavesdropWhisper;
  const eavesdropKeys = textOf(h['variable_callwarden_eavesdrop_keys'], 16);
  if (eavesdropKeys !== undefined) facts.eavesdropKeys = eavesdropKeys;
  const dialedUser = textOf(h['variable_dialed_user'], FIELD_LIMITS.extension);
  if (dialedUser !== undefined) facts.dialedUser = dialedUser;
  return event.format === 'plain' ? ownStrings(facts) : facts;
}

type Draft<T> = { -readonly [K in keyof T]: T[K] };

/**
 * An event-plain header value is a slice of the event's whole header block (V8 keeps slices
 * as views), so a kept value would keep the block — about 2.7 KB per CHANNEL_CREATE — alive
 * for as long as the call lives. The few facts a call keeps get strings of their own.
 * (event-json values are whole strings of their own already.)
 */
function ownStrings(facts: ChannelFacts): ChannelFacts {
  const out = facts as unknown as Record<string, unknown>;
  for (const key of Object.keys(out)) {
    const value = out[key];
    if (typeof value === 'string') out[key] = ownString(value);
  }
  return facts;
}

/**
 * One row of `show channels as json` as facts. Rows carry no Core-UUID, no sequence and no
 * variables, and their times are whole seconds; `call_uuid` links a b-leg to its a-leg.
 */
export function rowFacts(row: ChannelRow): ChannelFacts {
  // parseShowChannels keeps only rows whose uuid passes idOf.
  const uniqueId = row.uuid;
  const created = toNumber(row.created_epoch);
  const callstate = textOf(row.callstate, FIELD_LIMITS.word);
  return compact({
    eventName: 'CHANNEL_DATA',
    uniqueId,
    hostname: textOf(row.hostname, FIELD_LIMITS.text),
    channelName: textOf(row.name, FIELD_LIMITS.text),
    channelState: textOf(row.state, FIELD_LIMITS.word),
    callState: callstate,
    // A row has no Answer-State; ACTIVE/HELD means media flows, i.e. the leg was answered.
    answerState: callstate === 'ACTIVE' || callstate === 'HELD' ? 'answered' : undefined,
    direction: toDirection(row.direction),
    callerNumber: textOf(row.cid_num, FIELD_LIMITS.text),
    destination: textOf(row.dest, FIELD_LIMITS.text),
    calleeNumber: textOf(row.callee_num, FIELD_LIMITS.text),
    callUuid: idOf(row.call_uuid),
    application: textOf(row.application, FIELD_LIMITS.word),
    applicationData: textOf(row.application_data, FIELD_LIMITS.long),
    createdTime: created === undefined || created === 0 ? undefined : saneOrAbsent(created * 1_000_000),
  });
}

// Values reach here as strings from the parser, but a `show channels` row is parsed JSON and
// may hold anything: every reader first checks it has a string.

function toNumber(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '' || text.length > 32) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Event-Sequence: a counter, so a non-negative safe integer (else dedup's window would be poisoned). */
function toSequence(text: unknown): number | undefined {
  const n = toNumber(text);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * FreeSWITCH writes 0 for a time that has not happened (e.g. Caller-Channel-Answered-Time);
 * a time outside the sane range is absent too, never a value that breaks `Date` later.
 */
function toMicros(text: unknown): Micros | undefined {
  const n = toNumber(text);
  return n === undefined || n <= 0 ? undefined : saneOrAbsent(n);
}

function saneOrAbsent(micros: number): Micros | undefined {
  return isSaneMicros(micros) ? micros : undefined;
}

function toDirection(text: unknown): 'inbound' | 'outbound' | undefined {
  return text === 'inbound' || text === 'outbound' ? text : undefined;
}

// C0 controls and DEL. URL-decoding turns `%0A` into a real line feed: such a value must
// never travel on as if it were a name or number (it could end an ESL header if echoed).
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A bounded, printable, non-empty string; anything else is absent. */
export function textOf(text: unknown, maxLength: number): string | undefined {
  if (typeof text !== 'string' || text === '' || text.length > maxLength || CONTROL.test(text)) return undefined;
  return text;
}

/** An identifier (uuid) as FreeSWITCH writes it: bounded, no space or control character. */
export function idOf(text: unknown): string | undefined {
  const id = textOf(text, FIELD_LIMITS.id);
  return id === undefined || /\s/.test(id) ? undefined : id;
}

/** One DTMF symbol (0-9, *, #, A-D); FreeSWITCH sends exactly one per event. */
function toDigit(text: unknown): string | undefined {
  return typeof text === 'string' && /^[0-9*#A-Da-d]$/.test(text) ? text : undefined;
}

function whisperOf(aleg: string | undefined, bleg: string | undefined): 'aleg' | 'bleg' | undefined {
  if (switchTrue(aleg)) return 'aleg';
  if (switchTrue(bleg)) return 'bleg';
  return undefined;
}
