// The PRESENCE_IN event that sets one recording lamp, as headers and as the `sendevent` command on the inbound connection.

import { withHeaders, type EslCommand } from '../esl/commands';
import type { LampState } from '../policies';
import { lampDialogId, type PresenceId } from './agent-config';

/**
 * mod_sofia turns a PRESENCE_IN into a dialog-info NOTIFY for every phone subscribed to
 * `proto+user@domain` (sofia_presence.c): `unique-id` becomes the <dialog id>, `answer-state`
 * its <state>, and Presence-Call-Direction "outbound" makes the direction "recipient" — so
 * BLF keys show confirmed = lit, early = blinking (like a ringing line), terminated = dark.
 */
export const ANSWER_STATE: Readonly<Record<LampState, 'confirmed' | 'early' | 'terminated'>> = {
  on: 'confirmed',
  blinking: 'early',
  off: 'terminated',
};

const STATUS: Readonly<Record<LampState, string>> = {
  on: 'Recording',
  blinking: 'Recording paused or pending',
  off: 'Not recorded',
};

/** The headers of one lamp update, in the order they are sent. */
export function presenceHeaders(presence: PresenceId, lamp: LampState, nowEpochSeconds: number): Array<[string, string]> {
  return [
    ['proto', presence.proto],
    ['login', 'callwarden'],
    ['from', `${presence.user}@${presence.domain}`],
    ['event_type', 'presence'],
    ['alt_event_type', 'dialog'],
    ['Presence-Call-Direction', 'outbound'],
    ['unique-id', lampDialogId(presence.id)],
    ['channel-state', lamp === 'off' ? 'CS_HANGUP' : 'CS_ROUTING'],
    ['answer-state', ANSWER_STATE[lamp]],
    // Never "hold…" (mod_sofia would turn it into a held line) and never CS_HANGUP here.
    ['status', STATUS[lamp]],
    ['rpid', 'unknown'],
    ['event_count', '1'],
    // With presence-disable-early on the profile mod_sofia drops a "terminated" dialog that was
    // never answered; an answer time lets "off" through (the blink is dropped there, see README).
    ['variable_answer_epoch', String(Math.max(1, Math.floor(nowEpochSeconds)))],
  ];
}

/** `sendevent PRESENCE_IN` with those headers: mod_event_socket fires it (no live session has its unique-id). */
export function presenceCommand(presence: PresenceId, lamp: LampState, nowEpochSeconds: number): EslCommand {
  const headers = Object.fromEntries(presenceHeaders(presence, lamp, nowEpochSeconds));
  return { kind: 'command', wire: `${withHeaders('sendevent PRESENCE_IN', headers)}\n\n`, label: `sendevent PRESENCE_IN ${presence.id} ${ANSWER_STATE[lamp]}` };
}
