// The one place where FreeSWITCH header and `show channels` column names become camelCase facts.

import type { EslEvent } from '../esl/frame';
import type { ChannelRow } from './channel-row';
import { compact } from './compact';

/** Microseconds since the epoch, FreeSWITCH's clock (`Event-Date-Timestamp`). */
export type Micros = number;

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
}

export interface EventOrigin {
  readonly coreUuid: string;
  readonly sequence: number;
}

export function uniqueIdOf(event: EslEvent): string | undefined {
  const id = event.headers['Unique-ID'];
  return id === undefined || id === '' ? undefined : id;
}

/** `Core-UUID` + `Event-Sequence`: what makes an event unique across connections. */
export function originOf(event: EslEvent): EventOrigin | undefined {
  const coreUuid = event.headers['Core-UUID'];
  const sequence = toNumber(event.headers['Event-Sequence']);
  if (coreUuid === undefined || sequence === undefined) return undefined;
  return { coreUuid, sequence };
}

/** FreeSWITCH's switch_true(): the spellings a channel variable may use for "yes". */
export function switchTrue(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(v)) return true;
  const n = Number(v);
  return v !== '' && Number.isFinite(n) && n !== 0;
}

export function channelFacts(event: EslEvent): ChannelFacts | undefined {
  const h = event.headers;
  const uniqueId = uniqueIdOf(event);
  if (uniqueId === undefined) return undefined;
  return compact({
    eventName: event.name,
    uniqueId,
    coreUuid: h['Core-UUID'],
    hostname: h['FreeSWITCH-Hostname'],
    sequence: toNumber(h['Event-Sequence']),
    timestamp: toMicros(h['Event-Date-Timestamp']),
    channelName: h['Channel-Name'],
    channelState: h['Channel-State'],
    callState: h['Channel-Call-State'],
    answerState: h['Answer-State'],
    direction: toDirection(h['Call-Direction']),
    callerNumber: h['Caller-Caller-ID-Number'],
    destination: h['Caller-Destination-Number'],
    calleeNumber: h['Caller-Callee-ID-Number'],
    otherLeg: h['Other-Leg-Unique-ID'],
    callUuid: h['Channel-Call-UUID'] ?? h['variable_call_uuid'],
    bridgeA: h['Bridge-A-Unique-ID'],
    bridgeB: h['Bridge-B-Unique-ID'],
    hangupCause: h['Hangup-Cause'],
    application: h['Application'],
    applicationData: h['Application-Data'],
    dtmfDigit: h['DTMF-Digit'],
    recordFilePath: h['Record-File-Path'],
    playbackFilePath: h['Playback-File-Path'],
    createdTime: toMicros(h['Caller-Channel-Created-Time']),
    answeredTime: toMicros(h['Caller-Channel-Answered-Time']),
    bridgedTime: toMicros(h['Caller-Channel-Bridged-Time']),
    agent: nonEmpty(h['variable_callwarden_agent']),
    group: nonEmpty(h['variable_callwarden_group']),
    policy: nonEmpty(h['variable_callwarden_policy']),
    noRecord: switchTrue(h['variable_callwarden_no_record']),
    eavesdropDtmf: switchTrue(h['variable_eavesdrop_enable_dtmf']),
    eavesdropWhisper: whisperOf(h['variable_eavesdrop_whisper_aleg'], h['variable_eavesdrop_whisper_bleg']),
    eavesdropKeys: nonEmpty(h['variable_callwarden_eavesdrop_keys']),
  });
}

/**
 * One row of `show channels as json` as facts. Rows carry no Core-UUID, no sequence and no
 * variables, and their times are whole seconds; `call_uuid` links a b-leg to its a-leg.
 */
export function rowFacts(row: ChannelRow): ChannelFacts {
  const created = toNumber(row.created_epoch);
  const callstate = nonEmpty(row.callstate);
  return compact({
    eventName: 'CHANNEL_DATA',
    uniqueId: row.uuid,
    hostname: nonEmpty(row.hostname),
    channelName: nonEmpty(row.name),
    channelState: nonEmpty(row.state),
    callState: callstate,
    // A row has no Answer-State; ACTIVE/HELD means media flows, i.e. the leg was answered.
    answerState: callstate === 'ACTIVE' || callstate === 'HELD' ? 'answered' : undefined,
    direction: toDirection(row.direction),
    callerNumber: nonEmpty(row.cid_num),
    destination: nonEmpty(row.dest),
    calleeNumber: nonEmpty(row.callee_num),
    callUuid: nonEmpty(row.call_uuid),
    application: nonEmpty(row.application),
    applicationData: nonEmpty(row.application_data),
    createdTime: created === undefined || created === 0 ? undefined : created * 1_000_000,
  });
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** FreeSWITCH writes 0 for a time that has not happened (e.g. Caller-Channel-Answered-Time). */
function toMicros(text: string | undefined): Micros | undefined {
  const n = toNumber(text);
  return n === undefined || n <= 0 ? undefined : n;
}

function toDirection(text: string | undefined): 'inbound' | 'outbound' | undefined {
  return text === 'inbound' || text === 'outbound' ? text : undefined;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function whisperOf(aleg: string | undefined, bleg: string | undefined): 'aleg' | 'bleg' | undefined {
  if (switchTrue(aleg)) return 'aleg';
  if (switchTrue(bleg)) return 'bleg';
  return undefined;
}
