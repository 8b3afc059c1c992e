// Builds FreeSWITCH events: common envelope, per-event origin (Event-Calling-*), channel data.

import { dateGmt, dateLocal } from './clock';
import type { Channel, Pairs } from './channel';

export interface SimEvent {
  readonly name: string;
  readonly headers: Pairs;
  readonly body?: string;
  /** Unique-ID of the channel the event is about, for myevents / filters. */
  readonly uuid?: string;
}

/** Where FreeSWITCH 1.10.12 fires each event (file, function, line), as captured. */
const ORIGIN: Record<string, readonly [string, string, number]> = {
  CHANNEL_STATE: ['switch_channel.c', 'switch_channel_perform_set_running_state', 2408],
  CHANNEL_CREATE: ['switch_core_state_machine.c', 'switch_core_session_run', 626],
  CHANNEL_ORIGINATE: ['switch_core_state_machine.c', 'switch_core_session_run', 632],
  CHANNEL_OUTGOING: ['switch_core_session.c', 'switch_core_session_outgoing_channel', 768],
  CHANNEL_EXECUTE: ['switch_core_session.c', 'switch_core_session_exec', 2944],
  CHANNEL_EXECUTE_COMPLETE: ['switch_core_session.c', 'switch_core_session_exec', 2967],
  CHANNEL_PARK: ['switch_ivr.c', 'switch_ivr_park', 1002],
  CHANNEL_UNPARK: ['switch_ivr.c', 'switch_ivr_park', 1213],
  CHANNEL_PROGRESS: ['switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3505],
  CHANNEL_PROGRESS_MEDIA: ['switch_channel.c', 'switch_channel_perform_mark_pre_answered', 3560],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3846],
  CHANNEL_BRIDGE: ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1689],
  CHANNEL_UNBRIDGE: ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1879],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3445],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 943],
  CHANNEL_DESTROY: ['switch_core_session.c', 'switch_core_session_perform_destroy', 1584],
  CHANNEL_HOLD: ['switch_channel.c', 'switch_channel_perform_mark_hold', 3203],
  CHANNEL_UNHOLD: ['switch_channel.c', 'switch_channel_perform_mark_hold', 3203],
  CHANNEL_DATA: ['mod_event_socket.c', 'parse_command', 2021],
  DTMF: ['switch_channel.c', 'switch_channel_dequeue_dtmf', 677],
  RECORD_START: ['switch_ivr_async.c', 'record_callback', 1481],
  RECORD_STOP: ['switch_ivr_async.c', 'send_record_stop_event', 1240],
  PLAYBACK_START: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 1646],
  PLAYBACK_STOP: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 2020],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1572],
  HEARTBEAT: ['switch_core.c', 'send_heartbeat', 90],
  SHUTDOWN: ['switch_core.c', 'switch_core_destroy', 3023],
};

/**
 * How much channel data an event carries (sizes in watch-plain.log): CHANNEL_STATE, DTMF and
 * CHANNEL_OUTGOING carry basic data + caller profile but no variables; a CHANNEL_STATE for
 * CS_NEW has no profile yet. Everything else carries all of it.
 */
const NO_VARIABLES = new Set(['CHANNEL_STATE', 'DTMF', 'CHANNEL_OUTGOING']);

export interface HostIdentity {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export class EventFactory {
  private sequence: number;

  constructor(private readonly host: HostIdentity, private readonly now: () => number, firstSequence = 1) {
    this.sequence = firstSequence;
  }

  /** The envelope every event starts with; Event-Sequence is per FreeSWITCH instance. */
  envelope(name: string): Pairs {
    const origin = ORIGIN[name] ?? ['switch_event.c', 'switch_event_fire_detailed', 0];
    const us = this.now();
    return [
      ['Event-Name', name],
      ['Core-UUID', this.host.coreUuid],
      ['FreeSWITCH-Hostname', this.host.hostname],
      ['FreeSWITCH-Switchname', this.host.hostname],
      ['FreeSWITCH-IPv4', this.host.ipv4],
      ['FreeSWITCH-IPv6', this.host.ipv6],
      ['Event-Date-Local', dateLocal(us)],
      ['Event-Date-GMT', dateGmt(us)],
      ['Event-Date-Timestamp', String(us)],
      ['Event-Calling-File', origin[0]],
      ['Event-Calling-Function', origin[1]],
      ['Event-Calling-Line-Number', String(origin[2])],
      ['Event-Sequence', String(this.sequence++)],
    ];
  }

  /** A non-channel event (BACKGROUND_JOB, HEARTBEAT, SHUTDOWN). */
  global(name: string, extra: Pairs = [], body?: string): SimEvent {
    const headers = [...this.envelope(name), ...extra];
    return body === undefined ? { name, headers } : { name, headers, body };
  }

  /** A channel event: envelope, `pre` headers, channel data, `post` headers (event-specific). */
  channel(name: string, ch: Channel, pre: Pairs = [], post: Pairs = []): SimEvent {
    const profile = !(name === 'CHANNEL_STATE' && ch.state === 'CS_NEW');
    const headers = [...this.envelope(name), ...pre, ...channelData(ch, profile, !NO_VARIABLES.has(name)), ...post];
    return { name, headers, uuid: ch.uuid };
  }
}

/** Channel data as switch_channel_event_set_data writes it. */
export function channelData(ch: Channel, profile = true, variables = true): Pairs {
  const h = ch.basicHeaders();
  if (ch.hangupCause !== undefined) h.push(['Hangup-Cause', ch.hangupCause]);
  h.push(...ch.codecHeaders());
  if (profile) h.push(...ch.profileBlock());
  if (variables) h.push(...ch.variableHeaders());
  return h;
}
