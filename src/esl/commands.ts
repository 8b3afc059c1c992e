// Commands as pure values rendered to the exact bytes sent; every argument is checked here.
//
// ESL has no escaping: a header value or argument containing CR or LF ends the header
// block early and turns the rest into a second command (e.g. a caller ID name of
// "x\n\napi uuid_kill …"). So every piece of text that reaches the wire passes through
// `safeArg`, and anything a caller can influence (caller ID, digits, SIP headers copied
// into variables) is rejected rather than sent.

import { EslArgumentError } from './errors';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEADER_NAME_RE = /^[A-Za-z0-9_-]+$/;
const VAR_NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** A command that goes onto the socket: its text and what kind of reply it gets. */
export interface EslCommand {
  readonly kind: 'api' | 'bgapi' | 'command' | 'sendmsg';
  /** Exact bytes to write (already ends in a blank line). */
  readonly wire: string;
  /** Short, secret-free description for logs and errors. */
  readonly label: string;
}

/** Throws unless `text` is safe to put on one line of an ESL message. */
export function safeArg(text: string, what = 'argument'): string {
  if (typeof text !== 'string') throw new EslArgumentError(`${what} must be a string`);
  // NUL is included: FreeSWITCH is C and would truncate there.
  if (/[\r\n\0]/.test(text)) throw new EslArgumentError(`${what} contains a line break or NUL and cannot be sent`);
  return text;
}

export function assertUuid(uuid: string, what = 'uuid'): string {
  if (!UUID_RE.test(uuid)) throw new EslArgumentError(`${what} "${printable(uuid)}" is not a UUID`);
  return uuid;
}

/** A value that becomes one whitespace-separated word of an api command. */
export function safeWord(text: string, what = 'argument'): string {
  safeArg(text, what);
  if (text.length === 0 || /\s/.test(text)) throw new EslArgumentError(`${what} "${printable(text)}" must be one non-empty word`);
  return text;
}

export function safeVarName(name: string): string {
  if (!VAR_NAME_RE.test(name)) throw new EslArgumentError(`variable name "${printable(name)}" is not allowed`);
  return name;
}

/** Shows control characters visibly in error messages instead of breaking log lines. */
export function printable(text: string): string {
  return JSON.stringify(String(text)).slice(1, -1).slice(0, 120);
}

export function auth(password: string): EslCommand {
  return { kind: 'command', wire: `auth ${safeArg(password, 'password')}\n\n`, label: 'auth ********' };
}

/** `api <cmd>`: replies (api/response) come strictly in the order sent. */
export function api(command: string): EslCommand {
  safeArg(command, 'api command');
  return { kind: 'api', wire: `api ${command}\n\n`, label: `api ${command}` };
}

/** `bgapi <cmd>` with a client-made Job-UUID, so the listener can be registered before sending. */
export function bgapi(command: string, jobUuid: string): EslCommand {
  safeArg(command, 'bgapi command');
  assertUuid(jobUuid, 'Job-UUID');
  return { kind: 'bgapi', wire: `bgapi ${command}\nJob-UUID: ${jobUuid}\n\n`, label: `bgapi ${command}` };
}

/** A plain command answered by command/reply (event, myevents, linger, filter, connect, exit…). */
export function command(text: string): EslCommand {
  safeArg(text, 'command');
  return { kind: 'command', wire: `${text}\n\n`, label: text };
}

export function subscribe(format: 'plain' | 'json', events: readonly string[]): EslCommand {
  for (const e of events) safeWord(e, 'event name');
  return command(`event ${format} ${events.join(' ')}`);
}

export interface ExecuteOptions {
  /** Application-UUID: the CHANNEL_EXECUTE_COMPLETE carrying it marks completion. */
  readonly eventUuid: string;
  /** event-lock: true makes FreeSWITCH run queued applications one after another. */
  readonly lock?: boolean;
}

/**
 * `sendmsg <uuid>` / `call-command: execute`. The argument is sent as a body
 * (content-type text/plain + content-length in bytes) rather than the
 * `execute-app-arg` header when it contains characters a header can't hold;
 * newlines are still refused, because no dialplan application argument needs one.
 */
export function execute(uuid: string, app: string, arg: string | undefined, options: ExecuteOptions): EslCommand {
  assertUuid(uuid);
  assertUuid(options.eventUuid, 'Event-UUID');
  if (!/^[a-z0-9_]+$/i.test(app)) throw new EslArgumentError(`application name "${printable(app)}" is not allowed`);
  const lines = [`sendmsg ${uuid}`, 'call-command: execute', `execute-app-name: ${app}`];
  if (arg !== undefined) lines.push(`execute-app-arg: ${safeArg(arg, `${app} argument`)}`);
  if (options.lock !== false) lines.push('event-lock: true');
  lines.push(`Event-UUID: ${options.eventUuid}`);
  return { kind: 'sendmsg', wire: `${lines.join('\n')}\n\n`, label: `execute ${app}${arg ? ` ${arg}` : ''}` };
}

export function hangup(uuid: string, cause = 'NORMAL_CLEARING'): EslCommand {
  assertUuid(uuid);
  if (!/^[A-Z_]+$/.test(cause)) throw new EslArgumentError(`hangup cause "${printable(cause)}" is not allowed`);
  return {
    kind: 'sendmsg',
    wire: `sendmsg ${uuid}\ncall-command: hangup\nhangup-cause: ${cause}\n\n`,
    label: `hangup ${cause}`,
  };
}

/** Extra headers for custom sendmsg uses; names and values checked. */
export function withHeaders(base: string, headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => {
      if (!HEADER_NAME_RE.test(k)) throw new EslArgumentError(`header name "${printable(k)}" is not allowed`);
      return `${k}: ${safeArg(v, `header ${k}`)}`;
    })
    .reduce((acc, line) => `${acc}\n${line}`, base);
}

// ---- api command texts used by the daemon -------------------------------------------

export function uuidSetVar(uuid: string, name: string, value: string): string {
  // uuid_setvar takes the rest of the line as the value; only line breaks are dangerous.
  return `uuid_setvar ${assertUuid(uuid)} ${safeVarName(name)} ${safeArg(value, `value of ${name}`)}`;
}

export function uuidGetVar(uuid: string, name: string): string {
  return `uuid_getvar ${assertUuid(uuid)} ${safeVarName(name)}`;
}

export type RecordAction = 'start' | 'stop' | 'mask' | 'unmask';

export function uuidRecord(uuid: string, action: RecordAction, path: string, limitSeconds?: number): string {
  const limit = limitSeconds === undefined ? '' : ` ${Math.floor(limitSeconds)}`;
  return `uuid_record ${assertUuid(uuid)} ${action} ${safeWord(path, 'recording path')}${limit}`;
}

export function uuidBroadcast(uuid: string, path: string, leg: 'aleg' | 'bleg' | 'both'): string {
  return `uuid_broadcast ${assertUuid(uuid)} ${safeWord(path, 'announcement path')} ${leg}`;
}

export function uuidKill(uuid: string, cause = 'NORMAL_CLEARING'): string {
  if (!/^[A-Z_]+$/.test(cause)) throw new EslArgumentError(`hangup cause "${printable(cause)}" is not allowed`);
  return `uuid_kill ${assertUuid(uuid)} ${cause}`;
}

export function uuidTransfer(uuid: string, destination: string, dialplan = 'XML', context = 'default'): string {
  return `uuid_transfer ${assertUuid(uuid)} ${safeWord(destination, 'destination')} ${safeWord(dialplan)} ${safeWord(context)}`;
}
