// Turns frames into typed events: event-plain (URL-encoded, framed twice) and event-json.

import { EslLimitError, EslProtocolError } from './errors';
import type { EslEvent, EslFrame } from './frame';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS, parseHeaderBlock } from './parser';

const BLANK = Buffer.from('\n\n');

/** Decodes a text/event-plain or text/event-json frame; undefined for any other frame. */
export function frameToEvent(frame: EslFrame): EslEvent | undefined {
  const type = frame.headers['Content-Type'];
  if (type === 'text/event-plain') return decodePlain(frame.body ?? Buffer.alloc(0));
  if (type === 'text/event-json') return decodeJson(frame.body ?? Buffer.alloc(0));
  return undefined;
}

export function decodePlain(body: Buffer): EslEvent {
  // The inner block ends with a blank line; a body (BACKGROUND_JOB's result) follows with
  // its own Content-Length in bytes.
  let end = body.indexOf(BLANK);
  if (end === -1) end = body.length;
  // The inner block has the same limits as an outer one: the body may be 8 MB, its header
  // block may not (the frame is skipped with a typed error, the connection goes on).
  if (end > DEFAULT_MAX_HEADER_BYTES) throw new EslLimitError('header-bytes', DEFAULT_MAX_HEADER_BYTES, `event header block larger than ${DEFAULT_MAX_HEADER_BYTES} bytes`);
  const headers = parseHeaderBlock(body.toString('utf8', 0, end), true);
  let text: string | undefined;
  const lengthText = headers['Content-Length'];
  if (lengthText !== undefined) {
    const length = Number(lengthText);
    if (!Number.isSafeInteger(length) || length < 0) throw new EslProtocolError(`bad inner Content-Length "${lengthText}"`);
    text = body.toString('utf8', end + 2, Math.min(body.length, end + 2 + length));
  }
  return withName(headers, text, 'plain');
}

/**
 * A member whose value is not a string: its key's closing quote, a colon, then a first character
 * that is neither whitespace nor a quote. No member of any other kind escapes it (a string value
 * starts with a quote); a match inside a value (`\":1`, JSON text in a variable) only sends the
 * event through the per-key pass, which is always right.
 */
const NON_STRING_MEMBER = /"\s*:\s*[^\s"]/;
/** Below this many characters an object of string members cannot have more than DEFAULT_MAX_HEADERS of them (each takes ≥ 6: `"":""` and a comma). */
const FEW_MEMBERS_BELOW = 6 * DEFAULT_MAX_HEADERS;

export function decodeJson(body: Buffer): EslEvent {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EslProtocolError(`event-json body is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EslProtocolError('event-json body is not an object');
  }
  // FreeSWITCH's JSON has mostly string members; the parsed object is used as the header map
  // as it is (no copy: this is the hottest path of a busy inbound socket). Real events have
  // ~185 members, and V8 keeps such objects as dictionaries, where a pass over every key cost
  // ≈ 13 µs on top of a ≈ 33 µs parse (the captured traces' events); the text tells in ≈ 3 µs
  // whether the pass is needed: for the two events in three with no array member
  // (variable_DP_MATCH is one) it is not.
  const headers = parsed as Record<string, unknown>;
  let eventBody: string | undefined;
  if ('_body' in headers) {
    eventBody = String(headers._body);
    delete headers._body;
  }
  if (text.length >= FEW_MEMBERS_BELOW || NON_STRING_MEMBER.test(text)) stringMembers(headers);
  return withName(headers as Record<string, string>, eventBody, 'json');
}

/** Every member a string (numbers and booleans as text, anything else as JSON); at most DEFAULT_MAX_HEADERS of them. */
function stringMembers(headers: Record<string, unknown>): void {
  let count = 0;
  for (const key in headers) {
    if (++count > DEFAULT_MAX_HEADERS) throw new EslLimitError('header-count', DEFAULT_MAX_HEADERS, `event-json with more than ${DEFAULT_MAX_HEADERS} members`);
    const value = headers[key];
    if (typeof value !== 'string') headers[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  }
}

function withName(headers: Record<string, string>, body: string | undefined, format: 'plain' | 'json'): EslEvent {
  const name = headers['Event-Name'];
  if (name === undefined) throw new EslProtocolError('event without Event-Name');
  return body === undefined ? { name, headers, format } : { name, headers, body, format };
}
