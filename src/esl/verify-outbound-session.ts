// Confirms over the authenticated inbound connection that a call socket is the channel it claims to be (a pure check given an `api` function).

import { timingSafeEqual } from 'node:crypto';
import { uuidGetVar } from './commands';
import type { EslEvent } from './frame';

/** The channel variable the dialplan sets to a fresh UUID before `socket` (freeswitch/dialplan/*.xml). */
export const SESSION_TOKEN_VARIABLE = 'callwarden_token';

export type SessionVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const UUID_RE = /^[A-Za-z0-9-]{8,64}$/;
const TOKEN_RE = /^[A-Za-z0-9-]{16,128}$/;

/**
 * Anyone on the host can open a TCP connection to the outbound port and answer `connect`
 * with invented channel data — including a live call's UUID, which MQTT publishes. So a
 * session is believed only when FreeSWITCH itself, asked over the inbound connection we
 * dialled and authenticated, has that channel and its `callwarden_token` equals the one the
 * socket showed. The token is a per-call UUID the dialplan sets (`${create_uuid()}`): it is
 * on no MQTT topic, in no row and in no log line, so a peer that did not get the channel
 * from FreeSWITCH cannot know it. `uuid_getvar` answers `-ERR No such channel!` for a channel
 * that does not exist, so one round trip checks existence and ownership together.
 */
export async function verifyOutboundSession(channelData: EslEvent, api: (command: string) => Promise<string>): Promise<SessionVerdict> {
  const uuid = channelData.headers['Unique-ID'] ?? '';
  if (!UUID_RE.test(uuid)) return { ok: false, reason: 'its channel data carries no usable Unique-ID' };
  const claimed = channelData.headers[`variable_${SESSION_TOKEN_VARIABLE}`];
  if (claimed === undefined || !TOKEN_RE.test(claimed)) {
    return { ok: false, reason: `its channel has no ${SESSION_TOKEN_VARIABLE} (the dialplan must set ${SESSION_TOKEN_VARIABLE}=\${create_uuid()} before \`socket\`, see freeswitch/dialplan/callwarden.xml)` };
  }
  let reply: string;
  try {
    reply = (await api(uuidGetVar(uuid, SESSION_TOKEN_VARIABLE))).trim();
  } catch (err) {
    return { ok: false, reason: `FreeSWITCH could not be asked over the inbound connection (${(err as Error).message})` };
  }
  if (reply.startsWith('-ERR')) return { ok: false, reason: 'FreeSWITCH has no such channel' };
  if (!sameText(reply, claimed)) return { ok: false, reason: `the channel's ${SESSION_TOKEN_VARIABLE} in FreeSWITCH differs from the one this socket showed` };
  return { ok: true };
}

/** A claimed UUID as it may appear in a log line: as is when well-formed, else a placeholder (a peer chose it). */
export function printableUuid(uuid: string): string {
  return UUID_RE.test(uuid) ? uuid : '(malformed)';
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Events a call socket may feed into the call table: its own channel's, and those of legs
 * FreeSWITCH links to it (an originated leg names it as its call or other leg). Anything else
 * on that socket is another channel's business and is dropped.
 */
export function concernsChannel(event: EslEvent, uuid: string): boolean {
  const h = event.headers;
  return h['Unique-ID'] === uuid || h['Other-Leg-Unique-ID'] === uuid || h['Channel-Call-UUID'] === uuid || h['variable_call_uuid'] === uuid;
}
