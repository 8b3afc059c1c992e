// FreeSWITCH event names and content types we handle, verbatim, as literal unions.

export const CONTENT_TYPES = [
  'auth/request',
  'command/reply',
  'api/response',
  'text/event-plain',
  'text/event-json',
  'text/disconnect-notice',
  'log/data',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const CHANNEL_EVENT_NAMES = [
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_STATE',
  'CHANNEL_CALLSTATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_ANSWER',
  'CHANNEL_OUTGOING',
  'CHANNEL_ORIGINATE',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_DESTROY',
  'CALL_UPDATE',
  'DTMF',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
] as const;

export const OTHER_EVENT_NAMES = ['BACKGROUND_JOB', 'HEARTBEAT', 'CUSTOM', 'SHUTDOWN', 'MODULE_UNLOAD', 'API', 'RE_SCHEDULE', 'PRESENCE_PROBE'] as const;

export type ChannelEventName = (typeof CHANNEL_EVENT_NAMES)[number];
export type EventName = ChannelEventName | (typeof OTHER_EVENT_NAMES)[number];

/**
 * What the daemon subscribes to on its inbound connection: exactly what the streams,
 * policies and recorder read. RECORD_* and PLAYBACK_* are not part of `myevents` on an
 * outbound socket (mod_event_socket's myevents list omits them), so the inbound
 * connection is the only place we learn that a recording really runs.
 */
export const DAEMON_EVENTS: readonly EventName[] = [
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  // CHANNEL_EXECUTE: an eavesdrop started without our socket (the dialplan's own) is seen
  // when it starts, not only when it ends.
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_DESTROY',
  'DTMF',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'BACKGROUND_JOB',
  'HEARTBEAT',
  // A phone (re)subscribing to a BLF key: mod_sofia fires PRESENCE_PROBE, and the recording
  // lamp (src/agent) answers with its current state (mod_sofia's own answer knows nothing of it).
  'PRESENCE_PROBE',
];
