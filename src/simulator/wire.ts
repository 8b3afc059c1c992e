// Byte-exact ESL frame encoding as mod_event_socket writes it (URL-encoding, framing, JSON).

/**
 * Characters switch_url_encode() escapes (switch_utils.c SWITCH_URL_UNSAFE), checked against
 * every plain event in the traces: ':' '@' ' ' '+' '%' are encoded, '/' ',' '(' ')' are not.
 * Bytes outside printable ASCII (UTF-8 sequences, control characters) are always encoded.
 */
const UNSAFE = new Set(Array.from('\r\n \"#%&+:;<=>?@[\\]^`{|}').map((c) => c.charCodeAt(0)));

const HEX = '0123456789ABCDEF';

/** FreeSWITCH's URL-encoding of a header value: per UTF-8 byte, upper-case hex. */
export function fsUrlEncode(value: string): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || UNSAFE.has(c)) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte < 0x20 || byte > 0x7e || UNSAFE.has(byte)) out += '%' + HEX[byte >> 4] + HEX[byte & 15];
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** An ordered header list: FreeSWITCH keeps insertion order and the traces depend on it. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** One ESL message: a header block (values verbatim), a blank line, then `body` bytes if any. */
export function frame(headers: HeaderList, body?: Buffer | string): Buffer {
  let head = '';
  for (const [name, value] of headers) head += `${name}: ${value}\n`;
  head += '\n';
  if (body === undefined) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

export function authRequest(): Buffer {
  return frame([['Content-Type', 'auth/request']]);
}

/** command/reply; extra headers follow Reply-Text (bgapi adds Job-UUID there). */
export function commandReply(replyText: string, extra: HeaderList = []): Buffer {
  return frame([['Content-Type', 'command/reply'], ['Reply-Text', replyText], ...extra]);
}

/** api/response: the result is the body; Content-Length counts bytes. */
export function apiResponse(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return frame([['Content-Type', 'api/response'], ['Content-Length', String(bytes.length)]], bytes);
}

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const SHUTDOWN_NOTICE = 'The system is being shut down.\n';

/** text/disconnect-notice. Inbound sockets send only Content-Type + Content-Length + text. */
export function disconnectNotice(text: string, extra: HeaderList = []): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return frame([['Content-Type', 'text/disconnect-notice'], ...extra, ['Content-Length', String(bytes.length)]], bytes);
}

/** The linger notice of an outbound socket whose channel hung up (consent-socket.rx end). */
export function lingerNotice(sessionUuid: string, channelName: string): Buffer {
  return disconnectNotice('', [
    ['Controlled-Session-UUID', sessionUuid],
    ['Content-Disposition', 'linger'],
    ['Channel-Name', channelName],
    ['Linger-Time', '-1'],
  ]);
}

/** The final notice of an outbound socket, after the client closed or the session ended. */
export function outboundGoodbye(sessionUuid: string): Buffer {
  return disconnectNotice(GOODBYE, [
    ['Controlled-Session-UUID', sessionUuid],
    ['Content-Disposition', 'disconnect'],
  ]);
}

/**
 * The body of a text/event-plain message (switch_event_serialize): `Name: urlencoded\n` per
 * header, then either a blank line, or `Content-Length: N\n\n` + the event body.
 */
export function plainEventBody(headers: HeaderList, body?: string): Buffer {
  let text = '';
  for (const [name, value] of headers) text += `${name}: ${fsUrlEncode(value)}\n`;
  if (body === undefined) return Buffer.from(text + '\n', 'utf8');
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${text}Content-Length: ${bytes.length}\n\n`, 'utf8'), bytes]);
}

/** Outer framing of a plain event: Content-Length first, then Content-Type (as in the traces). */
export function plainEvent(headers: HeaderList, body?: string): Buffer {
  const inner = plainEventBody(headers, body);
  return frame([['Content-Length', String(inner.length)], ['Content-Type', 'text/event-plain']], inner);
}

/**
 * The JSON of text/event-json (switch_event_serialize_json, cJSON unformatted): headers as
 * string members in order, then "Content-Length" and "_body" when the event has a body.
 */
export function jsonEventBody(headers: HeaderList, body?: string): Buffer {
  const parts: string[] = [];
  for (const [name, value] of headers) parts.push(`${JSON.stringify(name)}:${jsonValue(value)}`);
  if (body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(body, 'utf8')))}`);
    parts.push(`"_body":${JSON.stringify(body)}`);
  }
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}

/**
 * A multi-valued header is "ARRAY::a|:b" in plain events and a JSON array in json events
 * (variable_DP_MATCH in consent-bridge-coach/watch-json).
 */
function jsonValue(value: string): string {
  if (!value.startsWith('ARRAY::')) return JSON.stringify(value);
  return JSON.stringify(value.slice(7).split('|:'));
}

/** Outer framing of a json event; the JSON is not followed by a newline. */
export function jsonEvent(headers: HeaderList, body?: string): Buffer {
  const inner = jsonEventBody(headers, body);
  return frame([['Content-Length', String(inner.length)], ['Content-Type', 'text/event-json']], inner);
}

/**
 * Reply to `connect` on an outbound socket: a command/reply whose headers are the channel
 * data, URL-encoded like an event, then the reply headers (consent-socket.rx start). The
 * Reply-Text is "+OK\n" encoded, because FreeSWITCH adds it to the event before serialising.
 */
export function connectReply(channelData: HeaderList): Buffer {
  let text = '';
  for (const [name, value] of channelData) text += `${name}: ${fsUrlEncode(value)}\n`;
  text += 'Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n';
  return Buffer.from(text, 'utf8');
}
